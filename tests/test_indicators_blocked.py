"""The span-wise fast loops (EMA, RSI, rolling moments) against plain one-row references.

The kernels walk a series in spans of `rolling.SPAN` rows and try each span with a fast
loop that checks no row (four rows per loop-carried step for the averages), redoing a
span row by row when a missing row poisoned it. These tests run straightforward Python
references (one row at a time, gaps skipped) over series long enough for many spans,
with holes (NaN and ±inf) at arbitrary offsets and flat runs, so every switch between
the fast and the general loop is exercised.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alpha_arena.indicators as ind
from alpha_arena.indicators._stream import STREAM_ROWS
from alpha_arena.indicators.rolling import SPAN

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


def moments_reference(x: np.ndarray, n: int, ddof: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the last n valid values, recomputed from scratch per row."""
    mean = np.full(x.size, np.nan)
    var = np.full(x.size, np.nan)
    seen: list[float] = []
    for i, v in enumerate(x):
        if not math.isfinite(v):
            continue
        seen.append(v)
        if len(seen) >= n:
            window = np.array(seen[-n:])
            mean[i] = window.mean()
            var[i] = window.var(ddof=ddof)
    return mean, var


@st.composite
def gappy(draw) -> np.ndarray:
    """A random walk (tick-rounded, so it has flat runs) of up to 3000 rows: several
    spans. Holes (NaN, ±inf) are few and sometimes clustered, at arbitrary offsets."""
    size = draw(st.integers(0, 3000))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = np.round(50.0 + np.cumsum(rng.normal(size=size) * rng.integers(0, 2, size)), 2)
    if size:
        holes = draw(st.lists(st.integers(0, size - 1), max_size=8))
        for hole in holes:
            width = draw(st.integers(1, 30))
            x[hole : hole + width] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    return x


@settings(deadline=None, max_examples=60)
@given(gappy(), st.integers(1, 30))
def test_ema_and_rma_blocks_match_the_one_row_recursion(x, n):
    np.testing.assert_allclose(ind.ema(x, n), ema_reference(x, n, 2.0 / (n + 1)), **TOL)
    np.testing.assert_allclose(ind.rsi(x, n), rsi_reference(x, n), **TOL)


@settings(deadline=None, max_examples=30)
@given(gappy(), st.integers(2, 15), st.integers(1, 15), st.integers(1, 12))
def test_macd_is_three_chained_recursions(x, fast, extra, signal):
    slow = fast + extra
    line = ema_reference(x, fast, 2.0 / (fast + 1)) - ema_reference(x, slow, 2.0 / (slow + 1))
    sig = ema_reference(line, signal, 2.0 / (signal + 1))
    got = ind.macd(x, fast, slow, signal)
    np.testing.assert_allclose(got.macd, line, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got.signal, sig, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got.hist, line - sig, rtol=1e-9, atol=1e-9)


@settings(deadline=None, max_examples=40)
@given(gappy(), st.integers(2, 40))
def test_rolling_moments_match_a_from_scratch_window(x, n):
    """SMA, rolling std and Bollinger Bands against the window recomputed each row;
    a flat window gives exactly its value and a zero deviation."""
    mean, var = moments_reference(x, n, 0)
    np.testing.assert_allclose(ind.sma(x, n), mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ind.stdev(x, n, ddof=0) ** 2, var, rtol=1e-9, atol=1e-9)
    bands = ind.bbands(x, n, 2.0, ddof=0)
    np.testing.assert_allclose(bands.mid, mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bands.upper - bands.mid, 2.0 * np.sqrt(var), atol=1e-6)
    flat = np.isclose(var, 0.0, atol=1e-20)
    assert np.all(bands.upper[flat] == bands.mid[flat])


@pytest.mark.parametrize("hole_every", [37, 5_000, 0])
def test_long_series_blocks_stay_on_the_recursion(hole_every):
    """10⁵ rows, holes dense (every span redone), sparse, or none: rounding never builds up."""
    x = 50.0 + np.cumsum(np.random.default_rng(3).normal(size=100_000))
    if hole_every:
        x[::hole_every] = np.nan
    np.testing.assert_allclose(ind.ema(x, 20), ema_reference(x, 20, 2.0 / 21), **TOL)
    np.testing.assert_allclose(ind.rsi(x, 14), rsi_reference(x, 14), **TOL)


def test_a_short_last_span_after_a_gap_in_its_window():
    """The last span is shorter than the window and a gap sits in the window before it:
    the fast loop never sees that gap leave, so it must not take the span."""
    n = 40
    x = 50.0 + np.cumsum(np.random.default_rng(7).normal(size=SPAN + 1))
    x[SPAN - 10] = np.nan
    mean, var = moments_reference(x, n, 0)
    np.testing.assert_allclose(ind.sma(x, n), mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ind.stdev(x, n) ** 2, var, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("hole", [np.inf, -np.inf, np.nan])
def test_a_gap_leaving_the_window_inside_a_fast_span_is_not_healed(hole):
    """An infinite value leaving the window trips the exact recomputation of the running
    sums; that must not wipe out the poison that sends the span to the general loop."""
    n = 11
    x = np.round(50.0 + np.cumsum(np.random.default_rng(8).normal(size=SPAN + 110)), 2)
    x[SPAN - 4] = hole
    mean, var = moments_reference(x, n, 0)
    np.testing.assert_allclose(ind.sma(x, n), mean, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ind.stdev(x, n) ** 2, var, rtol=1e-9, atol=1e-9)


def test_flat_windows_inside_fast_spans_are_exact():
    """Flat runs longer than the window in the middle of gap-free spans (the fast loop's
    rows, redone by its exact pass): exactly the value, a zero deviation, %b NaN."""
    n = 20
    x = 0.5 + 0.01 * np.cumsum(np.random.default_rng(11).normal(size=4 * SPAN))
    flats = [(SPAN + 100, 0.7), (2 * SPAN + 3, 0.1), (3 * SPAN - 10, 0.3)]
    for start, value in flats:
        x[start : start + n + 30] = value
    flat = np.zeros(x.size, dtype=bool)
    for start, _ in flats:
        flat[start + n - 1 : start + n + 30] = True
    mean, _ = moments_reference(x, n, 0)
    sma = ind.sma(x, n)
    assert np.array_equal(sma[flat], x[flat])
    np.testing.assert_allclose(sma, mean, rtol=1e-12, atol=1e-12)
    assert np.all(ind.stdev(x, n, ddof=0)[flat] == 0.0)
    bands = ind.bbands(x, n, 2.0, ddof=0)
    assert np.all(bands.upper[flat] == bands.mid[flat])
    assert np.all(np.isnan(bands.percent_b[flat]))
    assert not np.any(np.isnan(bands.percent_b[n - 1 :][~flat[n - 1 :]]))


def test_a_quiet_window_after_a_large_swing_keeps_its_precision():
    """A huge swing passes through the window and leaves a quiet one behind: the running
    sums' rounding from the swing would swamp the quiet window's variance, so those
    rows are recomputed exactly (relative error within 1e-9)."""
    n = 20
    rng = np.random.default_rng(12)
    x = 1e6 + 1e-3 * np.cumsum(rng.normal(size=3 * SPAN))
    x[SPAN + 50 : SPAN + 60] += 1e5 * rng.normal(size=10)
    _, var = moments_reference(x, n, 1)
    got = ind.stdev(x, n, ddof=1) ** 2
    np.testing.assert_allclose(got[n - 1 :], var[n - 1 :], rtol=1e-9, atol=0.0)


def test_an_output_too_large_for_the_cache_is_streamed_unchanged():
    """Above `STREAM_ROWS` the EMA writes around the cache: the same values as the
    cached path (an EMA's prefix is the EMA of the prefix) and as the recursion after it,
    holes included."""
    m = STREAM_ROWS - 1
    x = 50.0 + np.cumsum(np.random.default_rng(13).normal(size=STREAM_ROWS + 3 * SPAN))
    x[m + 700] = np.nan
    got = ind.ema(x, 20)
    whole_spans = m // SPAN * SPAN  # the prefix's short last span runs row by row
    np.testing.assert_array_equal(got[:whole_spans], ind.ema(x[:m], 20)[:whole_spans])
    tail = ema_reference(np.concatenate(([got[m - 1]] * 20, x[m:])), 20, 2.0 / 21)[20:]
    np.testing.assert_allclose(got[m:], tail, **TOL)
