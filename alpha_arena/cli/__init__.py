"""The `alpha-arena` command: one sub-command per module in this package.

Each sub-command module defines `register(subparsers)`, which adds its parser and sets
`func` to a callable taking the parsed args and returning an exit code. Modules keep their
heavy imports inside that callable so `alpha-arena --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from alpha_arena import __version__
from alpha_arena.errors import AlphaArenaError

COMMAND_MODULES: tuple[str, ...] = (
    "data",
    "markets",
    "backtest",
    "arbitrage",
    "stats",
    "report",
    "providers",
    "memory",
    "run",
    "kill",
    "status",
    "config",
    "health",
    "wallet",
    "backup",
    "restore",
    "maintenance",
)
"""Sub-command modules under `alpha_arena.cli`, in the order `--help` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="alpha-arena",
        description="Backtest-first research and trading for Polymarket prediction markets.",
    )
    parser.add_argument("--version", action="version", version=f"alpha-arena {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"alpha_arena.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except AlphaArenaError as exc:
        print(f"alpha-arena {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"alpha-arena {args.command}: interrupted", file=sys.stderr)
        return 130
