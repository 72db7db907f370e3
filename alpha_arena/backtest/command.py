"""The backtest command line, shared by `python -m alpha_arena.backtest` and
`alpha-arena backtest`: parse, run `backtest()`, print a summary table or JSON."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

from alpha_arena.backtest.defaults import DEFAULT_LATENCY_MS, DEFAULT_STRATEGY, REPORTS_DIR
from alpha_arena.errors import AlphaArenaError, ValidationError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options (one definition for both entry points)."""
    parser.add_argument(
        "--strategy", default=DEFAULT_STRATEGY, help="registered name or module:Class"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="K=V",
        help="strategy parameter (repeatable), e.g. --param fast=20",
    )
    parser.add_argument(
        "--data", default="sample", help="'sample' (synthetic) or a data store path"
    )
    parser.add_argument("--days", type=float, default=None, help="replay the last N days")
    parser.add_argument(
        "--markets",
        nargs="+",
        default=None,
        metavar="M",
        help="market ids / slugs / event ids (comma-separated or repeated), or a count N",
    )
    parser.add_argument("--capital", type=float, default=10_000.0, help="starting USDC")
    parser.add_argument(
        "--latency-ms", type=float, default=DEFAULT_LATENCY_MS, help="decision-to-book delay"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for strategies that take one")
    parser.add_argument(
        "--out", type=Path, default=None, help="run directory (default reports/<run-id>)"
    )
    parser.add_argument("--json", action="store_true", help="print the stats as JSON")
    parser.add_argument(
        "--report", action="store_true", help="also write tearsheet.png and report.html"
    )
    parser.add_argument(
        "--allow-contaminated",
        action="store_true",
        help="LLM strategies: also backtest markets resolved before the model's knowledge "
        "cutoff (the run is flagged)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary table")
    parser.add_argument("--list", action="store_true", help="list the known strategies and exit")
    parser.add_argument(
        "--suite", choices=("regression",), default=None, help="run the regression backtests"
    )
    parser.add_argument(
        "--baseline", type=Path, default=None, help="regression baseline JSON (with --suite)"
    )
    parser.add_argument(
        "--update-baseline", action="store_true", help="rewrite the baseline (with --suite)"
    )


def parse_markets(values: list[str] | None) -> int | list[str] | None:
    """`--markets`: one integer is a count, anything else ids (commas split)."""
    if not values:
        return None
    names = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if len(names) == 1 and names[0].isdigit():
        return int(names[0])
    if not names:
        raise ValidationError("--markets", "market ids or a count", values)
    return names


def run_command(args: argparse.Namespace) -> int:
    """Run the backtest the parsed arguments describe; returns the exit code."""
    from alpha_arena.backtest.run import backtest, new_run_id
    from alpha_arena.strategy import available, get_strategy, parse_params

    if args.list:
        for name, spec in available().items():
            print(f"{name:<20} {spec}")
        return 0
    if args.suite == "regression":
        return _regression(args)
    params = parse_params(args.param)
    cls = get_strategy(args.strategy)
    if args.allow_contaminated:
        if "allow_contaminated" not in {f.name for f in dataclasses.fields(cls)}:
            raise ValidationError(
                "--allow-contaminated",
                "a strategy with a knowledge-cutoff guard (llm)",
                args.strategy,
            )
        params["allow_contaminated"] = "true"
    run_id = new_run_id(cls.name or args.strategy)
    out = args.out if args.out is not None else REPORTS_DIR / run_id
    result = backtest(
        args.strategy,
        args.data,
        capital=args.capital,
        days=args.days,
        markets=parse_markets(args.markets),
        latency_ms=args.latency_ms,
        seed=args.seed,
        out=out,
        progress=not args.quiet,
        params=params,
        run_id=run_id,
    )
    if args.report:
        from alpha_arena.report import write_report

        write_report(result, out)
    if args.json:
        print(result.to_json())
    elif not args.quiet:
        print(result.summary())
    return 0


def _regression(args: argparse.Namespace) -> int:
    """`--suite regression`: 0 when every case matches the baseline, 1 on drift."""
    from alpha_arena.backtest.regression import CASES, DEFAULT_BASELINE, run_suite

    baseline = args.baseline or DEFAULT_BASELINE
    problems = run_suite(args.data, baseline=baseline, update=args.update_baseline)
    if args.update_baseline:
        print(f"regression: baseline of {len(CASES)} cases written to {baseline}")
        return 0
    for line in problems:
        print(f"regression: FAIL {line}", file=sys.stderr)
    if not problems:
        print(f"regression: {len(CASES)} cases match {baseline}")
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    """The standalone parser of `python -m alpha_arena.backtest`."""
    parser = argparse.ArgumentParser(
        prog="python -m alpha_arena.backtest",
        description="Backtest a strategy on the bundled synthetic sample or a data store.",
    )
    add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, report errors as one clear line with exit code 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run_command(args)
    except AlphaArenaError as exc:
        print(f"backtest: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("backtest: interrupted", file=sys.stderr)
        return 130
