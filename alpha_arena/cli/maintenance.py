"""`alpha-arena maintenance`: integrity check, ANALYZE, VACUUM, agent-memory cleanup."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `maintenance` sub-command."""
    parser = subparsers.add_parser(
        "maintenance",
        help="check and tidy the state databases",
        description="Run PRAGMA integrity_check and ANALYZE on every state database, VACUUM "
        "with --vacuum, and delete low-importance agent memories older than --memory-days. "
        "Exits 2 if any database fails its integrity check.",
    )
    parser.add_argument("--config", help="path of config.yaml (default ./config.yaml if any)")
    parser.add_argument("--vacuum", action="store_true", help="also VACUUM (rewrites the file)")
    parser.add_argument(
        "--memory-days", type=float, help="memory cleanup age in days (default ops.memory_days)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=_maintenance)


def _maintenance(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from alpha_arena.errors import ValidationError
    from alpha_arena.ops.maintenance import maintain
    from alpha_arena.ops.settings import ops_config, state_databases

    cfg, _ = ops_config(args.config)
    days = cfg.ops.memory_days if args.memory_days is None else args.memory_days
    if days < 0:
        raise ValidationError("--memory-days", "days >= 0", days)
    reports = maintain(
        state_databases(cfg),
        vacuum=args.vacuum,
        memory_db=cfg.path(cfg.ops.memory_db),
        memory_days=days,
    )
    if args.json:
        print(json.dumps([dataclasses.asdict(r) for r in reports]))
    for r in reports if not args.json else ():
        extra = "" if r.memories_deleted is None else f", {r.memories_deleted} memories deleted"
        print(
            f"{r.name:12} integrity {r.integrity}; {r.bytes_before:,} -> {r.bytes_after:,} "
            f"bytes{' (vacuumed)' if r.vacuumed else ''}{extra}"
        )
    if not reports:
        print("maintenance: no database found")
    return 2 if any(r.integrity != "ok" for r in reports) else 0
