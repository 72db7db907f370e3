"""`OrderJournal`: every live order in SQLite (WAL) before it is sent, and its fate after.

The write-ahead rule: an order is `prepared` (with its exchange hash, known before sending)
and committed before the POST; `sent` or `rejected` once the exchange answered. After a
crash, `prepared` rows are the only uncertain ones, and the exchange is asked about exactly
those hashes: found means sent, not found means it never arrived. Trades already applied
are kept by id so a restart never books a fill twice.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alpha_arena.brokers.statedb import open_state_db
from alpha_arena.errors import DataError

PREPARED = "prepared"
SENT = "sent"
REJECTED = "rejected"
UNSENT = "unsent"
STATES = (PREPARED, SENT, REJECTED, UNSENT)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    client_id TEXT PRIMARY KEY,
    order_hash TEXT UNIQUE,
    token_id TEXT NOT NULL,
    side TEXT NOT NULL,
    size REAL,
    price REAL,
    order_type TEXT NOT NULL,
    signed TEXT NOT NULL,
    state TEXT NOT NULL,
    exchange_status TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    decided_ns INTEGER NOT NULL,
    updated_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS trades (
    trade_id TEXT PRIMARY KEY,
    order_hash TEXT NOT NULL,
    applied_ns INTEGER NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journaled order."""

    client_id: str
    order_hash: str
    token_id: str
    side: str
    size: float | None
    price: float | None
    order_type: str
    signed: dict[str, Any]
    state: str
    exchange_status: str
    reason: str
    decided_ns: int


class OrderJournal:
    """The order journal at `path` (created if absent); one connection, autocommit + WAL."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = open_state_db(self.path, _SCHEMA, "order journal")

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def prepare(
        self,
        client_id: str,
        order_hash: str,
        *,
        token_id: str,
        side: str,
        size: float | None,
        price: float | None,
        order_type: str,
        signed: dict[str, Any],
        decided_ns: int,
    ) -> None:
        """Record an order about to be sent (committed before this returns)."""
        try:
            self._db.execute(
                "INSERT INTO orders (client_id, order_hash, token_id, side, size, price,"
                " order_type, signed, state, decided_ns, updated_ns)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (client_id, order_hash, token_id, side, size, price, order_type,
                 json.dumps(signed), PREPARED, decided_ns, time.time_ns()),
            )  # fmt: skip
        except sqlite3.IntegrityError as exc:
            raise DataError(
                f"order journal: client id {client_id!r} or hash {order_hash} already recorded"
            ) from exc

    def settle(
        self, client_id: str, state: str, exchange_status: str = "", reason: str = ""
    ) -> None:
        """Record what became of a prepared order: sent, rejected or unsent."""
        if state not in STATES:
            raise DataError(f"order journal: unknown state {state!r}")
        self._db.execute(
            "UPDATE orders SET state = ?, exchange_status = ?, reason = ?, updated_ns = ?"
            " WHERE client_id = ?",
            (state, exchange_status, reason, time.time_ns(), client_id),
        )

    def set_status(self, order_hash: str, exchange_status: str) -> None:
        """Update the exchange's status of a sent order (live, matched, canceled...)."""
        self._db.execute(
            "UPDATE orders SET exchange_status = ?, updated_ns = ? WHERE order_hash = ?",
            (exchange_status, time.time_ns(), order_hash),
        )

    def entries(self, state: str | None = None) -> list[JournalEntry]:
        """Journaled orders (of one state if given), oldest first."""
        query = "SELECT client_id, order_hash, token_id, side, size, price, order_type, signed,"
        query += " state, exchange_status, reason, decided_ns FROM orders"
        args: tuple = ()
        if state is not None:
            query += " WHERE state = ?"
            args = (state,)
        rows = self._db.execute(query + " ORDER BY rowid", args).fetchall()
        return [JournalEntry(*row[:7], json.loads(row[7]), *row[8:]) for row in rows]

    def entry_by_hash(self, order_hash: str) -> JournalEntry | None:
        """The journaled order with this exchange hash, if any."""
        for entry in self._select("order_hash", order_hash):
            return entry
        return None

    def _select(self, column: str, value: str) -> list[JournalEntry]:
        query = "SELECT client_id, order_hash, token_id, side, size, price, order_type, signed,"
        query += f" state, exchange_status, reason, decided_ns FROM orders WHERE {column} = ?"
        rows = self._db.execute(query, (value,)).fetchall()
        return [JournalEntry(*row[:7], json.loads(row[7]), *row[8:]) for row in rows]

    def trade_seen(self, trade_id: str) -> bool:
        """Whether this trade was already applied to the account."""
        row = self._db.execute("SELECT 1 FROM trades WHERE trade_id = ?", (trade_id,)).fetchone()
        return row is not None

    def record_trade(self, trade_id: str, order_hash: str) -> None:
        """Remember that a trade was applied (idempotent)."""
        self._db.execute(
            "INSERT OR IGNORE INTO trades (trade_id, order_hash, applied_ns) VALUES (?, ?, ?)",
            (trade_id, order_hash, time.time_ns()),
        )
