"""Dispersion indicators: rolling std, z-score, Bollinger Bands, ATR, realized volatility.

Kernels come as `*_1d` (a contiguous float64 series) and `*_2d` (a (time, markets)
matrix, markets in parallel; fastest Fortran-ordered). Missing rows are skipped and
give NaN; see rolling.py.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alpha_arena.indicators._jit import kernel, parallel_kernel
from alpha_arena.indicators.rolling import ema_into, window_moments


@kernel
def _stdev(x: np.ndarray, n: int, ddof: int, out: np.ndarray) -> None:
    mean = np.empty_like(x)
    window_moments(x, n, ddof, mean, out, True)
    for i in range(x.size):
        out[i] = math.sqrt(out[i])


@kernel
def _zscore(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """(x − SMA)/std (ddof 1); a flat window (std 0) gives NaN, not ±inf."""
    mean = np.empty_like(x)
    window_moments(x, n, 1, mean, out, True)
    for i in range(x.size):
        sd = math.sqrt(out[i])
        out[i] = (x[i] - mean[i]) / sd if sd > 0.0 else np.nan


@kernel
def _bbands(
    x: np.ndarray,
    n: int,
    width: float,
    ddof: int,
    lower: np.ndarray,
    mid: np.ndarray,
    upper: np.ndarray,
    bandwidth: np.ndarray,
    percent: np.ndarray,
) -> None:
    """mid = SMA, bands = mid ± width·std, bandwidth = 100·(upper − lower)/mid,
    %b = (x − lower)/(upper − lower); %b is NaN when the bands have zero width."""
    window_moments(x, n, ddof, mid, percent, True)
    for i in range(x.size):
        dev = width * math.sqrt(percent[i])
        lower[i] = mid[i] - dev
        upper[i] = mid[i] + dev
        span = upper[i] - lower[i]
        bandwidth[i] = 100.0 * span / mid[i]
        percent[i] = (x[i] - lower[i]) / span if span > 0.0 else np.nan


@kernel
def _atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int, out: np.ndarray) -> None:
    """Wilder-smoothed true range; the first valid bar has no previous close (no TR)."""
    tr = np.empty_like(close)
    prev = np.nan
    for i in range(close.size):
        h = high[i]
        lo = low[i]
        c = close[i]
        if not (math.isfinite(h) and math.isfinite(lo) and math.isfinite(c)):
            tr[i] = np.nan
            continue
        tr[i] = max(h - lo, abs(h - prev), abs(lo - prev)) if prev == prev else np.nan
        prev = c
    ema_into(tr, n, 1.0 / n, out)


@kernel
def _realized_vol(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """sqrt(Σ r²) of the last n log returns r = log(x / previous valid x)."""
    sq = np.empty_like(x)
    prev = np.nan
    for i in range(x.size):
        v = x[i]
        if not math.isfinite(v):
            sq[i] = np.nan
            continue
        r = math.log(v / prev) if prev == prev else np.nan
        sq[i] = r * r
        prev = v
    window_moments(sq, n, 0, out, out, False)
    for i in range(x.size):
        out[i] = math.sqrt(n * out[i])


@kernel
def stdev_1d(x: np.ndarray, length: int, ddof: int) -> np.ndarray:
    """Rolling standard deviation over `length` valid values with `ddof`."""
    out = np.empty_like(x)
    _stdev(x, length, ddof, out)
    return out


@parallel_kernel
def stdev_2d(x: np.ndarray, length: int, ddof: int) -> np.ndarray:
    """`stdev_1d` of every column (market) of a (time, markets) matrix."""
    xt = x.T
    out = np.empty_like(xt)
    for j in prange(xt.shape[0]):
        _stdev(xt[j], length, ddof, out[j])
    return out.T


@kernel
def zscore_1d(x: np.ndarray, length: int) -> np.ndarray:
    """Rolling z-score (x − mean)/std with the sample std (ddof 1)."""
    out = np.empty_like(x)
    _zscore(x, length, out)
    return out


@parallel_kernel
def zscore_2d(x: np.ndarray, length: int) -> np.ndarray:
    """`zscore_1d` of every column (market) of a (time, markets) matrix."""
    xt = x.T
    out = np.empty_like(xt)
    for j in prange(xt.shape[0]):
        _zscore(xt[j], length, out[j])
    return out.T


@kernel
def bbands_1d(
    x: np.ndarray, length: int, width: float, ddof: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lower, mid, upper, bandwidth, %b) Bollinger Bands."""
    outs = np.empty((5, x.size))
    _bbands(x, length, width, ddof, outs[0], outs[1], outs[2], outs[3], outs[4])
    return outs[0], outs[1], outs[2], outs[3], outs[4]


@parallel_kernel
def bbands_2d(
    x: np.ndarray, length: int, width: float, ddof: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`bbands_1d` of every column (market) of a (time, markets) matrix."""
    xt = x.T
    o = np.empty((5, xt.shape[0], xt.shape[1]))
    for j in prange(xt.shape[0]):
        _bbands(xt[j], length, width, ddof, o[0, j], o[1, j], o[2, j], o[3, j], o[4, j])
    return o[0].T, o[1].T, o[2].T, o[3].T, o[4].T


@kernel
def atr_1d(high: np.ndarray, low: np.ndarray, close: np.ndarray, length: int) -> np.ndarray:
    """Average true range (Wilder smoothing) from high/low/close bars."""
    out = np.empty_like(close)
    _atr(high, low, close, length, out)
    return out


@parallel_kernel
def atr_2d(high: np.ndarray, low: np.ndarray, close: np.ndarray, length: int) -> np.ndarray:
    """`atr_1d` of every column (market) of (time, markets) matrices."""
    ht, lt, ct = high.T, low.T, close.T
    out = np.empty_like(ct)
    for j in prange(ct.shape[0]):
        _atr(ht[j], lt[j], ct[j], length, out[j])
    return out.T


@kernel
def realized_vol_1d(x: np.ndarray, length: int) -> np.ndarray:
    """Realized volatility sqrt(Σ r²) over the last `length` log returns (not annualized)."""
    out = np.empty_like(x)
    _realized_vol(x, length, out)
    return out


@parallel_kernel
def realized_vol_2d(x: np.ndarray, length: int) -> np.ndarray:
    """`realized_vol_1d` of every column (market) of a (time, markets) matrix."""
    xt = x.T
    out = np.empty_like(xt)
    for j in prange(xt.shape[0]):
        _realized_vol(xt[j], length, out[j])
    return out.T
