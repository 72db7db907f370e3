"""Oscillators: RSI (Wilder), momentum, rate of change and the stochastic %K/%D.

Kernels come as `*_1d` (a contiguous float64 series) and `*_2d` (a (time, markets)
matrix, markets in parallel; fastest Fortran-ordered), writing into caller-allocated
`out` arrays (see averages.py). Missing rows are skipped and give NaN; see rolling.py.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alpha_arena.indicators._jit import kernel, parallel_kernel
from alpha_arena.indicators.averages import sma_1d
from alpha_arena.indicators.rolling import lagged_into


@kernel
def rsi_1d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """Wilder's RSI: gains and losses averaged with alpha 1/n, seeded by their first mean.

    A window with no movement at all (average gain and loss both 0) is NaN, as in
    pandas-ta-classic (TA-Lib reports 0 there).
    """
    alpha = 1.0 / n
    prev = np.nan
    k = 0
    gain = 0.0
    loss = 0.0
    for i in range(x.size):
        v = x[i]
        if not math.isfinite(v):
            out[i] = np.nan
            continue
        if prev != prev:
            prev = v
            out[i] = np.nan
            continue
        d = v - prev
        prev = v
        up = d if d > 0.0 else 0.0
        down = -d if d < 0.0 else 0.0
        if k < n:
            gain += up
            loss += down
            k += 1
            if k < n:
                out[i] = np.nan
                continue
            gain /= n
            loss /= n
        else:
            gain = (1.0 - alpha) * gain + alpha * up
            loss = (1.0 - alpha) * loss + alpha * down
        out[i] = 100.0 * gain / (gain + loss)


@kernel
def _rolling_extreme(buf: np.ndarray, n: int, want_max: bool) -> float:
    best = buf[0]
    for j in range(1, n):
        if (buf[j] > best) if want_max else (buf[j] < best):
            best = buf[j]
    return best


@kernel
def stoch_1d(
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    n: int,
    smooth_k: int,
    d: int,
    k_out: np.ndarray,
    d_out: np.ndarray,
) -> None:
    """Fast %K = 100·(close − lowest low)/(highest high − lowest low) over n valid bars,
    %K = SMA(fast %K, smooth_k), %D = SMA(%K, d). A zero range gives fast %K = 0, as
    TA-Lib and pandas-ta-classic do. A bar is missing if any of high/low/close is.
    """
    highs = np.empty(n)
    lows = np.empty(n)
    raw = np.empty_like(close)
    pos = 0
    k = 0
    for i in range(close.size):
        h = high[i]
        lo = low[i]
        c = close[i]
        if not (math.isfinite(h) and math.isfinite(lo) and math.isfinite(c)):
            raw[i] = np.nan
            continue
        highs[pos] = h
        lows[pos] = lo
        pos += 1
        if pos == n:
            pos = 0
        if k < n:
            k += 1
        if k < n:
            raw[i] = np.nan
            continue
        hh = _rolling_extreme(highs, n, True)
        ll = _rolling_extreme(lows, n, False)
        rng = hh - ll
        raw[i] = 100.0 * (c - ll) / rng if rng != 0.0 else 0.0
    sma_1d(raw, smooth_k, k_out)
    sma_1d(k_out, d, d_out)


@kernel
def mom_1d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """Momentum x − x₋ₙ over `n` valid rows."""
    lagged_into(x, n, False, out)


@kernel
def roc_1d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """Rate of change 100·(x − x₋ₙ)/x₋ₙ over `n` valid rows."""
    lagged_into(x, n, True, out)


@parallel_kernel
def rsi_2d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """`rsi_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    out_t = out.T
    for j in prange(x_t.shape[0]):
        rsi_1d(x_t[j], n, out_t[j])


@parallel_kernel
def mom_2d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """`mom_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    out_t = out.T
    for j in prange(x_t.shape[0]):
        mom_1d(x_t[j], n, out_t[j])


@parallel_kernel
def roc_2d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """`roc_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    out_t = out.T
    for j in prange(x_t.shape[0]):
        roc_1d(x_t[j], n, out_t[j])


@parallel_kernel
def stoch_2d(
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    n: int,
    smooth_k: int,
    d: int,
    k_out: np.ndarray,
    d_out: np.ndarray,
) -> None:
    """`stoch_1d` of every market (column) of (time, markets) arrays, in parallel."""
    high_t = high.T
    low_t = low.T
    close_t = close.T
    k_out_t = k_out.T
    d_out_t = d_out.T
    for j in prange(high_t.shape[0]):
        stoch_1d(high_t[j], low_t[j], close_t[j], n, smooth_k, d, k_out_t[j], d_out_t[j])
