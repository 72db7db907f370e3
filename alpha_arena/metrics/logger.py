"""`MetricsLogger`: the engine's sink, writing a run to SQLite `metrics.db` and `decisions.jsonl`.

The same logger serves backtests (rows batched, flushed every `flush_every` events) and the
live runner (`mode="live"`: every decision is on disk, in both files, before `decision()`
returns, so a crash loses nothing already decided).
"""

from __future__ import annotations

import json
import math
import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from alpha_arena.errors import ValidationError
from alpha_arena.metrics.redact import redact
from alpha_arena.metrics.schema import connect, sql_now, sql_time

if TYPE_CHECKING:
    from alpha_arena.engine.loop import Decision
    from alpha_arena.sim.portfolio import Portfolio
    from alpha_arena.types import Fill, Order, Settlement

_INSERTS = {
    "decisions": (
        "INSERT INTO decisions (run_id, timestamp, iteration, balance, equity, positions, "
        "markets, signals_generated, signals_executed, status, error, latency_ms) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
    ),
    "orders": (
        "INSERT INTO orders (run_id, timestamp, updated_at, client_id, token_id, side, "
        "order_type, size, notional, price, status, filled_size, reason) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (run_id, client_id) DO UPDATE SET updated_at=excluded.updated_at, "
        "status=excluded.status, filled_size=excluded.filled_size, reason=excluded.reason, "
        "size=excluded.size"
    ),
    "fills": (
        "INSERT INTO fills (run_id, timestamp, order_id, token_id, side, price, size, "
        "fee_usdc, fee_shares, fee, cash_delta, liquidity) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
    ),
    "settlements": (
        "INSERT INTO settlements (run_id, timestamp, token_id, shares, payout, cash, state) "
        "VALUES (?,?,?,?,?,?,?)"
    ),
    "pnl_snapshots": (
        "INSERT INTO pnl_snapshots (run_id, timestamp, equity, cash, positions_value, "
        "realized_pnl, unrealized_pnl, fees_paid, locked) VALUES (?,?,?,?,?,?,?,?,?)"
    ),
    "llm_calls": (
        "INSERT INTO llm_calls (run_id, timestamp, provider, model, role, input_tokens, "
        "output_tokens, cost_usd, latency_ms, status, cached, error) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
    ),
}
LLM_CALL_FIELDS = (
    "timestamp", "provider", "model", "role", "input_tokens", "output_tokens", "cost_usd",
    "latency_ms", "status", "cached", "error",
)  # fmt: skip
"""Fields `llm_call` accepts (plus `run_id`, defaulting to this run)."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_jsonable, sort_keys=True, allow_nan=False)


def _finite(value: Any) -> Any:
    """JSON has no NaN/inf: turn them into null, recursively."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _when(value: datetime | None, fallback_ns: int) -> str:
    if value is None:
        return sql_time(fallback_ns)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


class MetricsLogger:
    """Records one run: its orders, fills, settlements, equity, decisions and LLM calls.

    `directory` receives `metrics.db` (WAL) and `decisions.jsonl`; several runs may share a
    directory (live restarts append). `attach(portfolio)` lets equity snapshots carry
    realized/unrealized PnL, fees and locked capital; without it realized PnL is equity
    minus the first equity seen. `pnl_every_s` thins the PnL snapshots of long backtests.
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        run_id: str | None = None,
        mode: Literal["backtest", "live", "paper"] = "backtest",
        strategy: str = "",
        params: Mapping[str, Any] | None = None,
        data_source: str = "",
        config: Mapping[str, Any] | None = None,
        flush_every: int | None = None,
        pnl_every_s: float = 0.0,
    ) -> None:
        if mode not in ("backtest", "live", "paper"):
            raise ValidationError("mode", "'backtest', 'live' or 'paper'", mode)
        if pnl_every_s < 0:
            raise ValidationError("pnl_every_s", "a non-negative number of seconds", pnl_every_s)
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id or f"{mode}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        self.mode = mode
        self.flush_every = (
            flush_every if flush_every is not None else (1 if mode != "backtest" else 2000)
        )
        if self.flush_every < 1:
            raise ValidationError("flush_every", "at least 1", self.flush_every)
        self._pnl_every_ns = int(pnl_every_s * 1e9)
        self._last_pnl_ns: int | None = None
        self._first_equity: float | None = None
        self._portfolio: Portfolio | None = None
        self._now_ns = 0
        self._rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in _INSERTS}
        self._jsonl_lines: list[str] = []
        self._pending = 0
        self.db_path = self.directory / "metrics.db"
        self.jsonl_path = self.directory / "decisions.jsonl"
        self._conn = connect(str(self.db_path))
        self._jsonl = self.jsonl_path.open("a", encoding="utf-8")
        self._closed = False
        with self._conn:
            self._conn.execute(
                "INSERT INTO runs (run_id, timestamp, mode, strategy, params, data_source, config)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT (run_id) DO UPDATE SET status='running'",
                (
                    self.run_id,
                    sql_now(),
                    mode,
                    strategy,
                    _dumps(_finite(redact(dict(params or {})))),
                    data_source,
                    _dumps(_finite(redact(dict(config or {})))),
                ),
            )

    # ----- engine sink -------------------------------------------------------------------

    def attach(self, portfolio: Portfolio) -> None:
        """Take realized/unrealized PnL, fees and locked capital from this account."""
        self._portfolio = portfolio

    def order(self, order: Order) -> None:
        """An order placed, or an update of its status."""
        created = _when(order.created_at, self._now_ns)
        self._add(
            "orders",
            (
                self.run_id, created, sql_time(self._now_ns) if self._now_ns else created,
                order.client_id, order.token_id, order.side.value, order.order_type.value,
                order.size, order.notional, order.price, order.status.value,
                float(order.filled_size), order.reason,
            ),
        )  # fmt: skip

    def fill(self, fill: Fill) -> None:
        """One execution."""
        self._add(
            "fills",
            (
                self.run_id, _when(fill.timestamp, self._now_ns), fill.order_id, fill.token_id,
                fill.side.value, fill.price, fill.size, fill.fee_usdc, fill.fee_shares,
                fill.fee, fill.cash_delta, fill.liquidity.value,
            ),
        )  # fmt: skip

    def settlement(self, settlement: Settlement) -> None:
        """A position paid out at resolution."""
        self._add(
            "settlements",
            (
                self.run_id, _when(settlement.timestamp, self._now_ns), settlement.token_id,
                settlement.shares, settlement.payout, settlement.cash, settlement.state.value,
            ),
        )  # fmt: skip

    def equity(self, t_ns: int, cash: float, equity: float) -> None:
        """The account marked at `t_ns` (a PnL snapshot, thinned to `pnl_every_s`)."""
        self._now_ns = int(t_ns)
        if self._first_equity is None:
            self._first_equity = float(equity)
        last = self._last_pnl_ns
        if last is not None and t_ns - last < self._pnl_every_ns:
            return
        self._last_pnl_ns = int(t_ns)
        portfolio = self._portfolio
        if portfolio is not None:
            realized = portfolio.realized_pnl()
            unrealized = portfolio.unrealized_pnl()
            fees = portfolio.fees_paid()
            locked = portfolio.locked_capital(int(t_ns))
        else:
            realized, unrealized, fees, locked = equity - self._first_equity, 0.0, 0.0, 0.0
        self._add(
            "pnl_snapshots",
            (
                self.run_id, sql_time(t_ns), float(equity), float(cash), float(equity - cash),
                float(realized), float(unrealized), float(fees), float(locked),
            ),
        )  # fmt: skip

    def decision(self, decision: Decision) -> None:
        """One decision point: a row in `decisions` and a line in decisions.jsonl."""
        stamp = sql_time(decision.t_ns)
        self._add(
            "decisions",
            (
                self.run_id, stamp, decision.iteration, decision.balance, decision.equity,
                decision.positions, decision.markets, decision.signals_generated,
                decision.signals_executed, decision.status, decision.error, decision.latency_ms,
            ),
        )  # fmt: skip
        line = {
            "run_id": self.run_id,
            "timestamp": stamp,
            "iteration": decision.iteration,
            "balance": decision.balance,
            "equity": decision.equity,
            "positions": decision.positions,
            "markets": decision.markets,
            "signals_generated": decision.signals_generated,
            "signals_executed": decision.signals_executed,
            "status": decision.status,
            "error": decision.error,
            "latency_ms": round(decision.latency_ms, 3),
            "signals": decision.signals,
        }
        self._jsonl_lines.append(_dumps(_finite(line)))
        if self.mode != "backtest":
            self.flush()

    def llm_call(self, **fields: Any) -> None:
        """One LLM request (provider, model, role, tokens, cost, latency, status, cached)."""
        unknown = set(fields) - set(LLM_CALL_FIELDS) - {"run_id"}
        if unknown:
            raise ValidationError(
                "llm_call fields", f"a subset of {LLM_CALL_FIELDS}", sorted(unknown)
            )
        stamp = fields.get("timestamp") or sql_now()
        if isinstance(stamp, datetime):
            stamp = _when(stamp, self._now_ns)
        self._add(
            "llm_calls",
            (
                fields.get("run_id", self.run_id), stamp, fields.get("provider", ""),
                fields.get("model", ""), fields.get("role", ""),
                int(fields.get("input_tokens", 0)), int(fields.get("output_tokens", 0)),
                float(fields.get("cost_usd", 0.0)), float(fields.get("latency_ms", 0.0)),
                fields.get("status", "ok"), int(bool(fields.get("cached", False))),
                fields.get("error", ""),
            ),
        )  # fmt: skip

    # ----- lifecycle ---------------------------------------------------------------------

    def _add(self, table: str, row: tuple[Any, ...]) -> None:
        if self._closed:
            raise ValidationError("MetricsLogger", "an open logger", "closed")
        self._rows[table].append(row)
        self._pending += 1
        if self._pending >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write every buffered row; decisions.jsonl is fsynced in live mode."""
        if self._closed:
            return
        if self._jsonl_lines:
            self._jsonl.write("\n".join(self._jsonl_lines) + "\n")
            self._jsonl.flush()
            if self.mode != "backtest":
                os.fsync(self._jsonl.fileno())
            self._jsonl_lines.clear()
        if self._pending:
            with self._conn:
                for table, rows in self._rows.items():
                    if rows:
                        self._conn.executemany(_INSERTS[table], rows)
                        rows.clear()
            self._pending = 0

    def finish(self, stats: Mapping[str, Any] | None = None, status: str = "finished") -> None:
        """Flush, and store the run's final stats and status on its `runs` row."""
        self.flush()
        with self._conn:
            self._conn.execute(
                "UPDATE runs SET finished_at=?, status=?, stats=? WHERE run_id=?",
                (sql_now(), status, _dumps(_finite(dict(stats or {}))), self.run_id),
            )

    def close(self) -> None:
        """Flush and close both files (idempotent)."""
        if self._closed:
            return
        self.flush()
        self._closed = True
        self._jsonl.close()
        self._conn.close()

    def __enter__(self) -> MetricsLogger:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None and not self._closed:
            self.finish(status="error")
        self.close()
