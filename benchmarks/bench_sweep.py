"""Sweep wall time: joblib loky (2 processes) vs a 2-worker Dask LocalCluster, same grid.

Run: `python benchmarks/bench_sweep.py [--data sample] [--days 1] [--markets 20]`.
Prints the wall time of each backend and the Dask/loky ratio (no assertions: timings
depend on the machine and its load).
"""

from __future__ import annotations

import argparse
import time

import alpha_arena as aa
from alpha_arena.experiments import sweep

GRID = {"fast": [5, 15, 30, 60], "slow": [120, 240], "threshold": [0.05, 0.15]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="sample")
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--markets", type=int, default=20)
    args = parser.parse_args()
    data = aa.data.load(args.data, days=args.days)
    data = data.select(list(data.markets.index[: args.markets]))
    n = len(GRID["fast"]) * len(GRID["slow"]) * len(GRID["threshold"])
    print(f"grid: {n} momentum configurations on {data.n_markets} markets, {data.n_times} rows")

    started = time.perf_counter()
    loky = sweep("momentum", GRID, data, n_jobs=2, backend="loky")
    loky_s = time.perf_counter() - started
    print(f"loky, 2 processes:          {loky_s:7.2f} s")

    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:  # fmt: skip
        started = time.perf_counter()
        dask = sweep("momentum", GRID, data, backend="dask", address=cluster.scheduler_address)
        dask_s = time.perf_counter() - started
    print(f"dask, 2-worker LocalCluster: {dask_s:7.2f} s  (ratio dask/loky {dask_s / loky_s:.2f})")
    same = loky.frame.equals(dask.frame)
    print(f"same results: {same}; best: {loky.best_params()}")


if __name__ == "__main__":
    main()
