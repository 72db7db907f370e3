"""Moving averages and MACD: numba kernels in a 1-D form and a 2-D (time × markets) form.

Every `*_1d(x, ..., out)` takes a contiguous float64 series and every `*_2d(x, ..., out)`
a (time, markets) matrix whose markets are computed in parallel (`prange`); pass it
Fortran-ordered (each market contiguous, as the fronts do) or each market is read with
a stride. Kernels write into caller-allocated `out` arrays: allocate them with numpy,
whose large buffers get huge pages (numba's own allocations page-fault ~4x slower).
Warm-up rows and missing rows are NaN; a missing row is skipped.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alpha_arena.indicators._jit import kernel, parallel_kernel
from alpha_arena.indicators.rolling import SPAN, ema_block, ema_into, ema_rows, window_moments


@kernel
def sma_1d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """Simple moving average over the last `n` valid values."""
    window_moments(x, n, 0, out, None)


@kernel
def ema_1d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """Exponential moving average, alpha = 2/(n+1), seeded with the SMA of the first n."""
    ema_into(x, n, 2.0 / (n + 1.0), out)


@kernel
def wma_1d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """Linear weights 1..n, the newest weighted n; sums refreshed exactly once per n rows."""
    buf = np.empty(n)
    total_weight = 0.5 * n * (n + 1)
    pos = 0
    k = 0
    s = 0.0
    w = 0.0
    for i in range(x.size):
        v = x[i]
        if not math.isfinite(v):
            out[i] = np.nan
            continue
        if k < n:
            k += 1
            w += k * v
            s += v
        else:
            w += n * v - s
            s += v - buf[pos]
        buf[pos] = v
        pos += 1
        if pos == n:
            pos = 0
            s = 0.0
            w = 0.0
            for j in range(n):
                s += buf[j]
                w += (j + 1) * buf[j]
        out[i] = w / total_weight if k == n else np.nan


@kernel
def dema_1d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """Double EMA: 2·EMA − EMA(EMA)."""
    e1 = np.empty_like(x)
    ema_1d(x, n, e1)
    ema_1d(e1, n, out)
    for i in range(x.size):
        out[i] = 2.0 * e1[i] - out[i]


@kernel
def tema_1d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """Triple EMA: 3·(EMA − EMA²) + EMA³."""
    e1 = np.empty_like(x)
    e2 = np.empty_like(x)
    ema_1d(x, n, e1)
    ema_1d(e1, n, e2)
    ema_1d(e2, n, out)
    for i in range(x.size):
        out[i] = 3.0 * (e1[i] - e2[i]) + out[i]


@kernel
def _macd_line_span(
    rows: np.ndarray, line: np.ndarray, fast: float, slow: float, af: float, aslow: float
) -> tuple[float, float]:
    """One span of both EMAs at once (`ema_block`, four rows per step each: the two
    chains interleave) writing only their difference, the MACD line; returns the two
    averages after the span (non-finite if a row was missing)."""
    cf = 1.0 - af
    cs = 1.0 - aslow
    for b in range(rows.size // 4):
        i = 4 * b
        r0 = rows[i]
        r1 = rows[i + 1]
        r2 = rows[i + 2]
        r3 = rows[i + 3]
        f1, f2, f3, fast = ema_block(fast, af * r0, af * r1, af * r2, af * r3, cf)
        s1, s2, s3, slow = ema_block(slow, aslow * r0, aslow * r1, aslow * r2, aslow * r3, cs)
        line[i] = f1 - s1
        line[i + 1] = f2 - s2
        line[i + 2] = f3 - s3
        line[i + 3] = fast - slow
    return fast, slow


@kernel
def _macd_signal_span(
    line: np.ndarray, sig: np.ndarray, hist: np.ndarray, g: float, ag: float
) -> float:
    """One span of the signal EMA of the line and the histogram line − signal."""
    c = 1.0 - ag
    for b in range(line.size // 4):
        i = 4 * b
        l0 = line[i]
        l1 = line[i + 1]
        l2 = line[i + 2]
        l3 = line[i + 3]
        g1, g2, g3, g = ema_block(g, ag * l0, ag * l1, ag * l2, ag * l3, c)
        sig[i] = g1
        sig[i + 1] = g2
        sig[i + 2] = g3
        sig[i + 3] = g
        hist[i] = l0 - g1
        hist[i + 1] = l1 - g2
        hist[i + 2] = l2 - g3
        hist[i + 3] = l3 - g
    return g


@kernel
def macd_1d(
    x: np.ndarray,
    fast: int,
    slow: int,
    signal: int,
    line: np.ndarray,
    sig: np.ndarray,
    hist: np.ndarray,
) -> None:
    """MACD line = EMA(fast) − EMA(slow); signal = EMA(line); histogram = line − signal.

    Span by span: once both EMAs are seeded, one loop advances both and writes only the
    line, and once the signal is seeded, one loop advances it and writes the histogram,
    right after the span's line while it is in cache. Before that, and for a span with a
    missing row (and the span after it), the one-EMA loops (`ema_rows`; the slow EMA
    parks in `hist`). The line is NaN until the slow EMA is seeded, and the signal EMA,
    skipping NaN rows, seeds on the first `signal` values of the line, as TA-Lib and
    pandas-ta-classic do (fast < slow).
    """
    af = 2.0 / (fast + 1.0)
    aslow = 2.0 / (slow + 1.0)
    ag = 2.0 / (signal + 1.0)
    f_state = s_state = g_state = (0, 0.0, np.nan, False)
    line_redo = signal_redo = False
    for first in range(0, x.size // SPAN + 1):
        lo = first * SPAN
        hi = min(lo + SPAN, x.size)
        whole = hi - lo == SPAN
        done = False
        attempt = whole and not line_redo and f_state[0] >= fast and s_state[0] >= slow
        if attempt:
            ef, es = _macd_line_span(x[lo:hi], line[lo:hi], f_state[2], s_state[2], af, aslow)
            done = math.isfinite(ef) and math.isfinite(es)
            if done:
                f_state = (f_state[0], f_state[1], ef, False)
                s_state = (s_state[0], s_state[1], es, False)
        line_redo = attempt and not done
        if not done:
            f_state = ema_rows(x, lo, hi, fast, af, line, f_state, False)
            s_state = ema_rows(x, lo, hi, slow, aslow, hist, s_state, False)
            for i in range(lo, hi):
                line[i] -= hist[i]
        done = False
        attempt = whole and not signal_redo and g_state[0] >= signal
        if attempt:
            g = _macd_signal_span(line[lo:hi], sig[lo:hi], hist[lo:hi], g_state[2], ag)
            done = math.isfinite(g)
            if done:
                g_state = (g_state[0], g_state[1], g, False)
        signal_redo = attempt and not done
        if not done:
            g_state = ema_rows(line, lo, hi, signal, ag, sig, g_state, False)
            for i in range(lo, hi):
                hist[i] = line[i] - sig[i]


@parallel_kernel
def sma_2d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """`sma_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    out_t = out.T
    for j in prange(x_t.shape[0]):
        sma_1d(x_t[j], n, out_t[j])


@parallel_kernel
def ema_2d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """`ema_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    out_t = out.T
    for j in prange(x_t.shape[0]):
        ema_1d(x_t[j], n, out_t[j])


@parallel_kernel
def wma_2d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """`wma_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    out_t = out.T
    for j in prange(x_t.shape[0]):
        wma_1d(x_t[j], n, out_t[j])


@parallel_kernel
def dema_2d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """`dema_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    out_t = out.T
    for j in prange(x_t.shape[0]):
        dema_1d(x_t[j], n, out_t[j])


@parallel_kernel
def tema_2d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """`tema_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    out_t = out.T
    for j in prange(x_t.shape[0]):
        tema_1d(x_t[j], n, out_t[j])


@parallel_kernel
def macd_2d(
    x: np.ndarray,
    fast: int,
    slow: int,
    signal: int,
    line: np.ndarray,
    sig: np.ndarray,
    hist: np.ndarray,
) -> None:
    """`macd_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    line_t = line.T
    sig_t = sig.T
    hist_t = hist.T
    for j in prange(x_t.shape[0]):
        macd_1d(x_t[j], fast, slow, signal, line_t[j], sig_t[j], hist_t[j])
