"""Median-of-repeats speed ratios of the 1-D indicators against TA-Lib and pandas-ta-classic.

`bench_indicators.py` reports the best of a few runs; on a loaded machine a single
best time is luck. This script times ours and both peers interleaved (one call each
per round, in rotating order, so a load spike hits all three), `--repeats` rounds,
and prints the median time of each and the median of the per-round ratios
peer / ours (> 1: we are faster).

    python benchmarks/bench_ratios.py --points 1e6 --repeats 15
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_indicators import peers_1d  # noqa: E402


def _timed(fn, x: np.ndarray, s: pd.Series) -> float:
    start = time.perf_counter()
    fn(x, s)
    return time.perf_counter() - start


def _round(fns: dict, x: np.ndarray, s: pd.Series, shift: int) -> dict[str, float]:
    """One timed call of ours and each peer, starting with a different one each round:
    whoever runs right after pandas-ta finds the freed memory returned to the OS and
    pays the page faults of its output, so a fixed order would favour the others."""
    names = ["ours", "talib", "pandas-ta"]
    names = names[shift % 3 :] + names[: shift % 3]
    return {name: _timed(fns[name], x, s) for name in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=float, default=1e6)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    n = int(args.points)
    x = np.cumsum(np.random.default_rng(0).normal(size=n)) + 1000.0
    s = pd.Series(x)
    table = peers_1d()
    print(f"{n:.0e} points, median of {args.repeats} interleaved rounds (ms; ratio peer/ours)")
    for name, fns in table.items():
        for fn in fns.values():
            fn(x[:1000], s[:1000])
        rounds = [_round(fns, x, s, shift) for shift in range(args.repeats)]
        med = {p: statistics.median(r[p] for r in rounds) * 1e3 for p in rounds[0]}
        ratio = {
            p: statistics.median(r[p] / r["ours"] for r in rounds) for p in ("talib", "pandas-ta")
        }
        print(
            f"{name:<15}ours {med['ours']:7.2f}  talib {med['talib']:7.2f} ({ratio['talib']:5.2f}x)"
            f"  pandas-ta {med['pandas-ta']:8.1f} ({ratio['pandas-ta']:5.1f}x)"
        )


if __name__ == "__main__":
    main()
