"""`alpha-arena status`: is the runner up, what did it last decide, what does it hold."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `status` sub-command."""
    parser = subparsers.add_parser(
        "status",
        help="runner status: running, last decision, equity, positions, kill switch, spend",
        description="Summarise the live deployment from its pid file, metrics.db and kill "
        "switch. Secrets are shown only as set.",
    )
    parser.add_argument("--config", help="path of config.yaml (default ./config.yaml if any)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=_status)


def _status(args: argparse.Namespace) -> int:
    import json

    from alpha_arena.ops.settings import ops_config
    from alpha_arena.ops.status import collect_status, format_status

    cfg, problems = ops_config(args.config)
    status = collect_status(cfg)
    status["config_problems"] = len(problems)
    if args.json:
        print(json.dumps(status, default=str))
    else:
        print(format_status(status))
        if problems:
            print(f"config:         {len(problems)} problem(s): run `alpha-arena config check`")
    return 0
