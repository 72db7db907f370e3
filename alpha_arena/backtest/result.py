"""`BacktestResult`: a finished backtest's statistics, tables and files."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alpha_arena.data import Dataset
from alpha_arena.engine import RunRecord
from alpha_arena.timeutil import ns_index
from alpha_arena.types import Fill, Order

SUMMARY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("total_return", "Total return", "pct"),
    ("pnl", "PnL (USDC)", "money"),
    ("end_equity", "Final equity (USDC)", "money"),
    ("sharpe", "Sharpe (daily, ann.)", "num"),
    ("sortino", "Sortino (daily, ann.)", "num"),
    ("max_drawdown", "Max drawdown", "pct"),
    ("calmar", "Calmar", "num"),
    ("win_rate", "Win rate (per token)", "pct"),
    ("profit_factor", "Profit factor", "num"),
    ("trades", "Trades (fills)", "int"),
    ("orders", "Orders", "int"),
    ("rejected_orders", "Rejected orders", "int"),
    ("turnover", "Turnover (x capital)", "num"),
    ("fees_paid", "Fees paid (USDC)", "money"),
    ("exposure", "Time with positions", "pct"),
    ("max_locked", "Max capital locked (USDC)", "money"),
    ("forecast.n", "Forecasts scored", "int"),
    ("forecast.brier", "Brier score", "num"),
    ("forecast.brier_skill", "Brier skill vs market", "num"),
    ("forecast.log_loss", "Log loss", "num"),
    ("edge_gap.gap_usdc", "Edge gap: paper - real (USDC)", "money"),
    ("edge_gap.gap_bps", "Edge gap (bps of notional)", "num"),
)
"""(stats key, label, format) of the summary table, in order; missing keys are skipped."""


_MISSING = object()


def _lookup(stats: dict[str, Any], key: str) -> Any:
    """`stats["a"]["b"]` for the key "a.b"; `_MISSING` when absent."""
    value: Any = stats
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _format(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "pct":
        return f"{100 * value:.2f}%"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "int":
        return f"{int(value):d}"
    return f"{value:.3f}"


def _jsonable(value: Any) -> Any:
    """Plain JSON values: numpy scalars to Python, NaN/inf to None, frames to records."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return _jsonable(value.reset_index().to_dict(orient="records"))
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def equity_frame(record: RunRecord) -> pd.DataFrame:
    """The equity path per step: equity, cash, positions value (index: UTC time)."""
    return pd.DataFrame(
        {"equity": record.equity, "cash": record.cash, "positions_value": record.positions_value},
        index=ns_index(record.times).rename("time"),
    )


def trades_frame(fills: list[Fill], models: list[str], data: Dataset) -> pd.DataFrame:
    """Every fill with its market, outcome and the fill model that produced it."""
    tokens = data.tokens
    rows = [
        {
            "time": pd.Timestamp(f.timestamp),
            "order_id": f.order_id,
            "token_id": f.token_id,
            "market_id": tokens.at[f.token_id, "market_id"],
            "outcome": tokens.at[f.token_id, "outcome"],
            "side": f.side.value,
            "price": f.price,
            "size": f.size,
            "notional": f.price * f.size,
            "fee_usdc": f.fee_usdc,
            "fee_shares": f.fee_shares,
            "liquidity": f.liquidity.value,
            "fill_model": model,
        }
        for f, model in zip(fills, models or [""] * len(fills), strict=True)
    ]
    columns = [
        "time", "order_id", "token_id", "market_id", "outcome", "side", "price", "size",
        "notional", "fee_usdc", "fee_shares", "liquidity", "fill_model",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def orders_frame(orders: list[Order]) -> pd.DataFrame:
    """Every order the strategy placed, with its final status and filled size."""
    rows = [
        {
            "client_id": o.client_id,
            "created_at": pd.Timestamp(o.created_at) if o.created_at else pd.NaT,
            "token_id": o.token_id,
            "side": o.side.value,
            "order_type": o.order_type.value,
            "price": o.price,
            "size": o.size,
            "notional": o.notional,
            "status": o.status.value,
            "filled_size": o.filled_size,
            "reason": o.reason,
        }
        for o in orders
    ]
    columns = [
        "client_id", "created_at", "token_id", "side", "order_type", "price", "size",
        "notional", "status", "filled_size", "reason",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


@dataclass
class BacktestResult:
    """What a backtest produced.

    `stats` holds performance (returns, Sharpe/Sortino on daily equity, drawdown, ...),
    forecast quality for strategies that stated probabilities, the realizable-vs-paper edge
    gap and `fill_model` notes on the simulator's assumptions. `equity`, `trades`, `orders`
    and `positions` are DataFrames; `run_dir` is where the files went (None if not written).
    `alpha_arena.report.write_report(result, directory)` draws its tear sheet.
    """

    run_id: str
    strategy: str
    params: dict[str, Any]
    stats: dict[str, Any]
    equity: pd.DataFrame
    trades: pd.DataFrame
    orders: pd.DataFrame
    positions: pd.DataFrame
    record: RunRecord = field(repr=False)
    run_dir: Path | None = None
    dataset: Dataset | None = field(default=None, repr=False)
    """The data replayed (for reports: prices under the trades, market categories)."""

    def plot(self) -> Any:
        """The tear sheet as a matplotlib Figure (Jupyter shows it inline)."""
        from alpha_arena.report import tear_sheet

        return tear_sheet(self)

    def summary(self) -> str:
        """A plain-text table of the headline statistics and the fill-model notes."""
        lines = [f"Backtest {self.run_id}: {self.strategy} {self.params}"]
        run = self.stats.get("run", {})
        if run:
            lines.append(
                f"  data: {run.get('data_source')}, {run.get('markets')} markets, "
                f"{run.get('start')} -> {run.get('end')} ({run.get('steps')} steps)"
            )
        width = max(len(label) for _, label, _ in SUMMARY_ROWS)
        for key, label, kind in SUMMARY_ROWS:
            value = _lookup(self.stats, key)
            if value is not _MISSING:
                lines.append(f"  {label:<{width}}  {_format(value, kind):>14}")
        for note in self.stats.get("fill_model", {}).get("notes", []):
            lines.append(f"  note: {note}")
        if self.run_dir is not None:
            lines.append(f"  files: {self.run_dir}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Run id, strategy, parameters, statistics and run directory as JSON-ready values."""
        return _jsonable(
            {
                "run_id": self.run_id,
                "strategy": self.strategy,
                "params": self.params,
                "run_dir": str(self.run_dir) if self.run_dir is not None else None,
                "stats": self.stats,
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        """`to_dict()` as JSON text (NaN and infinities become null)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def write(self, directory: Path) -> None:
        """Write stats.json, equity.csv, trades.csv, orders.csv and positions.csv."""
        directory.mkdir(parents=True, exist_ok=True)
        self.run_dir = directory
        (directory / "stats.json").write_text(self.to_json() + "\n", encoding="utf-8")
        self.equity.to_csv(directory / "equity.csv")
        self.trades.to_csv(directory / "trades.csv", index=False)
        self.orders.to_csv(directory / "orders.csv", index=False)
        self.positions.to_csv(directory / "positions.csv")

    def __repr__(self) -> str:
        return self.summary()
