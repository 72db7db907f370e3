"""Sample budget and bars speed: first build, later load (wall time + peak RSS), bars vs pandas.

Run: `python benchmarks/bench_sample.py`. Build and load run in fresh subprocesses (as a
user would) against a temporary cache; bars are timed against pandas `resample().ohlc`
on the same one-hour bars of the loaded sample's price panel (after one warm-up call).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = (
    "import resource, time; t = time.perf_counter(); {code}; "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6)"
)


def run(code: str, cache: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (GB) of `code` in a fresh interpreter."""
    env = {**os.environ, "ALPHA_ARENA_CACHE": cache, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=code)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    seconds, peak = out.stdout.split()[-2:]
    return float(seconds), float(peak)


def main() -> None:
    import pandas as pd

    import alpha_arena as aa

    with tempfile.TemporaryDirectory() as cache:
        build = run("from alpha_arena.data.sample import ensure_sample; ensure_sample()", cache)
        print(f"sample first build: {build[0]:.1f} s, peak RSS {build[1]:.2f} GB")
        size = sum(p.stat().st_size for p in Path(cache).rglob("*") if p.is_file())
        print(f"sample on disk: {size / 1e6:.0f} MB")
        load = run("import alpha_arena as aa; print(aa.data.load('sample'))", cache)
        print(
            f"sample later load (import + load + print): {load[0]:.1f} s, peak RSS {load[1]:.2f} GB"
        )
        os.environ["ALPHA_ARENA_CACHE"] = cache
        ds = aa.data.load("sample", books=False, trades=False)
        start = time.perf_counter()
        aa.data.bars(ds, 3600)
        t_first = time.perf_counter() - start
        start = time.perf_counter()
        ours = aa.data.bars(ds, 3600)
        t_ours = time.perf_counter() - start
        frame = ds.prices_frame()
        start = time.perf_counter()
        resampled = frame.resample("1h")
        peer = pd.concat(
            [resampled.first(), resampled.max(), resampled.min(), resampled.last()], axis=1
        )
        t_peer = time.perf_counter() - start
        assert peer.shape[0] == ours.times.size
        print(
            f"bars 1h over {ds.n_times} x {ds.n_tokens}: alpha-arena {t_ours * 1e3:.0f} ms, "
            f"pandas resample {t_peer * 1e3:.0f} ms, ratio {t_peer / t_ours:.1f}x "
            f"(first call, loading the numba cache: {t_first * 1e3:.0f} ms)"
        )


if __name__ == "__main__":
    main()
