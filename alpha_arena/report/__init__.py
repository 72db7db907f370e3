"""Tear sheets and HTML reports of a run (matplotlib, rendered off-screen with Agg).

`write_report(result, directory, dataset=...)` writes `tearsheet.png` and `report.html`;
`tear_sheet(report_input(result, dataset))` returns the matplotlib Figure (Jupyter shows it).
matplotlib loads only when a figure is drawn.
"""

from alpha_arena.report.from_db import closed_pnl, db_report_input
from alpha_arena.report.html import render_html
from alpha_arena.report.inputs import ReportInput, as_input, report_input
from alpha_arena.report.plots import (
    drawdown_series,
    plot_calibration,
    plot_drawdown,
    plot_equity,
    plot_exposure,
    plot_fees_edge,
    plot_pnl_by_category,
    plot_pnl_by_market,
    plot_trades,
    thin,
)
from alpha_arena.report.sheet import png_bytes, tear_sheet
from alpha_arena.report.write import HTML_NAME, PNG_NAME, write_report

__all__ = [
    "HTML_NAME",
    "PNG_NAME",
    "ReportInput",
    "as_input",
    "closed_pnl",
    "db_report_input",
    "drawdown_series",
    "plot_calibration",
    "plot_drawdown",
    "plot_equity",
    "plot_exposure",
    "plot_fees_edge",
    "plot_pnl_by_category",
    "plot_pnl_by_market",
    "plot_trades",
    "png_bytes",
    "render_html",
    "report_input",
    "tear_sheet",
    "thin",
    "write_report",
]
