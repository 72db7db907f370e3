"""The event loop shared by backtests and the live runner, and its feed and broker contracts."""

from alpha_arena.engine.broker import Broker
from alpha_arena.engine.feed import Feed, HistoricalFeed, Snapshot
from alpha_arena.engine.loop import Decision, Engine, Forecast, RunRecord

__all__ = [
    "Broker",
    "Decision",
    "Engine",
    "Feed",
    "Forecast",
    "HistoricalFeed",
    "RunRecord",
    "Snapshot",
]
