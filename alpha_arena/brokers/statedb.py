"""`open_state_db`: the runner's durable SQLite files (order journal, paper account, redemptions).

Each is opened the same way: parent folder created, autocommit, WAL (readers such as
`status` never block the runner), `synchronous=FULL` (a committed row survives power
loss, which the journal's write-ahead promise needs), schema created if absent. A file
that is not a database is a `DataError` naming it, not a sqlite3 traceback.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alpha_arena.errors import DataError


def open_state_db(path: str | Path, schema: str, what: str) -> sqlite3.Connection:
    """A connection to the state database at `path` with `schema` applied; `what` names
    the file in errors (e.g. "order journal")."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(schema)
    except sqlite3.DatabaseError as exc:
        raise DataError(f"{what} {path}: {exc}") from exc
    return db
