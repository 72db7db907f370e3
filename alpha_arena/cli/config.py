"""`alpha-arena config check`: validate config.yaml and .env, naming every bad field."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `config` sub-command (with its `check` action)."""
    parser = subparsers.add_parser(
        "config",
        help="validate config.yaml and .env",
        description="Validate every section of config.yaml and the .env secrets with the "
        "loader `alpha-arena run` uses, so a config that passes here is one `run` accepts. "
        "Prints each bad or missing field (secrets only as set/unset) and exits 1 if there "
        "is any.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate and list every problem")
    check.add_argument("--config", default="config.yaml", help="path of config.yaml")
    check.add_argument("--env", help="path of the .env file (default: beside the config)")
    check.set_defaults(func=_check)


def _check(args: argparse.Namespace) -> int:
    from alpha_arena.config import read_run_config

    cfg, problems = read_run_config(args.config, args.env)
    for problem in problems:
        print(f"ERROR {problem}")
    env = cfg.public()["env"]
    shown = ", ".join(f"{name}={state}" for name, state in env.items() if state != "unset")
    print(f"secrets: {shown or 'none set'}")
    if problems:
        print(f"{args.config}: {len(problems)} problem(s)")
        return 1
    mode = "REAL MONEY" if cfg.real_money else "paper (dry run)"
    print(f"{args.config}: OK ({mode}; config hash {cfg.fingerprint()[:12]})")
    return 0
