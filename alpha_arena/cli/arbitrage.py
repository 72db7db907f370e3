"""`alpha-arena arbitrage`: print the arbitrage opportunities of a data set's order books."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any


def register(subparsers: Any) -> None:
    """Add the `arbitrage` sub-command."""
    parser = subparsers.add_parser(
        "arbitrage",
        help="fee- and depth-aware complement, neg-risk and cross-venue arbitrage scans",
        description=(
            "Scan a data set's order books for complement (YES+NO), neg-risk basket and, "
            "with --kalshi/--pairs, Polymarket-Kalshi arbitrage, after every leg's fee."
        ),
    )
    parser.add_argument("--data", default="sample", help="data set name or store directory")
    parser.add_argument(
        "--min-edge", type=float, default=0.0, help="least edge per set in USDC (default 0)"
    )
    parser.add_argument("--at", default=None, help="scan the snapshot in force at this UTC time")
    parser.add_argument(
        "--history", action="store_true", help="scan every snapshot and report episodes"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--limit", type=int, default=50, help="rows to print (default 50)")
    parser.add_argument("--kalshi", default=None, help="Kalshi books CSV (cross-venue scan)")
    parser.add_argument("--pairs", default=None, help="Polymarket-Kalshi mapping CSV")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the data, scan it and print the result; exit code 0."""
    from alpha_arena.arbitrage import history, scan
    from alpha_arena.arbitrage.cross_venue import load_kalshi_books, load_pairs, scan_cross_venue
    from alpha_arena.arbitrage.scan import opportunities_table
    from alpha_arena.data import load
    from alpha_arena.errors import ValidationError

    if args.limit < 1:
        raise ValidationError("--limit", "a number of rows >= 1", args.limit)
    if (args.kalshi is None) != (args.pairs is None):
        raise ValidationError("--kalshi/--pairs", "both files, or neither", "only one")
    if args.history and args.at is not None:
        raise ValidationError("--history", "no --at (it scans every snapshot)", args.at)
    dataset = load(args.data)
    kalshi = None if args.kalshi is None else load_kalshi_books(args.kalshi)
    pairs = None if args.pairs is None else load_pairs(args.pairs)
    if args.history:
        result = history(dataset, min_edge=args.min_edge, kalshi=kalshi, pairs=pairs)
        _print_history(result, args)
        return 0
    table = scan(dataset, at=args.at, min_edge=args.min_edge)
    if kalshi is not None:
        cross = scan_cross_venue(dataset, kalshi, pairs, at=args.at, min_edge=args.min_edge)
        table = opportunities_table([table, cross])
    _print_opportunities(table.head(args.limit), args)
    return 0


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "total_seconds"):
        return value.total_seconds()
    return value


def _records(frame: Any) -> list[dict[str, Any]]:
    return [
        {key: _jsonable(value) for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _print_opportunities(table: Any, args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps(_records(table), indent=2))
        return
    if table.empty:
        print(f"no arbitrage with edge >= {args.min_edge} after fees")
        return
    shown = table.drop(columns=["legs"]).copy()
    shown["legs"] = ["; ".join(_leg_text(leg) for leg in legs) for legs in table["legs"]]
    print(shown.to_string(index=False, float_format=lambda x: f"{x:.4f}"))


def _leg_text(leg: dict[str, Any]) -> str:
    return f"{leg['side']} {leg['token']} @{leg['price']:g} x{leg['size']:.2f}"


def _print_history(result: Any, args: argparse.Namespace) -> None:
    summary = result.summary()
    episodes = result.episodes.head(args.limit)
    if args.json:
        payload = {
            "snapshots": result.n_snapshots,
            "summary": _records(summary),
            "episodes": _records(episodes),
        }
        print(json.dumps(payload, indent=2))
        return
    print(f"{result.n_snapshots} snapshots scanned")
    if summary.empty:
        print(f"no arbitrage with edge >= {args.min_edge} after fees in any snapshot")
        return
    print(summary.to_string(index=False))
    print()
    print(episodes.to_string(index=False))
