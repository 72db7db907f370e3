"""Indicator speed against TA-Lib, pandas-ta-classic and vectorbt, measured in one run.

Prints, per indicator and size, our time and each peer's time with the ratio
peer_time / our_time (> 1: we are faster). Then the 2-D form (time × markets, parallel
over markets) against looping the 1-D peer over the markets, and numba compile time
cold (empty cache) versus cached, each in a fresh interpreter.

    python benchmarks/bench_indicators.py           # 1e6 and 1e7 points, 1000 × 10 000
    python benchmarks/bench_indicators.py --quick   # 1e5 points, 100 × 10 000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import alpha_arena.indicators as ind  # noqa: E402


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Fastest of `repeat` timed calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peers_1d() -> dict[str, dict[str, Callable]]:
    import pandas_ta_classic as ta
    import talib
    import vectorbt as vbt

    return {
        "EMA(20)": {
            "ours": lambda x, s: ind.ema(x, 20),
            "talib": lambda x, s: talib.EMA(x, 20),
            "pandas-ta": lambda x, s: ta.ema(s, 20),
            "vectorbt": lambda x, s: vbt.MA.run(x, 20, ewm=True).ma,
        },
        "RSI(14)": {
            "ours": lambda x, s: ind.rsi(x, 14),
            "talib": lambda x, s: talib.RSI(x, 14),
            "pandas-ta": lambda x, s: ta.rsi(s, 14),
            "vectorbt": lambda x, s: vbt.RSI.run(x, 14).rsi,
        },
        "MACD(12,26,9)": {
            "ours": lambda x, s: ind.macd(x, 12, 26, 9),
            "talib": lambda x, s: talib.MACD(x, 12, 26, 9),
            "pandas-ta": lambda x, s: ta.macd(s, 12, 26, 9),
            "vectorbt": lambda x, s: vbt.MACD.run(x, 12, 26, 9).hist,
        },
        "BBANDS(20,2)": {
            "ours": lambda x, s: ind.bbands(x, 20, 2.0),
            "talib": lambda x, s: talib.BBANDS(x, 20, 2.0, 2.0),
            "pandas-ta": lambda x, s: ta.bbands(s, 20, 2.0),
            "vectorbt": lambda x, s: vbt.BBANDS.run(x, 20, alpha=2.0).upper,
        },
    }


def bench_1d(sizes: list[int]) -> None:
    print("\n1-D: time per call (best of runs); ratio = peer time / our time")
    print(f"{'indicator':<15}{'points':>10}{'ours ms':>10}  peers (ms, ratio)")
    rng = np.random.default_rng(0)
    table = peers_1d()
    warm = np.cumsum(rng.normal(size=1000)) + 100
    for fns in table.values():  # compile ours and vectorbt's kernels outside the timings
        for fn in fns.values():
            fn(warm, pd.Series(warm))
    for n in sizes:
        x = np.cumsum(rng.normal(size=n)) + 1000.0
        s = pd.Series(x)
        for name, fns in table.items():
            ours = best_of(lambda fns=fns, x=x, s=s: fns["ours"](x, s), 5)
            cells = []
            for peer in ("talib", "pandas-ta", "vectorbt"):
                runs = 1 if peer == "pandas-ta" and n >= 10_000_000 else 3
                t = best_of(lambda peer=peer, fns=fns, x=x, s=s: fns[peer](x, s), runs)
                cells.append(f"{peer} {t * 1e3:9.1f} ({t / ours:6.1f}x)")
            print(f"{name:<15}{n:>10.0e}{ours * 1e3:>10.2f}  " + "  ".join(cells))


def bench_2d(markets: int, steps: int) -> None:
    """The 2-D form on a (steps, markets) panel against looping the 1-D peer per market.

    The panel is column-major (each market contiguous, as a pandas DataFrame stores
    it), so the loops read contiguous columns too; the last column times our 2-D form
    on the same panel in C order, which adds one transposing copy.
    """
    import talib

    print(f"\n2-D: {steps} steps x {markets} markets (numba threads: {_threads()})")
    print(
        f"{'indicator':<15}{'2-D ms':>9}{'TA-Lib loop':>13}{'ratio':>8}"
        f"{'our 1-D loop':>14}{'ratio':>8}{'2-D, C-order in':>17}"
    )
    rng = np.random.default_rng(1)
    x = np.asfortranarray(np.cumsum(rng.normal(size=(steps, markets)), axis=0) + 1000.0)
    x_c = np.ascontiguousarray(x)
    cases = {
        "EMA(20)": (lambda a: ind.ema(a, 20), lambda c: talib.EMA(c, 20)),
        "RSI(14)": (lambda a: ind.rsi(a, 14), lambda c: talib.RSI(c, 14)),
        "MACD(12,26,9)": (lambda a: ind.macd(a, 12, 26, 9), lambda c: talib.MACD(c, 12, 26, 9)),
        "BBANDS(20,2)": (
            lambda a: ind.bbands(a, 20, 2.0),
            lambda c: talib.BBANDS(c, 20, 2.0, 2.0),
        ),
    }
    for name, (ours_fn, peer) in cases.items():
        ours_fn(x[:50])
        ours = best_of(lambda f=ours_fn: f(x), 3)
        ours_c = best_of(lambda f=ours_fn: f(x_c), 3)
        loop_peer = best_of(lambda f=peer: [f(x[:, j]) for j in range(markets)], 2)
        loop_ours = best_of(lambda f=ours_fn: [f(x[:, j]) for j in range(markets)], 2)
        print(
            f"{name:<15}{ours * 1e3:>9.1f}{loop_peer * 1e3:>13.1f}{loop_peer / ours:>7.2f}x"
            f"{loop_ours * 1e3:>14.1f}{loop_ours / ours:>7.2f}x{ours_c * 1e3:>17.1f}"
        )


def _threads() -> int:
    import numba

    return numba.get_num_threads()


_COMPILE_SNIPPET = """
import time
start = time.perf_counter()
import numpy as np
import alpha_arena.indicators as ind
x = np.random.rand(500)
m = np.random.rand(500, 4)
for data in (x, m):
    ind.ema(data, 20); ind.rsi(data, 14); ind.macd(data); ind.bbands(data, 20)
print(time.perf_counter() - start)
"""


def bench_compile() -> None:
    print("\nnumba compile: import + first calls of EMA/RSI/MACD/BBANDS, 1-D and 2-D forms")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
        for label in ("cold (empty cache)", "cached"):
            out = subprocess.run(
                [sys.executable, "-c", _COMPILE_SNIPPET],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            print(f"  {label:<20}{float(out.stdout.strip()):8.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    if args.quick:
        bench_1d([100_000])
        bench_2d(markets=100, steps=10_000)
    else:
        bench_1d([1_000_000, 10_000_000])
        bench_2d(markets=1000, steps=10_000)
    bench_compile()


if __name__ == "__main__":
    main()
