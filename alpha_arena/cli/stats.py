"""`alpha-arena stats`: a run's summary, recent decisions, daily PnL, error rate and LLM spend."""

from __future__ import annotations

import argparse
import json
from typing import Any

_HEADLINE = (
    "total_return", "pnl", "sharpe", "sortino", "max_drawdown", "calmar", "win_rate",
    "profit_factor", "trades", "turnover", "fees_paid", "exposure", "max_locked",
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `stats` sub-command."""
    parser = subparsers.add_parser(
        "stats",
        help="summarise a run from its metrics.db",
        description="Summarise a run: stats, recent decisions, daily PnL, errors, LLM spend.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", help="a metrics.db file")
    where.add_argument("--run", help="a run folder (default: the newest under reports/)")
    parser.add_argument("--recent", type=int, default=10, help="decisions to show (default 10)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.set_defaults(func=run)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}"
    return str(value)


def run(args: argparse.Namespace) -> int:
    """Print the summary of the chosen run."""
    from alpha_arena.metrics import run_summary

    summary = run_summary(args.db or args.run or "reports", recent=args.recent)
    if args.json:
        out = {
            **summary,
            "recent_decisions": summary["recent_decisions"].to_dict("records"),
            "daily_pnl": summary["daily_pnl"].to_dict("records"),
        }
        print(json.dumps(out, indent=2, default=str))
        return 0
    run_row = summary["run"]
    stats = run_row.get("stats") or {}
    print(f"run {run_row['run_id']}  ({run_row['mode']}, {run_row['status']})")
    print(f"strategy {run_row['strategy'] or '-'}  data {run_row['data_source'] or '-'}")
    print(f"db {summary['db']}")
    for key in _HEADLINE:
        if key in stats:
            print(f"  {key:<16}{_format(stats[key])}")
    print(
        f"decisions {summary['decisions']}  error rate {summary['error_rate']:.2%}"
        f"  errors last hour {summary['errors_last_hour']}"
    )
    spend = summary["llm_spend"]
    print(
        f"LLM spend today ${spend['today']:.4f}  this month ${spend['month']:.4f}"
        f"  ({int(spend['calls'])} calls)"
    )
    print("\nrecent decisions")
    print(summary["recent_decisions"].to_string(index=False))
    print("\ndaily PnL")
    print(summary["daily_pnl"].to_string(index=False))
    return 0
