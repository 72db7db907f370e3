"""Record / replay cache: answers stored in SQLite under the request's provider-independent key.

Modes: "off" (never used), "record" (always call, store the answer), "replay" (only stored
answers; a miss is a `CacheMissError`), "auto" (stored answer if any, else call and store).
A replayed backtest therefore gets the same answers at the same simulated times, free.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from alpha_arena.errors import ValidationError

MODES = ("off", "record", "replay", "auto")

_SQL = """
CREATE TABLE IF NOT EXISTS llm_cache (
    key TEXT PRIMARY KEY,
    role TEXT,
    response TEXT NOT NULL
)
"""


class ResponseCache:
    """A SQLite map from request key to the stored response JSON."""

    def __init__(self, path: str | Path = ":memory:", mode: str = "auto") -> None:
        if mode not in MODES:
            raise ValidationError("cache mode", " | ".join(MODES), mode)
        self.mode = mode
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute(_SQL)
        self._lock = threading.Lock()

    @property
    def reads(self) -> bool:
        """Whether lookups may answer requests in this mode."""
        return self.mode in ("replay", "auto")

    @property
    def writes(self) -> bool:
        """Whether fresh answers are stored in this mode."""
        return self.mode in ("record", "auto")

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored response for `key`, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT response FROM llm_cache WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, role: str, response: dict[str, Any]) -> None:
        """Store (or overwrite) the response for `key`."""
        blob = json.dumps(response, sort_keys=True)
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO llm_cache (key, role, response) VALUES (?, ?, ?)",
                (key, role, blob),
            )

    def rows(self) -> list[dict[str, Any]]:
        """Every stored answer as `{"key", "role", "response"}`, ordered by key (to export)."""
        with self._lock:
            found = self._db.execute(
                "SELECT key, role, response FROM llm_cache ORDER BY key"
            ).fetchall()
        return [{"key": k, "role": r, "response": json.loads(blob)} for k, r, blob in found]

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM llm_cache").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        self._db.close()
