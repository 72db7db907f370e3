"""`PaperBroker`: paper trading on live data, filled by the simulator's rules, and its store.

It is a `SimBroker` that follows the live feed's rolling dataset (`SimBroker.observe`)
before every submit and advance, so a paper run fills (and settles resolutions) exactly as
a backtest of the same recorded data would. Nothing is sent anywhere.

The account survives restarts: `PaperStore` keeps one snapshot of it (cash, positions,
average costs, realized PnL, fees, reservations, marks, open orders, and the fills and
order updates not yet reported to the engine) in the runner's
`account.db` (SQLite, WAL, synchronous=FULL). The runner saves it once per cycle in one
statement, so after a `kill -9` the store holds the account as it was at the last cycle
boundary, and a restart continues from there instead of from `paper_cash`. What is not
kept: the book liquidity already taken (a restarted feed polls new book rows). A kill
after a cycle reported its fills but before it was saved reports them again after the
restart (at least once, never lost); the account itself is never booked twice.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from alpha_arena.data import Dataset
from alpha_arena.errors import ConfigError, DataError
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.sim.broker import _Live
from alpha_arena.sim.portfolio import Portfolio
from alpha_arena.timeutil import from_ns, to_ns
from alpha_arena.types import BrokerEvents, Fill, Liquidity, Order, OrderStatus, Side

SNAPSHOT_VERSION = 1
_ARRAYS = (
    "shares", "avg_cost", "realized", "fees_usdc", "fees_shares", "fees_value", "settled",
    "reserved_shares",
)  # fmt: skip
_LIVE_FIELDS = (
    "limit", "arrival_ns", "until_ns", "notional_left", "reserved_cash", "reserved_shares",
    "queue_ahead", "checked_ns",
)  # fmt: skip


class PaperBroker:
    """The engine's `Broker` for dry runs: `dataset()` is the data known now."""

    def __init__(
        self, dataset: Callable[[], Dataset], cash: float, config: SimConfig | None = None
    ) -> None:
        self._dataset = dataset
        self.sim = SimBroker(dataset(), cash, config)

    @property
    def portfolio(self) -> Portfolio:
        """The paper account."""
        return self.sim.portfolio

    def submit(self, order: Order, now_ns: int) -> Order:
        """Check and match the order against the latest live data."""
        self.sim.observe(self._dataset())
        return self.sim.submit(order, now_ns)

    def cancel(self, client_id: str, now_ns: int) -> bool:
        """Cancel one open paper order."""
        return self.sim.cancel(client_id, now_ns)

    def cancel_all(self, now_ns: int, token_id: str | None = None) -> int:
        """Cancel every open paper order (of one token if given)."""
        return self.sim.cancel_all(now_ns, token_id)

    def open_orders(self) -> list[Order]:
        """Paper orders pending or resting."""
        return self.sim.open_orders()

    def advance(self, now_ns: int) -> BrokerEvents:
        """Match resting orders, settle resolved markets, with the data that arrived."""
        self.sim.observe(self._dataset())
        return self.sim.advance(now_ns)

    # ----- persistence -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The account and open orders as a JSON-able mapping, keyed by token id."""
        sim, pf = self.sim, self.sim.portfolio
        marks = pf.marks()
        return {
            "version": SNAPSHOT_VERSION,
            "tokens": [str(t) for t in sim.dataset.token_ids],
            "cash": pf.cash,
            "initial_cash": pf.initial_cash,
            "reserved_cash": pf.reserved_cash,
            **{name: getattr(pf, name).tolist() for name in _ARRAYS},
            "marks": [None if math.isnan(m) else float(m) for m in marks],
            "closed": sim._settled.tolist(),
            "seq": sim._seq,
            "now_ns": sim.now_ns,
            "orders": [_live_json(live) for live in sim._active.values()],
            "fills": [_fill_json(fill) for fill in sim._events.fills],
            "updates": [_order_json(order) for order in sim._events.updates],
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from a `snapshot()`: tokens are matched by id, so markets may be added to
        the config; a position or order on a token no longer configured is a ConfigError."""
        if state.get("version") != SNAPSHOT_VERSION:
            raise DataError(f"paper account: snapshot version {state.get('version')!r} unknown")
        sim, pf = self.sim, self.sim.portfolio
        data = sim.dataset
        cols = np.array([_column(data, t) for t in state["tokens"]], dtype=np.int64)
        known = cols >= 0
        held = np.asarray(state["shares"]) != 0.0
        lost = {t for t, k, h in zip(state["tokens"], known, held, strict=True) if h and not k}
        lost |= {o["token_id"] for o in state["orders"] if _column(data, o["token_id"]) < 0}
        if lost:
            raise ConfigError(
                f"markets: the saved paper account holds {sorted(lost)[:5]} which the config "
                "no longer trades; add the markets back or start over with --reset-paper"
            )
        pf.cash = float(state["cash"])
        pf.initial_cash = float(state["initial_cash"])
        pf.reserved_cash = float(state["reserved_cash"])
        for name in _ARRAYS:
            getattr(pf, name)[cols[known]] = np.asarray(state[name], dtype=np.float64)[known]
        marks = np.full(data.n_tokens, np.nan)
        saved = np.array([np.nan if m is None else m for m in state["marks"]], dtype=np.float64)
        marks[cols[known]] = saved[known]
        pf.mark(marks)
        sim._settled[cols[known]] = np.asarray(state["closed"], dtype=bool)[known]
        sim._seq = int(state["seq"])
        for item in state["orders"]:
            live = _live_from(item, data)
            sim._active[live.order.client_id] = live
            if live.arrival_ns <= int(state["now_ns"]):
                sim._resting.append(live)
            else:
                sim._pending.append(live)
        sim._pending.sort(key=lambda x: x.arrival_ns)
        sim._events.fills.extend(_fill_from(item) for item in state["fills"])
        sim._events.updates.extend(_order_from(item) for item in state["updates"])
        sim._resting_arrays = None
        sim._next_until = min((x.until_ns for x in sim._active.values()), default=sim._next_until)


def _column(data: Dataset, token_id: str) -> int:
    try:
        return data.column(token_id)
    except KeyError:
        return -1


def _live_json(live: _Live) -> dict[str, Any]:
    return {
        **_order_json(live.order),
        **{name: _finite(getattr(live, name)) for name in _LIVE_FIELDS},
    }


def _order_json(order: Order) -> dict[str, Any]:
    return {
        "token_id": order.token_id,
        "side": order.side.value,
        "size": order.size,
        "price": order.price,
        "order_type": order.order_type.value,
        "notional": order.notional,
        "expiration": None if order.expiration is None else to_ns(order.expiration),
        "client_id": order.client_id,
        "created_at": None if order.created_at is None else to_ns(order.created_at),
        "status": order.status.value,
        "filled_size": order.filled_size,
        "reason": order.reason,
    }


def _finite(value: float) -> float | None:
    return None if math.isinf(value) else value


def _live_from(item: dict[str, Any], data: Dataset) -> _Live:
    order = _order_from(item)
    values = {k: math.inf if item[k] is None else item[k] for k in _LIVE_FIELDS}
    col = data.column(order.token_id)
    return _Live(order=order, col=col, is_buy=order.side is Side.BUY, **values)


def _order_from(item: dict[str, Any]) -> Order:
    return Order(
        item["token_id"],
        item["side"],
        size=item["size"],
        price=item["price"],
        order_type=item["order_type"],
        notional=item["notional"],
        expiration=None if item["expiration"] is None else from_ns(item["expiration"]),
        client_id=item["client_id"],
        created_at=None if item["created_at"] is None else from_ns(item["created_at"]),
        status=OrderStatus(item["status"]),
        filled_size=item["filled_size"],
        reason=item["reason"],
    )


def _fill_json(fill: Fill) -> dict[str, Any]:
    return {
        "order_id": fill.order_id,
        "token_id": fill.token_id,
        "side": fill.side.value,
        "price": fill.price,
        "size": fill.size,
        "timestamp": to_ns(fill.timestamp),
        "fee_usdc": fill.fee_usdc,
        "fee_shares": fill.fee_shares,
        "liquidity": fill.liquidity.value,
    }


def _fill_from(item: dict[str, Any]) -> Fill:
    return Fill(
        item["order_id"],
        item["token_id"],
        Side(item["side"]),
        item["price"],
        item["size"],
        from_ns(item["timestamp"]),
        item["fee_usdc"],
        item["fee_shares"],
        Liquidity(item["liquidity"]),
    )


_SCHEMA = """
CREATE TABLE IF NOT EXISTS paper_account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    run_id TEXT NOT NULL,
    cycle INTEGER NOT NULL,
    saved_ns INTEGER NOT NULL,
    state TEXT NOT NULL
);
"""


class PaperStore:
    """The paper account's row in `<state_dir>/account.db` (created if absent)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise DataError(f"paper account {self.path}: {exc}") from exc

    def save(self, state: dict[str, Any], run_id: str, cycle: int) -> None:
        """Replace the saved account by `state` (one atomic, durable statement)."""
        self._db.execute(
            "INSERT OR REPLACE INTO paper_account (id, run_id, cycle, saved_ns, state)"
            " VALUES (1, ?, ?, ?, ?)",
            (run_id, int(cycle), time.time_ns(), json.dumps(state)),
        )

    def load(self) -> dict[str, Any] | None:
        """The saved account, or None when there is none."""
        row = self._db.execute("SELECT state FROM paper_account WHERE id = 1").fetchone()
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError as exc:
            raise DataError(f"paper account {self.path}: unreadable snapshot ({exc})") from exc

    def saved_at(self) -> tuple[str, int] | None:
        """(run id, cycle) of the saved account, if any."""
        row = self._db.execute("SELECT run_id, cycle FROM paper_account WHERE id = 1").fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def clear(self) -> None:
        """Forget the saved account (`--reset-paper`)."""
        self._db.execute("DELETE FROM paper_account")

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()
