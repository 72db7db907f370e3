"""Tear sheets of a finished backtest: a PNG figure and a self-contained HTML page.

`tearsheet(result)` draws the figure (equity and drawdown, exposure and capital locked,
PnL by market and by category, trade markers on price, calibration when the strategy stated
probabilities); `write_report(result, directory)` writes `tearsheet.png` and `report.html`
(the PNG embedded as base64 next to the statistics, fees and edge-gap tables; no external
URLs). `result.plot()` on a `BacktestResult` is `tearsheet(result)`.
"""

from alpha_arena.report.figure import tearsheet
from alpha_arena.report.html import render_html, write_report
from alpha_arena.report.tables import pnl_by_category, pnl_by_market, pnl_by_token

__all__ = [
    "pnl_by_category",
    "pnl_by_market",
    "pnl_by_token",
    "render_html",
    "tearsheet",
    "write_report",
]
