"""Benchmark: momentum's vectorized `signals()` path vs its event-driven backtest.

On the bundled sample (last `--days` days, first `--markets` markets), times one event
backtest (`alpha_arena.backtest`: Engine + SimBroker with books, latency and stats) and
one vectorized run (`Momentum.signals` + `alpha_arena.sim.vectorized.simulate_signals`:
bar prices, no books or latency) of the same parameters, and prints both times, the ratio
(event time / vectorized time: above 1 means the vectorized path is faster) and both final
equities (they differ: the fill models differ). Compilation is warmed up first.

    python benchmarks/bench_momentum_signals.py [--days 10] [--markets 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

PARAMS = {"fast": 10, "slow": 120, "threshold": 0.1}


def event_run(data):
    from alpha_arena.backtest import backtest

    return backtest("momentum", data, params=PARAMS, seed=0)


def vector_run(data):
    from alpha_arena.sim.vectorized import simulate_signals
    from alpha_arena.strategy import create_strategy

    return simulate_signals(create_strategy("momentum", **PARAMS), data)


def best_time(fn, data, repeat):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(data)
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    from alpha_arena.data.sample import load_sample

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=10.0)
    parser.add_argument("--markets", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sample = load_sample(days=args.days)
    data = sample.select(list(sample.markets.index[: args.markets]))
    warm = data.window(data.times[0], data.times[min(300, data.n_times - 1)])
    event_run(warm)
    vector_run(warm)
    t_event, result = best_time(event_run, data, args.repeat)
    t_vector, run = best_time(vector_run, data, args.repeat)
    orders = int(result.stats["orders"])
    print(
        f"sample: {data.n_times:,} rows x {data.n_tokens} tokens ({data.n_markets} markets), "
        f"momentum {PARAMS}, best of {args.repeat}"
    )
    print(f"  event-driven backtest  {t_event:8.3f} s  ({orders} orders)")
    print(f"  vectorized signals()   {t_vector:8.3f} s  ({int(run.trades.sum())} trades)")
    print(f"  ratio {t_event / t_vector:,.0f}x")
    print(
        f"  final equity: event {result.stats['end_equity']:.2f}, "
        f"vectorized {float(np.asarray(run.final_equity)):.2f} USDC"
    )


if __name__ == "__main__":
    main()
