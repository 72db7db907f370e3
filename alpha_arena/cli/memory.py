"""`alpha-arena memory`: inspect and clean the agents' long-term memory (memory.db)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `memory` sub-command with `cleanup` and `stats`."""
    parser = subparsers.add_parser("memory", help="agent memory: cleanup, stats")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    cleanup = actions.add_parser(
        "cleanup", help="delete memories older than N days AND less important than a threshold"
    )
    cleanup.add_argument("--db", default="memory.db", help="the memory database")
    cleanup.add_argument(
        "--days", type=float, default=None, help="age in days (default: the manual's 90)"
    )
    cleanup.add_argument(
        "--below", type=float, default=0.5, help="importance threshold (default 0.5)"
    )
    cleanup.set_defaults(func=run_cleanup)
    stats = actions.add_parser("stats", help="how many memories are stored")
    stats.add_argument("--db", default="memory.db", help="the memory database")
    stats.set_defaults(func=run_stats)


def _store(db: str):
    from alpha_arena.agents.memory import MemoryStore
    from alpha_arena.errors import ConfigError

    if not Path(db).is_file():
        raise ConfigError(f"memory database {db!r} not found")
    return MemoryStore(db)


def run_cleanup(args: argparse.Namespace) -> int:
    """Delete old, unimportant memories and say how many went."""
    from alpha_arena.agents.memory import DEFAULT_RETENTION_DAYS

    days = DEFAULT_RETENTION_DAYS if args.days is None else args.days
    store = _store(args.db)
    removed = store.cleanup(older_than_days=days, below=args.below)
    print(
        f"removed {removed} memories older than {days:g} days with importance < "
        f"{args.below:g}; {store.count()} remain"
    )
    return 0


def run_stats(args: argparse.Namespace) -> int:
    """Print the number of stored memories."""
    print(f"{_store(args.db).count()} memories in {args.db}")
    return 0
