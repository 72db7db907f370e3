"""Median-of-repeats speed ratios of the 1-D indicators against TA-Lib and pandas-ta-classic.

`bench_indicators.py` reports the best of a few runs; on a loaded machine a single
best time is luck. This script reports medians, measured two ways in the same run:

- back to back: each function called `--repeats` times in a row (the timeit
  convention), so each library runs in its own steady state, allocator warm;
- interleaved: one call of ours and of each peer per round, in rotating order, so a
  load spike hits all three, and whoever runs right after pandas-ta finds the memory
  it freed returned to the OS and pays the page faults of its output (~1 ms for an
  8 MB output here), which a fixed order would hand to one of them every time.

Ratios are medians of per-round ratios peer / ours (> 1: we are faster).

    python benchmarks/bench_ratios.py --points 1e6 --repeats 15
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_indicators import peers_1d  # noqa: E402

NAMES = ("ours", "talib", "pandas-ta")


def _timed(fn: Callable, x: np.ndarray, s: pd.Series) -> float:
    start = time.perf_counter()
    fn(x, s)
    return time.perf_counter() - start


def back_to_back(fns: dict, x: np.ndarray, s: pd.Series, repeats: int) -> list[dict[str, float]]:
    """`repeats` calls of each function in a row; round r holds each one's r-th call."""
    times = {name: [_timed(fns[name], x, s) for _ in range(repeats)] for name in NAMES}
    return [{name: times[name][r] for name in NAMES} for r in range(repeats)]


def interleaved(fns: dict, x: np.ndarray, s: pd.Series, repeats: int) -> list[dict[str, float]]:
    """One call of each function per round, starting with a different one each round."""
    rounds = []
    for shift in range(repeats):
        order = NAMES[shift % 3 :] + NAMES[: shift % 3]
        rounds.append({name: _timed(fns[name], x, s) for name in order})
    return rounds


def summary(rounds: list[dict[str, float]]) -> str:
    """Median ms of each function and median per-round ratio of each peer to ours."""
    med = {p: statistics.median(r[p] for r in rounds) * 1e3 for p in NAMES}
    ratio = {p: statistics.median(r[p] / r["ours"] for r in rounds) for p in NAMES[1:]}
    return (
        f"ours {med['ours']:6.2f}  talib {med['talib']:6.2f} ({ratio['talib']:5.2f}x)"
        f"  pandas-ta {med['pandas-ta']:7.1f} ({ratio['pandas-ta']:5.1f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=float, default=1e6)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    n = int(args.points)
    x = np.cumsum(np.random.default_rng(0).normal(size=n)) + 1000.0
    s = pd.Series(x)
    print(f"{n:.0e} points, medians of {args.repeats} (ms; ratio peer/ours, > 1: ours faster)")
    for name, fns in peers_1d().items():
        for fn in fns.values():
            fn(x[:1000], s[:1000])
        print(f"{name:<14} back to back  {summary(back_to_back(fns, x, s, args.repeats))}")
        print(f"{'':<14} interleaved   {summary(interleaved(fns, x, s, args.repeats))}")


if __name__ == "__main__":
    main()
