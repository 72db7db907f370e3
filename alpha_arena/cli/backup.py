"""`alpha-arena backup`: a verified, timestamped copy of metrics.db, memory.db and the journal."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `backup` sub-command."""
    parser = subparsers.add_parser(
        "backup",
        help="back up the state databases (SQLite online backup, integrity checked)",
        description="Copy metrics.db, memory.db and the order journal with SQLite's online "
        "backup API (safe while the runner writes), plus the decision and audit logs, into "
        "a timestamped folder with a sha256 manifest.",
    )
    parser.add_argument("--config", help="path of config.yaml (default ./config.yaml if any)")
    parser.add_argument("--dest", help="folder for backups (default: ops.backup_dir)")
    parser.set_defaults(func=_backup)


def _backup(args: argparse.Namespace) -> int:
    from alpha_arena.ops.audit import audit_event
    from alpha_arena.ops.backup import backup
    from alpha_arena.ops.settings import ops_config, state_databases, state_files

    cfg, _ = ops_config(args.config)
    result = backup(
        state_databases(cfg), state_files(cfg), args.dest or cfg.path(cfg.ops.backup_dir)
    )
    for name, size in result.files.items():
        print(f"{name:16} {size:>12,} bytes")
    print(f"backup: {result.path}")
    audit_event(cfg, "backup", path=str(result.path), files=sorted(result.files))
    return 0
