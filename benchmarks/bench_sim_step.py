"""Benchmark: SimBroker per-step overhead (advance + mark) with 200 positions, 50 resting orders.

The engine calls `broker.advance(t)` and `portfolio.mark(row)` once per snapshot. This
measures both on a factory dataset (books every 5 rows) holding 200 positions with 50
resting limit orders that stay away from the market, and compares with a plain Python
loop doing the same work (crossing checks per order, marking per token).

    python benchmarks/bench_sim_step.py [--markets 150] [--steps 2000]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.types import Order, Side
from tests.factories import make_dataset


def setup(markets: int, steps: int) -> SimBroker:
    data = make_dataset(n_markets=markets, n_times=steps, levels=3, seed=1)
    broker = SimBroker(data, cash=1_000_000.0, config=SimConfig(fees=True))
    t0 = int(data.times[0])
    cols = np.arange(2, 202)
    for col in cols:
        broker.submit(Order(str(data.token_ids[col]), Side.BUY, size=20.0, order_type="FAK"), t0)
    for col in cols[:50]:
        order = Order(str(data.token_ids[col]), Side.BUY, size=10.0, price=0.01)
        broker.submit(order, t0)
    broker.advance(t0)
    return broker


def python_step(prices_row, marks, shares, resting):
    """The same per-step work in plain Python: mark every token, check every resting order."""
    value = 0.0
    for i, price in enumerate(prices_row):
        if not math.isnan(price):
            marks[i] = price
        if shares[i] != 0.0:
            value += shares[i] * marks[i]
    filled = 0
    for col, limit in resting:
        price = prices_row[col]
        if not math.isnan(price) and price < limit:
            filled += 1
    return value, filled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=150)
    parser.add_argument("--steps", type=int, default=2_000)
    args = parser.parse_args()
    broker = setup(args.markets, args.steps)
    data = broker.dataset
    portfolio = broker.portfolio
    held = int(np.count_nonzero(portfolio.shares))
    resting = len(broker.open_orders())
    start = time.perf_counter()
    for k in range(1, data.n_times):
        broker.advance(int(data.times[k]))
        portfolio.mark(data.prices[k])
    ours = (time.perf_counter() - start) / (data.n_times - 1)
    marks = np.full(data.n_tokens, np.nan).tolist()
    shares = portfolio.shares.tolist()
    orders = [(data.column(o.token_id), o.price) for o in broker.open_orders()]
    rows = data.prices.tolist()
    start = time.perf_counter()
    for k in range(1, data.n_times):
        python_step(rows[k], marks, shares, orders)
    plain = (time.perf_counter() - start) / (data.n_times - 1)
    print(
        f"{data.n_tokens} tokens, {held} positions, {resting} resting orders, "
        f"{data.n_times - 1} steps"
    )
    print(f"  SimBroker advance + mark   {ours * 1e6:8.1f} us/step")
    print(f"  plain Python mark + check  {plain * 1e6:8.1f} us/step  ratio {plain / ours:5.2f}x")


if __name__ == "__main__":
    main()
