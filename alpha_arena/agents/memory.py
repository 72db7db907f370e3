"""Agent memory: short-term (per market, in process, bounded) and long-term / episodic
(SQLite `memory.db`), retrieved by market, recency and importance, and cleaned up by age.

Kinds in use: "lesson" (a reflection), "outcome" (how a forecast turned out), "fill"
(an executed trade), "note" (anything else). Times are the simulated time in a backtest,
so a replayed run recalls exactly what it had learned by then and nothing later.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import to_datetime

DEFAULT_RETENTION_DAYS = 90
"""The operations manual's default: forget low-importance memories after 90 days."""

_SQL = """
CREATE TABLE IF NOT EXISTS memories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    market TEXT,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    importance REAL NOT NULL,
    outcome REAL
);
CREATE INDEX IF NOT EXISTS idx_memories_market ON memories (market, timestamp);
CREATE INDEX IF NOT EXISTS idx_memories_timestamp ON memories (timestamp);
"""


@dataclass(frozen=True)
class MemoryRecord:
    """One stored memory; `outcome` is the realised result when known (1 = YES won)."""

    timestamp: datetime
    market: str | None
    kind: str
    text: str
    importance: float
    outcome: float | None = None


class ShortTermMemory:
    """The last `size` notes per market, in process only (lost on restart by design)."""

    def __init__(self, size: int = 20) -> None:
        if size < 1:
            raise ValidationError("short_term size", "a positive integer", size)
        self.size = size
        self._notes: dict[str, deque[str]] = defaultdict(lambda: deque(maxlen=self.size))

    def add(self, market: str, note: str) -> None:
        """Remember a note about a market (the oldest drops out when full)."""
        self._notes[market].append(note)

    def recent(self, market: str) -> list[str]:
        """The notes about a market, oldest first."""
        return list(self._notes.get(market, ()))


class MemoryStore:
    """Long-term and episodic memory in SQLite (`:memory:` for a throwaway store)."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.executescript(_SQL)
        self._lock = threading.Lock()

    def add(self, record: MemoryRecord) -> None:
        """Store a memory; importance must be in [0, 1]."""
        if not 0.0 <= record.importance <= 1.0:
            raise ValidationError("importance", "a number in [0, 1]", record.importance)
        if not record.text.strip():
            raise ValidationError("text", "a non-empty memory")
        stamp = to_datetime(record.timestamp, "timestamp").isoformat(timespec="microseconds")
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO memories (timestamp, market, kind, text, importance, outcome) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (stamp, record.market, record.kind, record.text, record.importance, record.outcome),
            )

    def recall(
        self,
        *,
        market: str | None = None,
        before: datetime | None = None,
        kinds: tuple[str, ...] | None = None,
        limit: int = 5,
        half_life_days: float = 30.0,
    ) -> list[MemoryRecord]:
        """The `limit` best memories (of one market when given, else all), known by `before`.

        Score = importance × 0.5 ** (age / half_life): important and recent first; ties
        broken by newest. Memories stamped after `before` are invisible (no lookahead).
        """
        where, args = [], []
        if market is not None:
            where.append("market = ?")
            args.append(market)
        if before is not None:
            where.append("timestamp <= ?")
            args.append(to_datetime(before, "before").isoformat(timespec="microseconds"))
        if kinds:
            where.append(f"kind IN ({', '.join('?' * len(kinds))})")
            args.extend(kinds)
        sql = "SELECT timestamp, market, kind, text, importance, outcome FROM memories"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY id", args).fetchall()
        records = [
            MemoryRecord(datetime.fromisoformat(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows
        ]
        now = to_datetime(before, "before") if before is not None else datetime.now(UTC)

        def score(rec: MemoryRecord) -> tuple[float, datetime]:
            age_days = max(0.0, (now - rec.timestamp).total_seconds() / 86_400)
            return rec.importance * 0.5 ** (age_days / half_life_days), rec.timestamp

        return sorted(records, key=score, reverse=True)[:limit]

    def cleanup(
        self,
        older_than_days: float = DEFAULT_RETENTION_DAYS,
        below: float = 0.5,
        now: datetime | None = None,
    ) -> int:
        """Delete memories older than `older_than_days` AND less important than `below`;
        returns how many were deleted."""
        if older_than_days < 0:
            raise ValidationError("older_than_days", "a number of days >= 0", older_than_days)
        cutoff = to_datetime(now or datetime.now(UTC), "now") - timedelta(days=older_than_days)
        with self._lock, self._db:
            cursor = self._db.execute(
                "DELETE FROM memories WHERE timestamp < ? AND importance < ?",
                (cutoff.isoformat(timespec="microseconds"), below),
            )
        return int(cursor.rowcount)

    def count(self) -> int:
        """How many memories are stored."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM memories").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        self._db.close()


class Memory:
    """The agents' memory: a short-term buffer and a long-term store together."""

    def __init__(self, store: MemoryStore | None = None, short_term_size: int = 20) -> None:
        self.store = store or MemoryStore()
        self.short = ShortTermMemory(short_term_size)

    def context_for(self, market: str, now: datetime, limit: int = 5) -> list[str]:
        """Lines for a prompt: this market's recent notes, then the best long-term memories
        of this market and general lessons known by `now`."""
        lines = [f"recent: {note}" for note in self.short.recent(market)]
        for rec in self.store.recall(market=market, before=now, limit=limit):
            lines.append(f"{rec.kind} ({rec.timestamp:%Y-%m-%d}): {rec.text}")
        for rec in self.store.recall(before=now, kinds=("lesson",), limit=limit):
            if rec.market != market:
                lines.append(f"lesson ({rec.timestamp:%Y-%m-%d}): {rec.text}")
        return lines
