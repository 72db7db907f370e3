"""`alpha-arena backtest`: the same options as `python -m alpha_arena.backtest`."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `backtest` sub-command."""
    from alpha_arena.backtest.command import add_arguments, run_command

    parser = subparsers.add_parser(
        "backtest",
        help="backtest a strategy on the sample or a data store",
        description="Backtest a strategy on the bundled synthetic sample or a data store.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run_command)
