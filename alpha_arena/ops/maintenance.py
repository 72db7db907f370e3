"""Database maintenance: integrity check, ANALYZE, optional VACUUM, agent-memory cleanup."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from alpha_arena.ops.backup import integrity


@dataclass(frozen=True)
class DbReport:
    """What maintenance found and did for one database."""

    name: str
    path: str
    integrity: str
    bytes_before: int
    bytes_after: int
    vacuumed: bool
    memories_deleted: int | None = None


def maintain(
    databases: Mapping[str, Path],
    *,
    vacuum: bool = False,
    memory_db: Path | None = None,
    memory_days: float | None = None,
) -> list[DbReport]:
    """Check, ANALYZE (and VACUUM) each existing database; clean `memory_db` when days given.

    A database failing its integrity check is reported and left untouched.
    """
    reports = []
    for name, path in databases.items():
        path = Path(path)
        if not path.is_file():
            continue
        before = path.stat().st_size
        deleted = None
        verdict = integrity(path)
        if verdict == "ok":
            if memory_db is not None and memory_days is not None and path == Path(memory_db):
                deleted = _clean_memory(path, memory_days)
            conn = sqlite3.connect(path)
            try:
                conn.execute("ANALYZE")
                conn.commit()
                if vacuum:
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    conn.execute("VACUUM")
            finally:
                conn.close()
        reports.append(
            DbReport(
                name,
                str(path),
                verdict,
                before,
                path.stat().st_size,
                vacuum and verdict == "ok",
                deleted,
            )
        )
    return reports


def _clean_memory(path: Path, days: float) -> int:
    from alpha_arena.agents.memory import MemoryStore

    store = MemoryStore(path)
    try:
        return store.cleanup(older_than_days=days)
    finally:
        store.close()
