"""Benchmark: alpha_arena.sim.vectorized vs vectorbt `Portfolio.from_orders`, same orders.

Both simulate one account (cash shared across all tokens) over a (steps × tokens) panel
of prices with sparse signed share orders, a flat fee and a half-spread in the fill
price, and then again with every column its own account. Prints each time and the ratio
(vectorbt time / ours: above 1 means we are faster). Compilation is warmed up first.

    python benchmarks/bench_vectorized.py [--tokens 500] [--steps 43200] [--density 0.01]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def make_panel(steps: int, tokens: int, density: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    prices = np.clip(0.5 + np.cumsum(rng.normal(0, 0.002, (steps, tokens)), axis=0), 0.02, 0.98)
    orders = np.round(rng.uniform(-50, 60, (steps, tokens)), 2)
    orders[rng.random((steps, tokens)) > density] = np.nan
    return np.ascontiguousarray(prices), orders


def run_ours(prices, orders, half, fee, cash, sharing):
    from alpha_arena.sim.vectorized import simulate_arrays

    return simulate_arrays(
        prices, orders=orders, cash=cash, half_spread=half, flat_fee=fee, cash_sharing=sharing
    )


def run_vbt(prices, orders, half, fee, cash, sharing, with_value):
    import vectorbt as vbt

    size = np.nan_to_num(orders)
    fill_price = np.where(size > 0, prices + half, prices - half)
    pf = vbt.Portfolio.from_orders(
        close=prices,
        size=size,
        size_type="amount",
        direction="longonly",
        price=fill_price,
        fees=fee,
        init_cash=cash,
        cash_sharing=sharing,
        group_by=True if sharing else None,
    )
    if with_value:
        pf.value()
    return pf


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--steps", type=int, default=43_200)
    parser.add_argument("--density", type=float, default=0.01)
    args = parser.parse_args()
    half, fee = 0.005, 0.01
    small_p, small_o = make_panel(50, 4, 0.5)
    for sharing in (True, False):
        run_ours(small_p, small_o, half, fee, 100.0, sharing)
        run_vbt(small_p, small_o, half, fee, 100.0, sharing, True)
    prices, orders = make_panel(args.steps, args.tokens, args.density)
    cells = args.steps * args.tokens
    print(
        f"panel {args.steps} steps x {args.tokens} tokens = {cells:,} cells, "
        f"{int(np.count_nonzero(~np.isnan(orders))):,} orders"
    )
    for sharing, cash in ((True, 10_000.0 * args.tokens), (False, 10_000.0)):
        label = "one shared account" if sharing else "one account per column"
        t_ours, ours = timed(run_ours, prices, orders, half, fee, cash, sharing)
        t_vbt, pf = timed(run_vbt, prices, orders, half, fee, cash, sharing, False)
        t_vbt_value, _ = timed(run_vbt, prices, orders, half, fee, cash, sharing, True)
        final_vbt = np.atleast_1d(pf.value().to_numpy()[-1])
        gap = float(np.max(np.abs(np.atleast_1d(ours.final_equity) - final_vbt)))
        print(f"[{label}]")
        rate = cells / t_ours / 1e6
        print(f"  alpha_arena vectorized      {t_ours:8.3f} s  ({rate:6.1f} M cells/s)")
        print(f"  vectorbt from_orders        {t_vbt:8.3f} s  ratio {t_vbt / t_ours:5.2f}x")
        ratio = t_vbt_value / t_ours
        print(f"  vectorbt from_orders+value  {t_vbt_value:8.3f} s  ratio {ratio:5.2f}x")
        print(f"  max |final equity difference| {gap:.2e} USDC")


if __name__ == "__main__":
    main()
