"""Dispersion indicators: rolling std, z-score, Bollinger Bands, ATR, realized volatility.

Kernels come as `*_1d` (a contiguous float64 series) and `*_2d` (a (time, markets)
matrix, markets in parallel; fastest Fortran-ordered), writing into caller-allocated
`out` arrays (see averages.py). Missing rows are skipped and give NaN; see rolling.py.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alpha_arena.indicators._jit import kernel, parallel_kernel
from alpha_arena.indicators.rolling import ema_into, window_moments


@kernel
def stdev_1d(x: np.ndarray, n: int, ddof: int, out: np.ndarray) -> None:
    """Rolling standard deviation over `n` valid values with `ddof`."""
    mean = np.empty_like(x)
    window_moments(x, n, ddof, mean, out, True)


@kernel
def zscore_1d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """(x − SMA)/std (ddof 1); a flat window (std 0) gives NaN, not ±inf."""
    mean = np.empty_like(x)
    window_moments(x, n, 1, mean, out, True)
    for i in range(x.size):
        sd = out[i]
        out[i] = (x[i] - mean[i]) / sd if sd > 0.0 else np.nan


@kernel
def bbands_1d(
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
    window_moments(x, n, ddof, mid, percent, True, (width, lower, upper, bandwidth))


@kernel
def atr_1d(high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int, out: np.ndarray) -> None:
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
def realized_vol_1d(x: np.ndarray, n: int, out: np.ndarray) -> None:
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
    window_moments(sq, n, 0, out, None)
    for i in range(x.size):
        out[i] = math.sqrt(n * out[i])


@parallel_kernel
def stdev_2d(x: np.ndarray, n: int, ddof: int, out: np.ndarray) -> None:
    """`stdev_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    out_t = out.T
    for j in prange(x_t.shape[0]):
        stdev_1d(x_t[j], n, ddof, out_t[j])


@parallel_kernel
def zscore_2d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """`zscore_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    out_t = out.T
    for j in prange(x_t.shape[0]):
        zscore_1d(x_t[j], n, out_t[j])


@parallel_kernel
def bbands_2d(
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
    """`bbands_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    lower_t = lower.T
    mid_t = mid.T
    upper_t = upper.T
    bandwidth_t = bandwidth.T
    percent_t = percent.T
    for j in prange(x_t.shape[0]):
        bbands_1d(
            x_t[j], n, width, ddof, lower_t[j], mid_t[j], upper_t[j], bandwidth_t[j], percent_t[j]
        )


@parallel_kernel
def atr_2d(high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int, out: np.ndarray) -> None:
    """`atr_1d` of every market (column) of (time, markets) arrays, in parallel."""
    high_t = high.T
    low_t = low.T
    close_t = close.T
    out_t = out.T
    for j in prange(high_t.shape[0]):
        atr_1d(high_t[j], low_t[j], close_t[j], n, out_t[j])


@parallel_kernel
def realized_vol_2d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """`realized_vol_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    out_t = out.T
    for j in prange(x_t.shape[0]):
        realized_vol_1d(x_t[j], n, out_t[j])
