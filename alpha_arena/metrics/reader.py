"""Reading runs back from metrics.db: the operations manual's queries as functions."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd

from alpha_arena.errors import DataError

RECENT_DECISIONS = (
    "SELECT timestamp, balance, signals_generated, signals_executed, status "
    "FROM decisions ORDER BY timestamp DESC LIMIT ?"
)
DAILY_PNL = (
    "SELECT DATE(timestamp) AS date, MAX(realized_pnl) AS daily_pnl "
    "FROM pnl_snapshots GROUP BY DATE(timestamp) ORDER BY date DESC"
)
ERRORS_LAST_HOUR = (
    "SELECT COUNT(*) AS errors FROM decisions "
    "WHERE status='error' AND timestamp > datetime('now','-1 hour')"
)
ERROR_RATE = (
    "SELECT COUNT(*) AS decisions, SUM(status='error') AS errors, "
    "1.0 * SUM(status='error') / MAX(COUNT(*), 1) AS error_rate FROM decisions"
)
LLM_SPEND = (
    "SELECT COALESCE(SUM(CASE WHEN DATE(timestamp) = DATE('now') THEN cost_usd END), 0) AS today,"
    " COALESCE(SUM(CASE WHEN strftime('%Y-%m', timestamp) = strftime('%Y-%m', 'now')"
    " THEN cost_usd END), 0) AS month, COALESCE(SUM(cost_usd), 0) AS total,"
    " COUNT(*) AS calls FROM llm_calls"
)


def find_db(path: str | Path) -> Path:
    """metrics.db itself, the one inside a run folder, or the newest under a reports folder."""
    target = Path(path)
    if target.is_file():
        return target
    if (target / "metrics.db").is_file():
        return target / "metrics.db"
    if target.is_dir():
        found = sorted(target.glob("*/metrics.db"), key=lambda p: p.stat().st_mtime)
        if found:
            return found[-1]
    raise DataError(f"no metrics.db at {str(target)!r} (give a db file, a run folder or reports/)")


def _open(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def query(path: str | Path, sql: str, params: tuple[Any, ...] = ()) -> pd.DataFrame:
    """Run one read-only query against a metrics.db."""
    with _open(find_db(path)) as conn:
        return pd.read_sql_query(sql, conn, params=params)


def run_summary(path: str | Path, recent: int = 10) -> dict[str, Any]:
    """The latest run's row (stats decoded), recent decisions, daily PnL, errors, LLM spend."""
    db = find_db(path)
    with _open(db) as conn:
        runs = pd.read_sql_query("SELECT * FROM runs ORDER BY timestamp DESC LIMIT 1", conn)
        if runs.empty:
            raise DataError(f"{db}: no run recorded")
        run = runs.iloc[0].to_dict()
        for key in ("params", "config", "stats"):
            run[key] = json.loads(run[key]) if run.get(key) else {}
        errors = pd.read_sql_query(ERROR_RATE, conn).iloc[0].to_dict()
        return {
            "db": str(db),
            "run": run,
            "recent_decisions": pd.read_sql_query(RECENT_DECISIONS, conn, params=(recent,)),
            "daily_pnl": pd.read_sql_query(DAILY_PNL, conn),
            "errors_last_hour": int(pd.read_sql_query(ERRORS_LAST_HOUR, conn).iloc[0, 0]),
            "decisions": int(errors["decisions"] or 0),
            "error_rate": float(errors["error_rate"] or 0.0),
            "llm_spend": pd.read_sql_query(LLM_SPEND, conn).iloc[0].to_dict(),
        }
