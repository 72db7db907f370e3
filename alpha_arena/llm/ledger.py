"""The `llm_calls` ledger (SQLite) and the daily / monthly budget built on it.

The table has the same columns as the MetricsLogger's `llm_calls`, so the rows can also go
to metrics.db through any sink with an `llm_call(**fields)` method. The ledger stands on
its own so budgets work without the metrics logger.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alpha_arena.llm.config import BudgetConfig

LLM_CALLS_SQL = """
CREATE TABLE IF NOT EXISTS llm_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    run_id TEXT,
    provider TEXT,
    model TEXT,
    role TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    latency_ms REAL,
    status TEXT NOT NULL,
    cached INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX IF NOT EXISTS idx_llm_calls_timestamp ON llm_calls (timestamp);
"""

CALL_FIELDS = (
    "timestamp",
    "run_id",
    "provider",
    "model",
    "role",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "latency_ms",
    "status",
    "cached",
    "error",
)


class Ledger:
    """SQLite `llm_calls` rows and spend sums; `:memory:` works for tests and notebooks."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.executescript(LLM_CALLS_SQL)
        self._lock = threading.Lock()

    def llm_call(self, **fields: Any) -> None:
        """Insert one call (unknown keys are an error; missing ones are NULL / default)."""
        unknown = set(fields) - set(CALL_FIELDS)
        if unknown:
            raise KeyError(f"llm_calls has no columns {sorted(unknown)}")
        names = [f for f in CALL_FIELDS if f in fields]
        sql = f"INSERT INTO llm_calls ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        with self._lock, self._db:
            self._db.execute(sql, [fields[n] for n in names])

    def spend_since(self, start: datetime) -> float:
        """USD spent from `start` (UTC) on. Reads ISO stamps and the metrics logger's
        "YYYY-MM-DD HH:MM:SS.mmm" UTC form alike."""
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(cost_usd), 0) FROM llm_calls "
                "WHERE replace(timestamp, ' ', 'T') >= ?",
                (start.astimezone(UTC).isoformat(timespec="microseconds"),),
            ).fetchone()
        return float(row[0])

    def rows(self) -> list[dict[str, Any]]:
        """Every row in insertion order (for reports and tests). Timestamps are ISO-8601 UTC with
        microseconds, so text order is time order."""
        with self._lock:
            cursor = self._db.execute(f"SELECT {', '.join(CALL_FIELDS)} FROM llm_calls ORDER BY id")
            return [dict(zip(CALL_FIELDS, row, strict=True)) for row in cursor]

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def day_start(now: datetime) -> datetime:
    """Midnight UTC of `now`'s day."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def month_start(now: datetime) -> datetime:
    """Midnight UTC of the first of `now`'s month."""
    return day_start(now).replace(day=1)


class Budget:
    """Daily and monthly limits over a ledger: an alert once per period at `alert_at`,
    and `exceeded()` naming the spent limit."""

    def __init__(
        self,
        config: BudgetConfig,
        ledger: Ledger,
        alert: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.alert = alert or (lambda message: None)
        self._alerted: set[tuple[str, str]] = set()

    def spend(self, now: datetime) -> tuple[float, float]:
        """USD spent today and this month."""
        return self.ledger.spend_since(day_start(now)), self.ledger.spend_since(month_start(now))

    def _periods(self, now: datetime):
        today, month = self.spend(now)
        yield "daily", now.strftime("%Y-%m-%d"), today, self.config.daily_usd
        yield "monthly", now.strftime("%Y-%m"), month, self.config.monthly_usd

    def exceeded(self, now: datetime) -> str:
        """Which limit is spent ("" if none); also raises the alert when crossing `alert_at`."""
        if not (self.config.daily_usd or self.config.monthly_usd):
            return ""
        for name, period, spent, limit in self._periods(now):
            if not limit:
                continue
            if spent >= limit:
                return f"{name} budget spent: ${spent:.4f} of ${limit:.2f}"
            if spent >= self.config.alert_at * limit and (name, period) not in self._alerted:
                self._alerted.add((name, period))
                self.alert(
                    f"LLM {name} spend ${spent:.4f} reached "
                    f"{spent / limit:.0%} of the ${limit:.2f} budget"
                )
        return ""
