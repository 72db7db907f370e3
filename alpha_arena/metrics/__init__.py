"""Run metrics: the SQLite/JSONL logger, performance and forecast statistics, the edge gap."""

from alpha_arena.metrics.edge import edge_gap
from alpha_arena.metrics.exposure import locked_capital, run_locked_capital, share_changes
from alpha_arena.metrics.forecast import calibration_table, forecast_stats, score_forecasts
from alpha_arena.metrics.logger import MetricsLogger
from alpha_arena.metrics.performance import daily_equity, max_drawdown, performance_stats, token_pnl
from alpha_arena.metrics.reader import find_db, query, run_summary
from alpha_arena.metrics.redact import redact

__all__ = [
    "MetricsLogger",
    "calibration_table",
    "daily_equity",
    "edge_gap",
    "find_db",
    "forecast_stats",
    "locked_capital",
    "max_drawdown",
    "performance_stats",
    "query",
    "redact",
    "run_locked_capital",
    "run_summary",
    "score_forecasts",
    "share_changes",
    "token_pnl",
]
