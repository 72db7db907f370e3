"""One matplotlib panel per figure of the tear sheet; each draws on a given Axes.

Every function takes a `ReportInput` and an optional Axes (a new figure's when None),
returns the Axes, and raises `ValidationError` naming the missing table when it has
nothing to draw, so an empty run fails clearly instead of drawing a blank chart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alpha_arena.errors import ValidationError
from alpha_arena.report.inputs import ReportInput

if TYPE_CHECKING:
    from matplotlib.axes import Axes

TOP_MARKETS = 12
"""PnL-by-market bars: the markets with the largest absolute PnL."""

LABEL_WIDTH = 32
"""Bar and title labels are cut to this many characters."""

MAX_POINTS = 2000
"""Time series are thinned to this many buckets before drawing (a chart is ~1000 px wide)."""


def new_axes() -> Axes:
    """An Axes on a fresh Agg-backed figure (no pyplot state, no display needed)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(7, 3.5)).add_subplot()


def _require(ok: bool, field: str, expected: str, got: Any) -> None:
    if not ok:
        raise ValidationError(field, expected, got)


def _naive_utc(index: pd.Index) -> np.ndarray:
    """Times as naive UTC datetime64 (matplotlib converts these fast, unlike tz-aware)."""
    times = pd.DatetimeIndex(index)
    return (times.tz_convert(None) if times.tz is not None else times).to_numpy()


def thin(series: pd.Series, how: str = "last", points: int = MAX_POINTS) -> pd.Series:
    """At most `points` values: consecutive buckets reduced by "last" or "max"."""
    values = series.dropna()
    if len(values) <= points:
        return values
    bucket = np.arange(len(values)) * points // len(values)
    grouped = values.groupby(bucket)
    reduced = grouped.max() if how == "max" else grouped.last()
    reduced.index = values.index[np.flatnonzero(np.diff(bucket, append=points))]
    return reduced


def _time_axis(ax: Axes) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _line(ax: Axes, series: pd.Series, how: str = "last", **style: Any) -> None:
    shown = thin(series, how)
    ax.plot(_naive_utc(shown.index), shown.to_numpy(), **style)
    _time_axis(ax)


def _short(text: Any, width: int = LABEL_WIDTH) -> str:
    """A label cut to `width` characters (long hex ids and questions crowd a chart)."""
    label = str(text)
    return label if len(label) <= width else label[: width - 1] + "…"


def _token_name(inp: ReportInput, token: str) -> str:
    """The token's market name and outcome when the PnL table has them, else its id."""
    table = inp.pnl
    if "market" not in table or "token_id" not in table:
        return token
    about = table[table["token_id"] == token]
    if about.empty:
        return token
    return f"{about['market'].iloc[0]} {about.get('outcome', pd.Series([''])).iloc[0]}"


def _market_names(inp: ReportInput) -> pd.Series:
    """A readable name per market id: the `market` column when present, else the id."""
    table = inp.pnl
    names = table["market"] if "market" in table else table["market_id"]
    return pd.Series(names.to_numpy(), index=table["market_id"].to_numpy()).groupby(level=0).first()


def _require_equity(inp: ReportInput) -> pd.Series:
    equity = inp.equity.dropna()
    _require(len(equity) > 0, "equity", "at least one equity point", "an empty series")
    return equity


def drawdown_series(equity: pd.Series) -> pd.Series:
    """Fall from the running peak, as a fraction of the peak (0 at new highs)."""
    peaks = equity.cummax()
    return ((peaks - equity) / peaks.where(peaks > 0)).fillna(0.0)


def plot_equity(inp: ReportInput, ax: Axes | None = None) -> Axes:
    """Equity over time, scaled to its own range (the exposure panel shows positions)."""
    equity = _require_equity(inp)
    ax = ax or new_axes()
    _line(ax, equity, color="tab:blue")
    start, end = float(equity.iloc[0]), float(equity.iloc[-1])
    ax.set_title(f"Equity (USDC): {start:,.2f} -> {end:,.2f}")
    return ax


def plot_drawdown(inp: ReportInput, ax: Axes | None = None) -> Axes:
    """Drawdown from the running peak, in percent."""
    drawdown = drawdown_series(_require_equity(inp))
    shown = thin(drawdown, "max")
    ax = ax or new_axes()
    ax.fill_between(
        _naive_utc(shown.index), -100 * shown.to_numpy(), 0.0, color="tab:red", alpha=0.4
    )
    _time_axis(ax)
    ax.set_title(f"Drawdown (max {100 * drawdown.max():.2f}%)")
    ax.set_ylabel("%")
    return ax


def plot_exposure(inp: ReportInput, ax: Axes | None = None) -> Axes:
    """Share of equity held in positions, and capital locked awaiting resolution."""
    equity = _require_equity(inp)
    _require(
        inp.positions_value is not None and len(inp.positions_value) > 0,
        "positions_value",
        "a positions value series",
        None,
    )
    ax = ax or new_axes()
    share = 100 * inp.positions_value / equity.where(equity > 0)
    _line(ax, share, label="% of equity in positions", color="tab:green")
    ax.set_ylabel("%")
    peak = float(inp.locked.max()) if inp.locked is not None and len(inp.locked) else 0.0
    if peak > 0:
        twin = ax.twinx()
        _line(twin, inp.locked, "max", color="tab:purple", label="locked")
        twin.set_ylabel("locked awaiting resolution (USDC)", fontsize=8)
    ax.set_title(f"Exposure; capital locked awaiting resolution (max {peak:,.2f} USDC)")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def _pnl_by(inp: ReportInput, key: str) -> pd.Series:
    table = inp.pnl
    _require(len(table) > 0, "pnl", "at least one traded token", "no trades")
    _require(key in table.columns, f"pnl.{key}", f"a {key} column", list(table.columns))
    groups = table.dropna(subset=[key]).groupby(key)["pnl"].sum()
    _require(len(groups) > 0, f"pnl.{key}", f"a known {key}", "all missing")
    return groups


def _bars(ax: Axes, values: pd.Series, title: str) -> None:
    colors = np.where(values.to_numpy() >= 0, "tab:green", "tab:red")
    ax.barh([_short(i) for i in values.index], values.to_numpy(), color=colors)
    ax.axvline(0.0, color="black", linewidth=0.5)
    ax.set_title(title)
    ax.tick_params(axis="y", labelsize=7)


def plot_pnl_by_market(inp: ReportInput, ax: Axes | None = None) -> Axes:
    """PnL per market (the largest winners and losers)."""
    pnl = _pnl_by(inp, "market_id")
    top = pnl.loc[pnl.abs().sort_values(ascending=False).index[:TOP_MARKETS]].sort_values()
    top.index = top.index.map(_market_names(inp))
    ax = ax or new_axes()
    _bars(ax, top, f"PnL by market (USDC, top {len(top)} of {len(pnl)})")
    return ax


def plot_pnl_by_category(inp: ReportInput, ax: Axes | None = None) -> Axes:
    """PnL per market category."""
    pnl = _pnl_by(inp, "category").sort_values()
    ax = ax or new_axes()
    _bars(ax, pnl, "PnL by category (USDC)")
    return ax


def plot_trades(inp: ReportInput, ax: Axes | None = None, token_id: str | None = None) -> Axes:
    """A token's price with its buys (^) and sells (v); the most traded token by default."""
    _require(inp.prices is not None and inp.prices.shape[1] > 0, "prices", "a price table", None)
    _require(len(inp.trades) > 0, "trades", "at least one trade", "no trades")
    token = token_id if token_id is not None else str(inp.prices.columns[0])
    _require(token in inp.prices.columns, "token_id", "a token in the price table", token)
    ax = ax or new_axes()
    _line(ax, inp.prices[token], color="tab:gray", linewidth=0.8, label="price")
    mine = inp.trades[inp.trades["token_id"] == token]
    for side, marker, color in (("BUY", "^", "tab:green"), ("SELL", "v", "tab:red")):
        rows = mine[mine["side"].astype(str).str.upper() == side]
        if len(rows):
            ax.scatter(
                _naive_utc(pd.to_datetime(rows["time"], utc=True)),
                rows["price"].to_numpy(),
                marker=marker,
                color=color,
                s=18,
                label=side.lower(),
                zorder=3,
            )
    ax.set_ylim(0.0, 1.0)
    ax.set_title(f"Trades on {_short(_token_name(inp, token), 2 * LABEL_WIDTH)}", fontsize=9)
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_calibration(inp: ReportInput, ax: Axes | None = None) -> Axes:
    """Reliability diagram of the stated probabilities, with the Brier decomposition."""
    forecast = inp.forecast
    table = pd.DataFrame(forecast.get("calibration") or [])
    _require(len(table) > 0, "forecast.calibration", "scored forecasts", "none")
    ax = ax or new_axes()
    ax.plot([0, 1], [0, 1], linestyle="--", color="tab:gray", linewidth=0.8)
    sizes = 20 + 200 * table["count"] / table["count"].max()
    ax.scatter(table["mean_forecast"], table["observed_rate"], s=sizes, color="tab:blue")
    ax.plot(table["mean_forecast"], table["observed_rate"], color="tab:blue", linewidth=0.8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("forecast probability")
    ax.set_ylabel("observed frequency")
    text = "\n".join(
        f"{label} {forecast.get(key, float('nan')):.4f}"
        for key, label in (
            ("brier", "Brier"),
            ("reliability", "reliability"),
            ("resolution", "resolution"),
            ("uncertainty", "uncertainty"),
            ("brier_skill", "skill vs market"),
        )
    )
    ax.text(0.02, 0.97, text, transform=ax.transAxes, va="top", fontsize=7, family="monospace")
    ax.set_title(f"Calibration ({forecast.get('n', int(table['count'].sum()))} forecasts)")
    return ax


def plot_fees_edge(inp: ReportInput, ax: Axes | None = None) -> Axes:
    """What execution cost: fees and slippage against the decision-time (paper) price."""
    edge = inp.edge
    _require(
        edge.get("priced_fills", 0) > 0,
        "stats.edge_gap",
        "edge figures of priced fills",
        edge or None,
    )
    parts = pd.Series(
        {
            "slippage": edge["slippage_usdc"],
            "fees": edge["fees_usdc"],
            "total gap": edge["gap_usdc"],
        }
    )
    ax = ax or new_axes()
    colors = np.where(parts.to_numpy() <= 0, "tab:green", "tab:red")
    ax.bar(parts.index, parts.to_numpy(), color=colors)
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set_ylabel("USDC (positive = cost)")
    ax.set_title(f"Realizable vs paper edge ({edge.get('gap_bps', float('nan')):.1f} bps)")
    return ax
