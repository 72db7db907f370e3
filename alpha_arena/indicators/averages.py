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
from alpha_arena.indicators.rolling import ema_into, window_moments


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

    Three `ema_into` passes (the slow EMA parks in `hist`): the line is NaN until the
    slow EMA is seeded, and the signal EMA, skipping NaN rows, seeds on the first
    `signal` values of the line, as TA-Lib and pandas-ta-classic do (fast < slow).
    """
    ema_into(x, fast, 2.0 / (fast + 1.0), line)
    ema_into(x, slow, 2.0 / (slow + 1.0), hist)
    for i in range(x.size):
        line[i] -= hist[i]
    ema_into(line, signal, 2.0 / (signal + 1.0), sig)
    for i in range(x.size):
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
