"""`alpha-arena kill`: trip the kill switch of a running (or the next) live run."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `kill` sub-command."""
    parser = subparsers.add_parser(
        "kill",
        help="stop trading: write the kill-switch file (open orders get cancelled)",
        description="Write the kill-switch file the runner checks before every order. "
        "Delete the file to allow trading again.",
    )
    parser.add_argument("--config", default="config.yaml", help="path of config.yaml")
    parser.add_argument("--reason", default="manual kill", help="why (kept in the file)")
    parser.set_defaults(func=_kill)


def _kill(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from alpha_arena.config import read_config
    from alpha_arena.errors import ConfigError

    cfg, problems = read_config(args.config)
    unreadable = [p for p in problems if p.path == "config"]
    if unreadable:  # other problems must not stop an emergency stop
        raise ConfigError(str(unreadable[0]))
    path = cfg.kill_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{datetime.now(UTC).isoformat()} {args.reason}\n")
    print(f"kill switch tripped: {path}")
    return 0
