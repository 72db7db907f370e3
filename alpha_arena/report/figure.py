"""The tear-sheet figure (matplotlib, Agg backend: works headless and in Jupyter)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alpha_arena.report.tables import pnl_by_category, pnl_by_market

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from alpha_arena.backtest import BacktestResult

TOP_MARKETS = 12
"""Markets shown in the PnL-by-market panel (largest absolute PnL)."""


def _drawdown(equity: pd.Series) -> pd.Series:
    peaks = equity.cummax()
    return (equity - peaks) / peaks.where(peaks > 0)


def _equity(ax: Axes, result: BacktestResult) -> None:
    eq = result.equity["equity"]
    ax.plot(eq.index, eq.to_numpy(), color="tab:blue", lw=1.0, label="equity")
    ax.axhline(float(result.stats.get("start_equity", eq.iloc[0])), color="grey", lw=0.6, ls="--")
    ax.set_title(f"{result.strategy} {result.params}", fontsize=9, loc="left")
    ax.set_ylabel("USDC")
    ax.legend(loc="upper left", fontsize=8)


def _drawdown_panel(ax: Axes, result: BacktestResult) -> None:
    dd = _drawdown(result.equity["equity"])
    ax.fill_between(dd.index, 100 * dd.to_numpy(), 0, color="tab:red", alpha=0.4, lw=0)
    ax.set_title("Drawdown (%)", fontsize=9, loc="left")


def _exposure(ax: Axes, result: BacktestResult) -> None:
    frame = result.equity
    ax.plot(frame.index, frame["positions_value"].to_numpy(), color="tab:purple", lw=0.8,
            label="capital in positions")  # fmt: skip
    ax.plot(frame.index, frame["cash"].to_numpy(), color="tab:green", lw=0.8, label="cash")
    ax.set_title("Exposure and capital locked (USDC)", fontsize=9, loc="left")
    ax.legend(loc="upper left", fontsize=8)


def _bars(ax: Axes, labels: list[str], values: np.ndarray, title: str) -> None:
    if not len(values):
        ax.text(0.5, 0.5, "no trades", ha="center", va="center", transform=ax.transAxes)
    else:
        colors = np.where(values >= 0, "tab:green", "tab:red")
        ax.barh(range(len(values)), values, color=colors)
        ax.set_yticks(range(len(values)), labels, fontsize=7)
    ax.set_title(title, fontsize=9, loc="left")


def _trades_on_price(ax: Axes, result: BacktestResult) -> None:
    trades = result.trades
    data = result.data
    if trades.empty or data is None:
        ax.text(0.5, 0.5, "no trades", ha="center", va="center", transform=ax.transAxes)
        ax.set_title("Trades on price", fontsize=9, loc="left")
        return
    token = trades["token_id"].value_counts().index[0]
    col = data.column(token)
    times = pd.to_datetime(data.times, utc=True)
    ax.plot(times, data.prices[:, col], color="black", lw=0.7)
    mine = trades[trades["token_id"] == token]
    for side, marker, color in (("BUY", "^", "tab:green"), ("SELL", "v", "tab:red")):
        rows = mine[mine["side"].str.upper() == side]
        ax.scatter(
            rows["time"], rows["price"], marker=marker, color=color, s=18, label=side.lower()
        )
    question = data.markets.at[data.tokens.at[token, "market_id"], "question"]
    outcome = data.tokens.at[token, "outcome"]
    ax.set_title(f"Trades on price: {str(question)[:50]} ({outcome})", fontsize=9, loc="left")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8)


def _calibration(ax: Axes, result: BacktestResult) -> None:
    forecast: dict[str, Any] = result.stats.get("forecast", {}) or {}
    table = pd.DataFrame(forecast.get("calibration", []))
    ax.set_title("Calibration (reliability)", fontsize=9, loc="left")
    if table.empty:
        ax.text(0.5, 0.5, "no scored forecasts", ha="center", va="center", transform=ax.transAxes)
        return
    ax.plot([0, 1], [0, 1], color="grey", lw=0.6, ls="--")
    ax.scatter(
        table["mean_forecast"], table["observed_rate"], s=10 + table["count"], color="tab:blue"
    )
    ax.set_xlabel("forecast probability")
    ax.set_ylabel("observed frequency")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    text = (
        f"Brier {forecast['brier']:.4f} = rel {forecast['reliability']:.4f}"
        f" − res {forecast['resolution']:.4f} + unc {forecast['uncertainty']:.4f}"
    )
    ax.text(0.02, 0.95, text, fontsize=7, transform=ax.transAxes, va="top")


def tearsheet(result: BacktestResult, path: str | Path | None = None) -> Figure:
    """Draw the tear sheet of `result`; with `path`, also save it there as PNG."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 13), dpi=90, layout="constrained")
    grid = fig.add_gridspec(4, 2, height_ratios=[1.3, 1, 1.2, 1.1])
    _equity(fig.add_subplot(grid[0, :]), result)
    _drawdown_panel(fig.add_subplot(grid[1, 0]), result)
    _exposure(fig.add_subplot(grid[1, 1]), result)
    if result.data is not None:
        markets = pnl_by_market(result).head(TOP_MARKETS).iloc[::-1]
        labels = [f"{q[:40]}" for q in markets["question"].astype(str)]
        _bars(fig.add_subplot(grid[2, 0]), labels, markets["pnl"].to_numpy(), "PnL by market")
        categories = pnl_by_category(result)
        _bars(fig.add_subplot(grid[2, 1]), list(categories.index), categories.to_numpy(),
              "PnL by category")  # fmt: skip
    _trades_on_price(fig.add_subplot(grid[3, 0]), result)
    _calibration(fig.add_subplot(grid[3, 1]), result)
    if path is not None:
        fig.savefig(Path(path), format="png")
    return fig
