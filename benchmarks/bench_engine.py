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
import time
from dataclasses import dataclass

import numpy as np

from alpha_arena.data import Dataset
from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.strategy import Strategy
from tests.factories import make_dataset


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


if __name__ == "__main__":
    main()
