"""The metrics.db schema: one SQLite file per run folder (or per live deployment).

Timestamps are UTC text as `YYYY-MM-DD HH:MM:SS.mmm`, the form SQLite's own date functions
produce, so the operations manual's queries (`DATE(timestamp)`, `datetime('now','-1 hour')`)
run unchanged.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from alpha_arena.timeutil import from_ns

TABLES: dict[str, str] = {
    "runs": """
        CREATE TABLE IF NOT EXISTS runs (
            run_id TEXT PRIMARY KEY,
            timestamp TEXT NOT NULL,
            finished_at TEXT,
            mode TEXT NOT NULL,
            strategy TEXT NOT NULL DEFAULT '',
            params TEXT NOT NULL DEFAULT '{}',
            data_source TEXT NOT NULL DEFAULT '',
            config TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'running',
            stats TEXT
        )""",
    "decisions": """
        CREATE TABLE IF NOT EXISTS decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL,
            timestamp TEXT NOT NULL,
            iteration INTEGER NOT NULL,
            balance REAL NOT NULL,
            equity REAL NOT NULL,
            positions INTEGER NOT NULL,
            markets INTEGER NOT NULL,
            signals_generated INTEGER NOT NULL,
            signals_executed INTEGER NOT NULL,
            status TEXT NOT NULL,
            error TEXT NOT NULL DEFAULT '',
            latency_ms REAL NOT NULL DEFAULT 0
        )""",
    "orders": """
        CREATE TABLE IF NOT EXISTS orders (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL,
            timestamp TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            client_id TEXT NOT NULL,
            token_id TEXT NOT NULL,
            side TEXT NOT NULL,
            order_type TEXT NOT NULL,
            size REAL,
            notional REAL,
            price REAL,
            status TEXT NOT NULL,
            filled_size REAL NOT NULL DEFAULT 0,
            reason TEXT NOT NULL DEFAULT '',
            UNIQUE (run_id, client_id)
        )""",
    "fills": """
        CREATE TABLE IF NOT EXISTS fills (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL,
            timestamp TEXT NOT NULL,
            order_id TEXT NOT NULL,
            token_id TEXT NOT NULL,
            side TEXT NOT NULL,
            price REAL NOT NULL,
            size REAL NOT NULL,
            fee_usdc REAL NOT NULL,
            fee_shares REAL NOT NULL,
            fee REAL NOT NULL,
            cash_delta REAL NOT NULL,
            liquidity TEXT NOT NULL
        )""",
    "settlements": """
        CREATE TABLE IF NOT EXISTS settlements (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL,
            timestamp TEXT NOT NULL,
            token_id TEXT NOT NULL,
            shares REAL NOT NULL,
            payout REAL NOT NULL,
            cash REAL NOT NULL,
            state TEXT NOT NULL
        )""",
    "pnl_snapshots": """
        CREATE TABLE IF NOT EXISTS pnl_snapshots (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL,
            timestamp TEXT NOT NULL,
            equity REAL NOT NULL,
            cash REAL NOT NULL,
            positions_value REAL NOT NULL,
            realized_pnl REAL NOT NULL,
            unrealized_pnl REAL NOT NULL,
            fees_paid REAL NOT NULL,
            locked REAL NOT NULL
        )""",
    "llm_calls": """
        CREATE TABLE IF NOT EXISTS llm_calls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL DEFAULT '',
            timestamp TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT '',
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            latency_ms REAL NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'ok',
            cached INTEGER NOT NULL DEFAULT 0,
            error TEXT NOT NULL DEFAULT ''
        )""",
}
"""Every table, by name."""

INDEXED = ("runs", "decisions", "orders", "fills", "settlements", "pnl_snapshots", "llm_calls")


def sql_time(t_ns: int) -> str:
    """A ns timestamp as SQLite-friendly UTC text."""
    return from_ns(int(t_ns)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def sql_now() -> str:
    """The wall clock as SQLite-friendly UTC text."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def connect(path: str, *, create: bool = True) -> sqlite3.Connection:
    """Open metrics.db in WAL mode, creating the schema when asked."""
    conn = sqlite3.connect(path, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    if create:
        with conn:
            for ddl in TABLES.values():
                conn.execute(ddl)
            for table in INDEXED:
                conn.execute(
                    f"CREATE INDEX IF NOT EXISTS idx_{table}_timestamp ON {table}(timestamp)"
                )
    return conn
