"""The speed benchmarks the closing notes quote still run, on small inputs.

They are scripts, not library code, so nothing else would notice an API change that
breaks them. Each runs in a subprocess as a user would run it; the checks are on the
shape of what it prints (every indicator and peer present, ratios positive, the
numba scan agreeing with the pure-Python one), not on speed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_script(*argv: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bench_ratios_prints_every_indicator_against_both_peers():
    out = run_script("benchmarks/bench_ratios.py", "--points", "2e4", "--repeats", "3")
    for name in ("EMA(20)", "RSI(14)", "MACD(12,26,9)", "BBANDS(20,2)"):
        assert name in out
    ratios = re.findall(r"\(\s*([0-9.]+)x\)", out)
    assert len(ratios) == 4 * 2 * 2  # 4 indicators, 2 orders, 2 peers
    assert all(float(r) > 0 for r in ratios)


def test_bench_arbitrage_scan_agrees_with_the_python_scan():
    out = run_script(
        "benchmarks/bench_arbitrage.py", "--books", "200", "--levels", "5", "--repeat", "2"
    )
    found = re.findall(r"(\d+) opportunities \((\d+) in python\)", out)
    assert len(found) == 2
    assert all(ours == python for ours, python in found)
    assert int(found[0][0]) > 0  # the deep books do hold opportunities
