"""`alpha-arena run`: the live runner (paper by default; `--live` plus `live.confirm` for real)."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `run` sub-command."""
    parser = subparsers.add_parser(
        "run",
        help="run a strategy live (paper trading unless --live and live.confirm)",
        description="Poll the configured markets every --interval seconds and trade a "
        "strategy through the engine's risk gate. Paper trading is the default.",
    )
    parser.add_argument(
        "--interval", type=float, help="seconds between cycles (default: agent.interval)"
    )
    parser.add_argument("--strategy", help="registered strategy name (overrides the config)")
    parser.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="strategy parameter"
    )
    parser.add_argument("--config", default="config.yaml", help="path of config.yaml")
    parser.add_argument("--live", action="store_true", help="send real orders (needs confirm)")
    parser.add_argument(
        "--reset-paper",
        action="store_true",
        help="start the paper account afresh from live.paper_cash (else it is restored)",
    )
    parser.add_argument("--once", action="store_true", help="run one cycle and exit")
    parser.add_argument("--max-cycles", type=int, help="stop after this many cycles")
    parser.add_argument(
        "--shard", metavar="I/N", help="trade every N-th configured market from the I-th (0-based)"
    )
    parser.add_argument(
        "--no-ops",
        action="store_true",
        help="skip the operations layer (pid file, audit log, Prometheus, alert routing)",
    )
    parser.add_argument(
        "--no-metrics-server", action="store_true", help="do not serve Prometheus metrics"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import logging

    from alpha_arena.backtest.inputs import resolve_strategy
    from alpha_arena.config import read_run_config
    from alpha_arena.errors import ConfigError
    from alpha_arena.live.runner import LiveRunner
    from alpha_arena.live.settings import LiveSettings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    cfg, problems = read_run_config(args.config)
    problems.raise_if_any(args.config)  # every problem `config check` names, at once
    settings = LiveSettings.from_config(cfg)
    if args.shard:
        index, sep, count = args.shard.partition("/")
        if not (sep and index.isdigit() and count.isdigit()):
            raise ConfigError(f"--shard: expected I/N such as 0/4, got {args.shard!r}")
        settings = settings.shard(int(index), int(count))
    name = args.strategy or settings.strategy
    if not name:
        raise ConfigError("strategy: give --strategy NAME or strategy.name in the config")
    params = dict(settings.params) if name == settings.strategy else {}
    if name == "llm":  # the LLM strategy reads its llm/agents sections from the same file
        params.setdefault("config", args.config)
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--param: expected K=V, got {item!r}")
        params[key] = value
    if args.max_cycles is not None and args.max_cycles < 1:
        raise ConfigError(f"--max-cycles: expected a count >= 1, got {args.max_cycles}")
    interval = settings.interval if args.interval is None else args.interval
    if not interval >= 0:
        raise ConfigError(f"--interval: expected seconds >= 0, got {interval}")
    strategy = resolve_strategy(name, params, 0)
    ops = None
    if not args.no_ops:
        from alpha_arena.ops.runtime import OpsRuntime

        ops = OpsRuntime(cfg, serve=not args.no_metrics_server)
    runner = LiveRunner(
        settings,
        strategy,
        live=args.live,
        interval=interval,
        ops=ops,
        reset_paper=args.reset_paper,
    )
    summary = runner.run(max_cycles=1 if args.once else args.max_cycles)
    cycles = summary.cycle_seconds
    print(
        json.dumps(
            {
                "run_id": summary.run_id,
                "mode": summary.mode,
                "cycles": summary.cycles,
                "orders": summary.orders,
                "errors": summary.errors,
                "mean_cycle_seconds": sum(cycles) / len(cycles) if cycles else None,
                "stopped_by": summary.stopped_by,
                "kill_switch": summary.kill_switch,
                "reconcile": summary.reconcile,
                "restored_from": summary.restored_from,
                "resolved": summary.resolved,
            }
        )
    )
    return 0
