"""Benchmark: complement scan throughput on 10 000 books x 20 levels, vs plain Python.

The numba kernel walks 5 000 YES/NO pairs (10 000 books) on their asks (buy) and their bids
(mint and sell) once per repeat. The peer is the very same code run by the Python
interpreter (`NUMBA_DISABLE_JIT=1`, in a child process) on the same books. Compile time is
measured separately in a child with an empty numba cache. Two book shapes: `deep`, where
most pairs are arbitrage and the walk goes many levels down, and `quiet`, a typical market
with a spread, where every walk stops at the first level.

    python benchmarks/bench_arbitrage.py [--books 10000] [--levels 20] [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def make_books(n_books: int, levels: int, shape: str, seed: int = 7):
    """(n_books, levels) bid/ask arrays, YES in even rows and NO in odd rows."""
    rng = np.random.default_rng(seed)
    pairs = n_books // 2
    yes = rng.uniform(0.05, 0.95, pairs)
    gap = rng.uniform(-0.04, 0.01, pairs) if shape == "deep" else np.full(pairs, 0.02)
    mid = np.empty(n_books)
    mid[0::2], mid[1::2] = yes, 1.0 - yes
    steps = 0.001 * np.arange(levels) if shape == "deep" else 0.01 * np.arange(levels)
    ask_px = np.empty((n_books, levels))
    ask_px[0::2] = np.round(mid[0::2, None] + gap[:, None] / 2 + steps, 3)
    ask_px[1::2] = np.round(mid[1::2, None] + gap[:, None] / 2 + steps, 3)
    bid_px = np.round(mid[:, None] - 0.01 - steps, 3)
    for px in (ask_px, bid_px):
        px[(px <= 0.0) | (px >= 1.0)] = np.nan
    ask_sz = np.where(np.isnan(ask_px), 0.0, rng.integers(5, 500, ask_px.shape).astype(float))
    bid_sz = np.where(np.isnan(bid_px), 0.0, rng.integers(5, 500, bid_px.shape).astype(float))
    return bid_px, bid_sz, ask_px, ask_sz


def legs(n_books: int):
    """CSR legs of the complement baskets: rows (2i, 2i + 1), politics fee rate 0.04."""
    rows = np.arange(n_books, dtype=np.int64)
    rates = np.full(n_books, 0.04)
    venues = np.zeros(n_books, dtype=np.int64)
    starts = np.arange(0, n_books + 1, 2, dtype=np.int64)
    return rows, rates, venues, starts


def run_scans(books, repeat: int) -> tuple[float, float, int]:
    """(first call s, best of `repeat` s for buy + sell, opportunities found)."""
    from alpha_arena.arbitrage.kernels import BUY, SELL, scan_baskets

    bid_px, bid_sz, ask_px, ask_sz = books
    rows, rates, venues, starts = legs(bid_px.shape[0])

    def once() -> int:
        buy = scan_baskets(ask_px, ask_sz, rows, rates, venues, starts, BUY, 0.0)
        sell = scan_baskets(bid_px, bid_sz, rows, rates, venues, starts, SELL, 0.0)
        return int((buy[1] > 0).sum() + (sell[1] > 0).sum())

    t0 = time.perf_counter()
    found = once()
    first = time.perf_counter() - t0
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        once()
        best = min(best, time.perf_counter() - t0)
    return first, best, found


def child(args: argparse.Namespace) -> None:
    """Run in a child process: print one JSON line of timings for each book shape."""
    out = {}
    for shape in ("deep", "quiet"):
        first, best, found = run_scans(make_books(args.books, args.levels, shape), args.repeat)
        out[shape] = {"first": first, "best": best, "found": found}
    print(json.dumps(out))


def spawn(args: argparse.Namespace, env: dict[str, str], repeat: int) -> dict:
    cmd = [sys.executable, __file__, "--child", "--books", str(args.books)]
    cmd += ["--levels", str(args.levels), "--repeat", str(repeat)]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root, **env}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=10_000)
    parser.add_argument("--levels", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory() as cache:
        cold = spawn(args, {"NUMBA_CACHE_DIR": cache}, 1)
    python = spawn(args, {"NUMBA_DISABLE_JIT": "1"}, 1)
    print(f"complement scan (buy asks + mint-and-sell bids), {args.books} books x {args.levels}")
    print(f"numba compile (empty cache, first call): {cold['deep']['first']:.2f} s")
    for shape in ("deep", "quiet"):
        first, best, found = run_scans(make_books(args.books, args.levels, shape), args.repeat)
        slow = python[shape]["best"]
        print(
            f"{shape:5s}: numba {best * 1e3:7.2f} ms (first call {first * 1e3:.1f} ms, cached), "
            f"python {slow * 1e3:9.1f} ms, ratio {slow / best:7.1f}x, "
            f"{found} opportunities ({python[shape]['found']} in python)"
        )


if __name__ == "__main__":
    main()
