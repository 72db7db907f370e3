"""The block-unrolled EMA loop (and RSI) against the plain one-row recursion.

`rolling.ema_into` (EMA, and Wilder's RMA inside ATR) advances its average four valid
rows per loop-carried multiply-add; these tests run a straightforward Python recursion
(one row at a time, gaps skipped) over series where blocks are broken by NaNs at every
offset, so the switch between the block path and the one-row path is exercised
everywhere. RSI, whose kernel keeps the one-row loop (blocking it measured slower),
is held to the same recursion as a guard for a future attempt.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import alpha_arena.indicators as ind

TOL = {"rtol": 1e-12, "atol": 1e-12}


def ema_reference(x: np.ndarray, n: int, alpha: float) -> np.ndarray:
    """EMA seeded with the mean of the first n valid values, one row at a time."""
    out = np.full(x.size, np.nan)
    seen: list[float] = []
    e = math.nan
    for i, v in enumerate(x):
        if not math.isfinite(v):
            continue
        if len(seen) < n:
            seen.append(v)
            if len(seen) == n:
                e = sum(seen) / n
        else:
            e = (1.0 - alpha) * e + alpha * v
        out[i] = e
    return out


def rsi_reference(x: np.ndarray, n: int) -> np.ndarray:
    """Wilder's RSI from the valid rows, one row at a time (NaN when nothing moved)."""
    out = np.full(x.size, np.nan)
    prev = math.nan
    ups: list[float] = []
    downs: list[float] = []
    gain = loss = 0.0
    for i, v in enumerate(x):
        if not math.isfinite(v):
            continue
        if math.isnan(prev):
            prev = v
            continue
        d, prev = v - prev, v
        up, down = max(d, 0.0), max(-d, 0.0)
        if len(ups) < n:
            ups.append(up)
            downs.append(down)
            if len(ups) < n:
                continue
            gain, loss = sum(ups) / n, sum(downs) / n
        else:
            gain = (1.0 - 1.0 / n) * gain + up / n
            loss = (1.0 - 1.0 / n) * loss + down / n
        out[i] = 100.0 * gain / (gain + loss) if gain + loss > 0 else math.nan
    return out


@st.composite
def gappy(draw) -> np.ndarray:
    """A random walk of up to 600 rows with NaN holes at arbitrary offsets."""
    size = draw(st.integers(0, 600))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = 50.0 + np.cumsum(rng.normal(size=size))
    holes = draw(st.lists(st.integers(0, max(size - 1, 0)), max_size=40)) if size else []
    x[holes] = np.nan
    return x


@settings(deadline=None, max_examples=60)
@given(gappy(), st.integers(1, 30))
def test_ema_and_rma_blocks_match_the_one_row_recursion(x, n):
    np.testing.assert_allclose(ind.ema(x, n), ema_reference(x, n, 2.0 / (n + 1)), **TOL)
    np.testing.assert_allclose(ind.rsi(x, n), rsi_reference(x, n), **TOL)


def test_long_series_blocks_stay_on_the_recursion():
    """10⁵ rows with a hole every ~37 rows: block rounding never builds up."""
    x = 50.0 + np.cumsum(np.random.default_rng(3).normal(size=100_000))
    x[::37] = np.nan
    np.testing.assert_allclose(ind.ema(x, 20), ema_reference(x, 20, 2.0 / 21), **TOL)
    np.testing.assert_allclose(ind.rsi(x, 14), rsi_reference(x, 14), **TOL)
