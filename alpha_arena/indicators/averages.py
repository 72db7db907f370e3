"""Moving averages and MACD: numba kernels in a 1-D form and a 2-D (time × markets) form.

Every `*_1d(x, ...)` takes a contiguous float64 series and every `*_2d(x, ...)` a
(time, markets) matrix whose markets are computed in parallel (`prange`); pass it
Fortran-ordered (each market contiguous, as the fronts do) or each market is read with
a stride. Warm-up rows and missing rows are NaN; a missing row is skipped.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alpha_arena.indicators._jit import kernel, parallel_kernel
from alpha_arena.indicators.rolling import ema_into, ema_step, window_moments


@kernel
def _sma(x: np.ndarray, n: int, out: np.ndarray) -> None:
    window_moments(x, n, 0, out, out, False)


@kernel
def _ema(x: np.ndarray, n: int, out: np.ndarray) -> None:
    ema_into(x, n, 2.0 / (n + 1.0), out)


@kernel
def _wma(x: np.ndarray, n: int, out: np.ndarray) -> None:
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
def _dema(x: np.ndarray, n: int, out: np.ndarray) -> None:
    e1 = np.empty_like(x)
    _ema(x, n, e1)
    _ema(e1, n, out)
    for i in range(x.size):
        out[i] = 2.0 * e1[i] - out[i]


@kernel
def _tema(x: np.ndarray, n: int, out: np.ndarray) -> None:
    e1 = np.empty_like(x)
    e2 = np.empty_like(x)
    _ema(x, n, e1)
    _ema(e1, n, e2)
    _ema(e2, n, out)
    for i in range(x.size):
        out[i] = 3.0 * (e1[i] - e2[i]) + out[i]


@kernel
def _macd(
    x: np.ndarray,
    fast: int,
    slow: int,
    signal: int,
    line: np.ndarray,
    sig: np.ndarray,
    hist: np.ndarray,
) -> None:
    """MACD line = EMA(fast) − EMA(slow); signal = EMA(line); histogram = line − signal.

    One pass with the three EMA states side by side (same numbers as chaining `_ema`).
    """
    af, as_, ag = 2.0 / (fast + 1.0), 2.0 / (slow + 1.0), 2.0 / (signal + 1.0)
    kf, ks, kg = 0, 0, 0
    sf, ss, sg = 0.0, 0.0, 0.0
    ef, es, eg = np.nan, np.nan, np.nan
    for i in range(x.size):
        v = x[i]
        if not math.isfinite(v):
            line[i] = np.nan
            sig[i] = np.nan
            hist[i] = np.nan
            continue
        kf, sf, ef = ema_step(v, fast, af, kf, sf, ef)
        ks, ss, es = ema_step(v, slow, as_, ks, ss, es)
        if ks < slow:
            line[i] = np.nan
            sig[i] = np.nan
            hist[i] = np.nan
            continue
        m = ef - es
        kg, sg, eg = ema_step(m, signal, ag, kg, sg, eg)
        line[i] = m
        sig[i] = eg
        hist[i] = m - eg


@kernel
def sma_1d(x: np.ndarray, length: int) -> np.ndarray:
    """Simple moving average over the last `length` valid values."""
    out = np.empty_like(x)
    _sma(x, length, out)
    return out


@parallel_kernel
def sma_2d(x: np.ndarray, length: int) -> np.ndarray:
    """`sma_1d` of every column (market) of a (time, markets) matrix."""
    xt = x.T
    out = np.empty_like(xt)
    for j in prange(xt.shape[0]):
        _sma(xt[j], length, out[j])
    return out.T


@kernel
def ema_1d(x: np.ndarray, length: int) -> np.ndarray:
    """Exponential moving average, alpha = 2/(length+1), seeded with the first SMA."""
    out = np.empty_like(x)
    _ema(x, length, out)
    return out


@parallel_kernel
def ema_2d(x: np.ndarray, length: int) -> np.ndarray:
    """`ema_1d` of every column (market) of a (time, markets) matrix."""
    xt = x.T
    out = np.empty_like(xt)
    for j in prange(xt.shape[0]):
        _ema(xt[j], length, out[j])
    return out.T


@kernel
def wma_1d(x: np.ndarray, length: int) -> np.ndarray:
    """Linearly weighted moving average (newest value weighted `length`)."""
    out = np.empty_like(x)
    _wma(x, length, out)
    return out


@parallel_kernel
def wma_2d(x: np.ndarray, length: int) -> np.ndarray:
    """`wma_1d` of every column (market) of a (time, markets) matrix."""
    xt = x.T
    out = np.empty_like(xt)
    for j in prange(xt.shape[0]):
        _wma(xt[j], length, out[j])
    return out.T


@kernel
def dema_1d(x: np.ndarray, length: int) -> np.ndarray:
    """Double EMA: 2·EMA − EMA(EMA)."""
    out = np.empty_like(x)
    _dema(x, length, out)
    return out


@parallel_kernel
def dema_2d(x: np.ndarray, length: int) -> np.ndarray:
    """`dema_1d` of every column (market) of a (time, markets) matrix."""
    xt = x.T
    out = np.empty_like(xt)
    for j in prange(xt.shape[0]):
        _dema(xt[j], length, out[j])
    return out.T


@kernel
def tema_1d(x: np.ndarray, length: int) -> np.ndarray:
    """Triple EMA: 3·(EMA − EMA²) + EMA³."""
    out = np.empty_like(x)
    _tema(x, length, out)
    return out


@parallel_kernel
def tema_2d(x: np.ndarray, length: int) -> np.ndarray:
    """`tema_1d` of every column (market) of a (time, markets) matrix."""
    xt = x.T
    out = np.empty_like(xt)
    for j in prange(xt.shape[0]):
        _tema(xt[j], length, out[j])
    return out.T


@kernel
def macd_1d(
    x: np.ndarray, fast: int, slow: int, signal: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(MACD line, signal line, histogram)."""
    line = np.empty_like(x)
    sig = np.empty_like(x)
    hist = np.empty_like(x)
    _macd(x, fast, slow, signal, line, sig, hist)
    return line, sig, hist


@parallel_kernel
def macd_2d(
    x: np.ndarray, fast: int, slow: int, signal: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`macd_1d` of every column (market) of a (time, markets) matrix."""
    xt = x.T
    line = np.empty_like(xt)
    sig = np.empty_like(xt)
    hist = np.empty_like(xt)
    for j in prange(xt.shape[0]):
        _macd(xt[j], fast, slow, signal, line[j], sig[j], hist[j])
    return line.T, sig.T, hist.T
