"""`alpha-arena providers`: each LLM provider's availability (and why not), models, and spend."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `providers` sub-command."""
    parser = subparsers.add_parser(
        "providers",
        help="LLM providers: availability, models, spend today / this month",
        description="List the LLM fallback chain with availability, models and spend.",
    )
    parser.add_argument("--config", default=None, help="YAML config with an `llm:` section")
    parser.add_argument(
        "--ledger",
        default=None,
        help="SQLite file with an llm_calls table (the ledger or a metrics.db); "
        "default: llm.ledger_path",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the providers table (or JSON); exit code 0."""
    from alpha_arena.config import read_config
    from alpha_arena.llm import Ledger, LLMRouter

    cfg, problems = read_config(args.config)
    problems.within("config", "llm").raise_if_any(args.config or "config")
    config = cfg.llm
    path = Path(args.ledger or config.ledger_path)
    ledger = Ledger(path if path.is_file() else ":memory:")
    router = LLMRouter(config, ledger=ledger)
    today, month = router.spend()
    budget = config.budget
    rows = [
        {
            "provider": s.name,
            "available": s.available,
            "reason": s.reason,
            "models": s.models,
        }
        for s in router.status()
    ]
    if args.json:
        spend = {
            "today_usd": today,
            "month_usd": month,
            "daily_budget_usd": budget.daily_usd,
            "monthly_budget_usd": budget.monthly_usd,
        }
        print(json.dumps({"providers": rows, "spend": spend}, indent=2))
        return 0
    print(f"{'provider':<10} {'status':<11} {'models':<52} reason")
    for row in rows:
        models = ", ".join(f"{tier}={name}" for tier, name in row["models"].items())
        status = "available" if row["available"] else "unavailable"
        print(f"{row['provider']:<10} {status:<11} {models:<52} {row['reason']}")
    print(f"\nspend today: ${today:.4f}{_of(budget.daily_usd)}")
    print(f"spend this month: ${month:.4f}{_of(budget.monthly_usd)}")
    return 0


def _of(limit: float) -> str:
    return f" of ${limit:.2f} budget" if limit else " (no budget set)"
