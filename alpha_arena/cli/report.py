"""`alpha-arena report`: write the tear sheet PNG and HTML report of a logged run."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `report` sub-command."""
    parser = subparsers.add_parser(
        "report",
        help="write a run's tear sheet (PNG) and HTML report from its metrics.db",
        description=(
            "Draw a run from its metrics.db: equity, drawdown, exposure and capital locked, "
            "PnL of closed positions, calibration and edge when the stats have them."
        ),
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", help="a metrics.db file")
    where.add_argument("--run", help="a run folder (default: the newest under reports/)")
    parser.add_argument("--run-id", help="which run of the db (default: the newest)")
    parser.add_argument("--out", help="folder for the files (default: the db's folder)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write tearsheet.png and report.html and print their paths."""
    from alpha_arena.metrics import find_db
    from alpha_arena.report import write_report
    from alpha_arena.report.from_db import db_report_input

    db = find_db(args.db or args.run or "reports")
    inp = db_report_input(db, run_id=args.run_id)
    paths = write_report(inp, Path(args.out) if args.out else db.parent)
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0
