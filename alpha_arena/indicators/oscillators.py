"""Oscillators: RSI (Wilder), momentum, rate of change and the stochastic %K/%D.

Kernels come as `*_1d` (a contiguous float64 series) and `*_2d` (a (time, markets)
matrix, markets in parallel; fastest Fortran-ordered), writing into caller-allocated
`out` arrays (see averages.py). Missing rows are skipped and give NaN; see rolling.py.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alpha_arena.indicators._jit import kernel, parallel_kernel, step
from alpha_arena.indicators.averages import sma_1d
from alpha_arena.indicators.rolling import SPAN, ema_block, lagged_into


@step
def _rsi_rows(
    x: np.ndarray,
    start: int,
    stop: int,
    n: int,
    state: tuple[float, int, float, float],
    out: np.ndarray,
) -> tuple[float, int, float, float]:
    """The general one-row loop of `rsi_1d` over rows [start, stop); state (last valid
    value, moves seen, average gain, average loss) in, out."""
    prev, k, gain, loss = state
    alpha = 1.0 / n
    for i in range(start, stop):
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
    return prev, k, gain, loss


@kernel
def rsi_1d(x: np.ndarray, n: int, out: np.ndarray) -> None:
    """Wilder's RSI: gains and losses averaged with alpha 1/n, seeded by their first mean.

    A window with no movement at all (average gain and loss both 0) is NaN, as in
    pandas-ta-classic (TA-Lib reports 0 there). Once seeded, a span is first tried
    four rows per step (`ema_block` on both averages; the losses wait in a small buffer
    so the divisions run as one vectorised pass); a missing row in it makes the sum of
    its moves non-finite and the span is redone row by row (see rolling.py).
    """
    alpha = 1.0 / n
    c = 1.0 - alpha
    state = (np.nan, 0, 0.0, 0.0)
    losses = np.empty(SPAN)
    size = x.size
    attempted = False
    for first in range(0, size // SPAN + 1):
        start = first * SPAN
        stop = min(start + SPAN, size)
        prev, k, gain, loss = state
        if not attempted and k >= n and prev == prev and stop - start == SPAN:
            attempted = True
            rows = x[start:stop]
            gains = out[start:stop]
            moved = 0.0
            for b in range(SPAN // 4):
                i = 4 * b
                d0 = rows[i] - prev
                d1 = rows[i + 1] - rows[i]
                d2 = rows[i + 2] - rows[i + 1]
                d3 = rows[i + 3] - rows[i + 2]
                prev = rows[i + 3]
                moved += (d0 + d1) + (d2 + d3)
                g1, g2, g3, gain = ema_block(
                    gain,
                    alpha * max(d0, 0.0),
                    alpha * max(d1, 0.0),
                    alpha * max(d2, 0.0),
                    alpha * max(d3, 0.0),
                    c,
                )
                l1, l2, l3, loss = ema_block(
                    loss,
                    alpha * max(-d0, 0.0),
                    alpha * max(-d1, 0.0),
                    alpha * max(-d2, 0.0),
                    alpha * max(-d3, 0.0),
                    c,
                )
                gains[i] = g1
                gains[i + 1] = g2
                gains[i + 2] = g3
                gains[i + 3] = gain
                losses[i] = l1
                losses[i + 1] = l2
                losses[i + 2] = l3
                losses[i + 3] = loss
            if math.isfinite(moved):
                for i in range(SPAN):
                    g = gains[i]
                    gains[i] = 100.0 * g / (g + losses[i])
                state = (prev, k, gain, loss)
                attempted = False
                continue
        else:
            attempted = False
        state = _rsi_rows(x, start, stop, n, state, out)


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
