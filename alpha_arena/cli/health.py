"""`alpha-arena health`: memory, disk, decision freshness, process, exchange; exit 0/1/2."""

from __future__ import annotations

import argparse

CHECKS = ("memory", "disk", "decisions", "process", "kill_switch", "exchange")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `health` sub-command."""
    parser = subparsers.add_parser(
        "health",
        help="health checks for cron: exit 0 ok, 1 warning, 2 critical",
        description="Check free memory and disk, the age of the last logged decision, that "
        "the runner process is alive, the kill switch, and that the exchange answers. "
        "Paths and thresholds come from the config's ops section unless given here.",
    )
    parser.add_argument("--config", help="path of config.yaml (default ./config.yaml if any)")
    parser.add_argument("--db", help="metrics.db to read the last decision from")
    parser.add_argument("--log", help="decisions.jsonl whose last write counts as a decision")
    parser.add_argument("--pid-file", help="pid file of the runner")
    parser.add_argument("--max-age", type=float, help="seconds before decisions are stale")
    parser.add_argument("--url", help="exchange URL to probe (GET)")
    parser.add_argument("--min-disk-mb", type=float, help="critical below this free disk")
    parser.add_argument("--min-memory-mb", type=float, help="critical below this free memory")
    parser.add_argument("--skip", action="append", default=[], choices=CHECKS, help="skip one")
    parser.add_argument("--json", action="store_true", help="print JSON instead of lines")
    parser.set_defaults(func=_health)


def _health(args: argparse.Namespace) -> int:
    import json

    from alpha_arena.ops import health as h
    from alpha_arena.ops.settings import decision_max_age, ops_config

    cfg, problems = ops_config(args.config)
    ops = cfg.ops
    probes = {
        "memory": lambda: h.check_memory(_pick(args.min_memory_mb, ops.min_free_memory_mb)),
        "disk": lambda: h.check_disk(
            cfg.path(ops.metrics_db).parent, _pick(args.min_disk_mb, ops.min_free_disk_mb)
        ),
        "decisions": lambda: h.check_decisions(
            args.db or cfg.path(ops.metrics_db),
            args.log or cfg.path(ops.decision_log),
            _pick(args.max_age, decision_max_age(cfg)),
        ),
        "process": lambda: h.check_process(args.pid_file or cfg.path(ops.pid_file)),
        "kill_switch": lambda: h.check_kill_switch(cfg.risk.kill_switch, cfg.kill_file),
        "exchange": lambda: h.check_exchange(
            args.url or ops.exchange_url or f"{cfg.live.clob_url.rstrip('/')}/time"
        ),
    }
    checks = [probe() for name, probe in probes.items() if name not in args.skip]
    if problems:
        checks.append(h.Check("config", h.WARNING, f"{len(problems)} problem(s): run config check"))
    status = h.overall(checks)
    if args.json:
        print(json.dumps({"status": status, "checks": [c.as_dict() for c in checks]}))
    else:
        for check in checks:
            print(f"{check.status.upper():8} {check.name:9} {check.detail}")
        print(f"overall: {status}")
    return h.EXIT_CODES[status]


def _pick(given: float | None, default: float) -> float:
    return default if given is None else given
