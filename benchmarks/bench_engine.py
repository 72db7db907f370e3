"""Benchmark: engine throughput in market updates/s, and an end-to-end 30-day backtest.

1. Throughput: the Engine + HistoricalFeed + SimBroker loop with a trivial strategy (it
   reads the snapshot's prices and does nothing) over N markets; a snapshot of N markets
   counts N market updates. Compared with a plain Python loop that visits the same
   (time, market) events one by one, as an event-per-market backtester would.
2. End to end: `python -m alpha_arena.backtest --days 30` with the default strategy on a
   store of N markets, timed from the shell's point of view (imports, load, run, files).

    python benchmarks/bench_engine.py [--markets 500] [--steps 2880] [--days 30] [--skip-e2e]

Timings are printed, never asserted. Targets: >= 1M updates/s, e2e < 30 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alpha_arena.data import Dataset
from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.strategy import Strategy
from tests.factories import make_dataset

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Trivial(Strategy):
    """Reads every snapshot's prices, never trades."""

    def on_snapshot(self, ctx):
        ctx.last_prices()


def engine_rate(data: Dataset) -> tuple[float, float]:
    """(seconds, market updates per second) of one engine run with the trivial strategy."""
    broker = SimBroker(data, cash=10_000.0, config=SimConfig(latency_ms=250.0))
    engine = Engine(HistoricalFeed(data), Trivial(), broker)
    started = time.perf_counter()
    engine.run()
    seconds = time.perf_counter() - started
    return seconds, data.n_times * data.n_markets / seconds


def python_rate(data: Dataset) -> tuple[float, float]:
    """The same events in a plain Python loop, as an event-per-market backtester runs them:
    visit each (time, market), keep its mark, hand the update to a do-nothing strategy."""
    prices = data.prices.tolist()
    yes_cols = np.flatnonzero(data.is_yes).tolist()
    marks = [0.0] * len(yes_cols)

    def on_price(market: int, price: float) -> None:
        """The trivial strategy's per-event callback."""

    started = time.perf_counter()
    for row in prices:
        for j, col in enumerate(yes_cols):
            price = row[col]
            if price == price:
                marks[j] = price
                on_price(j, price)
    seconds = time.perf_counter() - started
    return seconds, data.n_times * data.n_markets / seconds


def end_to_end(markets: int, days: int) -> tuple[float, float, float]:
    """Seconds to generate and store `markets` synthetic markets over `days` days, and
    wall seconds of `python -m alpha_arena.backtest --days N` on that store (a fresh
    process: imports, load, run, files), plus the run's own seconds from its stats."""
    from alpha_arena.data.generator import generate
    from alpha_arena.data.store import write_dataset

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        store = write_dataset(
            generate(seed=0, n_markets=markets, n_events=0, days=days + 1), Path(tmp) / "store"
        )
        built = time.perf_counter() - started
        command = [
            sys.executable, "-m", "alpha_arena.backtest", "--data", str(store),
            "--days", str(days), "--json", "--quiet", "--out", str(Path(tmp) / "run"),
        ]  # fmt: skip
        started = time.perf_counter()
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
    return built, wall, json.loads(proc.stdout)["stats"]["run"]["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=500)
    parser.add_argument("--steps", type=int, default=2880, help="grid rows of the throughput run")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()

    data = make_dataset(n_markets=args.markets, n_times=args.steps, levels=3, seed=1)
    engine_rate(make_dataset(n_markets=2, n_times=10))  # warm-up: imports, numba caches
    e_sec, e_rate = engine_rate(data)
    p_sec, p_rate = python_rate(data)
    print(f"engine throughput, {args.markets} markets x {args.steps} snapshots (trivial strategy)")
    print(f"  engine loop        {e_sec:8.3f} s   {e_rate / 1e6:8.2f} M market updates/s")
    print(f"  plain Python loop  {p_sec:8.3f} s   {p_rate / 1e6:8.2f} M market updates/s")
    print(f"  ratio engine/python {e_rate / p_rate:6.2f}x   (target >= 1M updates/s)")
    if args.skip_e2e:
        return
    built, wall, run = end_to_end(args.markets, args.days)
    print(f"end to end: python -m alpha_arena.backtest --days {args.days}, {args.markets} markets")
    print(f"  generate + store the data  {built:8.1f} s   (not part of the command)")
    print(f"  the command, wall clock    {wall:8.1f} s   (engine run {run:.1f} s; target < 30 s)")


if __name__ == "__main__":
    main()
