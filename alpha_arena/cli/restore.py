"""`alpha-arena restore FOLDER`: verify a backup, then atomically put it back."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `restore` sub-command."""
    parser = subparsers.add_parser(
        "restore",
        help="restore a backup folder (verified first; the runner must be stopped)",
        description="Check every file of a backup against its sha256 and each database's "
        "integrity, then replace the live files atomically, keeping the current ones as "
        "<name>.pre-restore-<stamp>. The audit log is never rolled back. Refuses while the "
        "runner's pid file names a live process.",
    )
    parser.add_argument("folder", help="a folder written by `alpha-arena backup`")
    parser.add_argument("--config", help="path of config.yaml (default ./config.yaml if any)")
    parser.add_argument("--verify-only", action="store_true", help="check, do not restore")
    parser.add_argument("--force", action="store_true", help="restore even if a runner is up")
    parser.set_defaults(func=_restore)


def _restore(args: argparse.Namespace) -> int:
    from alpha_arena.errors import DataError
    from alpha_arena.ops.audit import audit_event
    from alpha_arena.ops.backup import restore, verify
    from alpha_arena.ops.health import pid_alive, read_pid
    from alpha_arena.ops.settings import ops_config, state_databases, state_files

    cfg, _ = ops_config(args.config)
    if args.verify_only:
        manifest = verify(args.folder)
        print(f"{args.folder}: {len(manifest)} file(s) verified")
        return 0
    pid = read_pid(cfg.path(cfg.ops.pid_file))
    if pid is not None and pid_alive(pid) and not args.force:
        raise DataError(f"restore: the runner is running (pid {pid}); stop it first")
    targets = {**state_databases(cfg), **state_files(cfg)}
    restored = restore(args.folder, targets, skip=("audit.jsonl",))
    for name, path in restored.items():
        print(f"restored {name} -> {path}")
    audit_event(cfg, "restore", folder=str(args.folder), files=sorted(restored))
    return 0
