"""`alpha-arena data download|info`: fill a local cache from Polymarket's APIs, show what it holds.

`--venue kalshi` downloads Kalshi markets (by ticker / event ticker), candles and books
instead. Base URLs default to the venues' public hosts; `--gamma-url`, `--clob-url`,
`--data-url`, `--kalshi-url` (or `ALPHA_ARENA_GAMMA_URL`, `ALPHA_ARENA_CLOB_URL`,
`ALPHA_ARENA_DATA_URL`, `ALPHA_ARENA_KALSHI_URL`) point a client elsewhere, e.g. at a proxy
or a local fake.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

INTERVALS = {"1m": 1, "5m": 5, "15m": 15, "30m": 30, "1h": 60, "6h": 360, "1d": 1440}
"""`--interval` values and the fidelity (minutes) each asks of `/prices-history`."""
DEFAULT_OUT = Path("data") / "polymarket"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `data` with its `download` and `info` sub-commands."""
    parser = subparsers.add_parser("data", help="download market data into a local cache")
    commands = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    get = commands.add_parser(
        "download",
        help="fill a cache directory from the public Polymarket APIs (incremental)",
        description="Download markets, price series, book snapshots and trades into DIR. "
        "Only what is not cached yet is requested.",
    )
    which = get.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--markets", nargs="+", metavar="ID", help="condition ids or slugs (Kalshi: tickers)"
    )
    which.add_argument(
        "--event", metavar="SLUG", help="an event slug or numeric id (Kalshi: event ticker)"
    )
    which.add_argument("--active", action="store_true", help="the active, open markets")
    get.add_argument(
        "--venue", choices=("polymarket", "kalshi"), default="polymarket", help="data source"
    )
    get.add_argument("--limit", type=int, help="at most this many markets (with --active)")
    get.add_argument("--days", type=float, default=30.0, help="days of history (default 30)")
    get.add_argument(
        "--interval",
        choices=list(INTERVALS),
        default="1m",
        help="price sampling step (default 1m)",
    )
    get.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"cache dir ({DEFAULT_OUT})")
    get.add_argument("--no-books", action="store_true", help="skip book snapshots")
    get.add_argument("--no-trades", action="store_true", help="skip trades")
    get.add_argument("--rate", type=float, default=100.0, help="requests per minute (100)")
    for api in ("gamma", "clob", "data", "kalshi"):
        get.add_argument(
            f"--{api}-url",
            default=os.environ.get(f"ALPHA_ARENA_{api.upper()}_URL"),
            help=f"{api} API base URL",
        )
    get.set_defaults(func=run_download)

    info = commands.add_parser("info", help="show what a cache directory holds")
    info.add_argument("dir", type=Path, help="the cache directory")
    info.set_defaults(func=run_info)


def run_download(args: argparse.Namespace) -> int:
    """Run one download and print its summary."""
    from alpha_arena.data.download import download
    from alpha_arena.data.kalshi import KalshiClient
    from alpha_arena.data.polymarket import PolymarketClient

    if args.venue == "kalshi":
        urls = {"base_url": args.kalshi_url} if args.kalshi_url else {}
        client = KalshiClient(rate_per_minute=args.rate, **urls)
    else:
        urls = {
            f"{api}_url": getattr(args, f"{api}_url")
            for api in ("gamma", "clob", "data")
            if getattr(args, f"{api}_url")
        }
        client = PolymarketClient(rate_per_minute=args.rate, **urls)
    with client:
        report = download(
            args.out,
            client,
            markets=args.markets,
            event=args.event,
            active=args.active,
            limit=args.limit,
            days=args.days,
            fidelity=INTERVALS[args.interval],
            books=not args.no_books,
            trades=not args.no_trades,
        )
    print(report)
    return 0


def run_info(args: argparse.Namespace) -> int:
    """Print a cache directory's contents, one `key: value` a line."""
    from alpha_arena.data.download import cache_info

    for key, value in cache_info(args.dir).items():
        print(f"{key:14} {value}")
    return 0
