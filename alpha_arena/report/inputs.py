"""`ReportInput`: the tables a tear sheet draws, built from a backtest result or by hand.

A report needs an equity path and, when the run has them, per-token PnL, trades, prices
(for trade markers), capital locked awaiting resolution, the calibration table and the
edge figures. `report_input(result, dataset)` assembles it from a `BacktestResult`; the
dataset adds prices, categories and locked capital, which the result alone does not carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alpha_arena.errors import ValidationError
from alpha_arena.metrics import token_pnl
from alpha_arena.metrics.exposure import run_locked_capital
from alpha_arena.timeutil import ns_index

if TYPE_CHECKING:
    from alpha_arena.data import Dataset

PRICE_PANELS = 3
"""Prices of this many most traded tokens are kept for `plot_trades(inp, token_id=...)`;
the tear sheet draws the most traded one."""


def _empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass
class ReportInput:
    """Everything a tear sheet shows. Only `equity` is required.

    - `equity`: equity per step (UTC DatetimeIndex); `positions_value` the part held in tokens.
    - `locked`: value of positions in ended, unresolved markets per step.
    - `pnl`: one row per traded token: `pnl`, `market_id`, and when known `market` (a
      readable name), `outcome` and `category`.
    - `trades`: fills with `time`, `token_id`, `side` ("BUY"/"SELL"), `price`, `size`, `fee_usdc`.
    - `prices`: price per step (columns: token ids) of the tokens to draw trades on.
    - `stats`: the run's statistics (as `BacktestResult.stats`).
    """

    equity: pd.Series
    title: str = "alpha-arena run"
    positions_value: pd.Series | None = None
    locked: pd.Series | None = None
    pnl: pd.DataFrame = field(
        default_factory=lambda: _empty_frame(["token_id", "market_id", "category", "pnl"])
    )
    trades: pd.DataFrame = field(
        default_factory=lambda: _empty_frame(["time", "token_id", "side", "price", "size"])
    )
    prices: pd.DataFrame | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.equity, pd.Series):
            raise ValidationError("equity", "a pandas Series indexed by time", type(self.equity))
        if not isinstance(self.equity.index, pd.DatetimeIndex):
            raise ValidationError("equity.index", "a DatetimeIndex", type(self.equity.index))
        for name in ("pnl", "trades"):
            if not isinstance(getattr(self, name), pd.DataFrame):
                raise ValidationError(name, "a pandas DataFrame", type(getattr(self, name)))

    @property
    def forecast(self) -> dict[str, Any]:
        """The forecast statistics (empty when the strategy stated no probabilities)."""
        return self.stats.get("forecast") or {}

    @property
    def edge(self) -> dict[str, Any]:
        """The realizable-vs-paper edge figures (empty when not computed)."""
        return self.stats.get("edge_gap") or {}


def as_input(source: Any, dataset: Dataset | None = None) -> ReportInput:
    """A `ReportInput` as is, or one built from a `BacktestResult` by `report_input`."""
    return source if isinstance(source, ReportInput) else report_input(source, dataset)


def report_input(result: Any, dataset: Dataset | None = None) -> ReportInput:
    """Build a `ReportInput` from a `BacktestResult` and the dataset it ran on.

    Without `dataset`, the result's own `dataset` attribute is used if it has one; with
    neither, the report has no price charts, categories or locked capital.
    """
    dataset = dataset if dataset is not None else getattr(result, "dataset", None)
    for name in ("equity", "trades", "positions", "record", "stats"):
        if not hasattr(result, name):
            raise ValidationError("result", f"a BacktestResult (with .{name})", type(result))
    record = result.record
    finals = result.positions.get("value", None)
    pnl = token_pnl(record.fills, record.settlements, finals).rename("pnl").to_frame()
    pnl.index.name = "token_id"
    markets = _token_markets(result, dataset)
    pnl = pnl.join(markets, how="left").reset_index()
    equity = result.equity
    title = f"{getattr(result, 'strategy', '')} {getattr(result, 'run_id', '')}".strip()
    locked = prices = None
    if dataset is not None:
        prices = _traded_prices(result.trades, dataset)
        locked = pd.Series(run_locked_capital(record, dataset), index=equity.index, name="locked")
    return ReportInput(
        equity=equity["equity"],
        title=title or "alpha-arena run",
        positions_value=equity.get("positions_value"),
        locked=locked,
        pnl=pnl,
        trades=result.trades,
        prices=prices,
        stats=result.stats,
    )


def _token_markets(result: Any, dataset: Dataset | None) -> pd.DataFrame:
    """market_id and category per token, from the dataset or else the result's tables."""
    if dataset is not None:
        tokens = dataset.tokens[["market_id", "outcome"]].copy()
        markets = dataset.markets
        named = markets["slug"].where(markets["slug"].fillna("") != "", markets["question"])
        tokens["category"] = tokens["market_id"].map(markets["category"])
        tokens["market"] = tokens["market_id"].map(named).fillna(tokens["market_id"])
        return tokens
    parts = [
        result.positions[["market_id"]] if "market_id" in result.positions else None,
        (
            result.trades.set_index("token_id")[["market_id"]]
            if len(result.trades) and "market_id" in result.trades
            else None
        ),
    ]
    present = [p for p in parts if p is not None]
    if not present:
        return pd.DataFrame({"market_id": pd.Series(dtype=object)})
    known = pd.concat(present)
    known = known[~known.index.duplicated()]
    known["category"] = np.nan
    return known


def _traded_prices(trades: pd.DataFrame, dataset: Dataset) -> pd.DataFrame | None:
    if trades.empty:
        return None
    top = list(trades["token_id"].value_counts().index[:PRICE_PANELS])
    columns = [dataset.column(token) for token in top]
    return pd.DataFrame(dataset.prices[:, columns], index=ns_index(dataset.times), columns=top)
