"""Volume indicators: on-balance volume and VWAP (cumulative or over a rolling window).

Kernels come as `*_1d` (contiguous float64 series) and `*_2d` ((time, markets)
matrices, markets in parallel; fastest Fortran-ordered), writing into caller-allocated
`out` arrays (see averages.py). A row is missing if its price or volume is not finite;
missing rows are skipped and give NaN.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alpha_arena.indicators._jit import kernel, parallel_kernel


@kernel
def obv_1d(close: np.ndarray, volume: np.ndarray, out: np.ndarray) -> None:
    """Running total of volume signed by the close's move; starts at the first volume."""
    prev = np.nan
    total = 0.0
    for i in range(close.size):
        c = close[i]
        v = volume[i]
        if not (math.isfinite(c) and math.isfinite(v)):
            out[i] = np.nan
            continue
        if prev != prev:
            total = v
        elif c > prev:
            total += v
        elif c < prev:
            total -= v
        prev = c
        out[i] = total


@kernel
def vwap_1d(price: np.ndarray, volume: np.ndarray, n: int, out: np.ndarray) -> None:
    """Σ price·volume / Σ volume since the start (n = 0) or over the last n valid rows.

    Zero volume in the window gives NaN.
    """
    size = max(n, 1)
    pv_buf = np.empty(size)
    v_buf = np.empty(size)
    pos = 0
    k = 0
    spv = 0.0
    sv = 0.0
    for i in range(price.size):
        p = price[i]
        v = volume[i]
        if not (math.isfinite(p) and math.isfinite(v)):
            out[i] = np.nan
            continue
        spv += p * v
        sv += v
        if n > 0:
            if k == n:
                spv -= pv_buf[pos]
                sv -= v_buf[pos]
            else:
                k += 1
            pv_buf[pos] = p * v
            v_buf[pos] = v
            pos += 1
            if pos == n:
                pos = 0
                spv = 0.0
                sv = 0.0
                for j in range(n):
                    spv += pv_buf[j]
                    sv += v_buf[j]
            if k < n:
                out[i] = np.nan
                continue
        out[i] = spv / sv if sv != 0.0 else np.nan


@parallel_kernel
def obv_2d(close: np.ndarray, volume: np.ndarray, out: np.ndarray) -> None:
    """`obv_1d` of every market (column) of (time, markets) arrays, in parallel."""
    close_t = close.T
    volume_t = volume.T
    out_t = out.T
    for j in prange(close_t.shape[0]):
        obv_1d(close_t[j], volume_t[j], out_t[j])


@parallel_kernel
def vwap_2d(price: np.ndarray, volume: np.ndarray, n: int, out: np.ndarray) -> None:
    """`vwap_1d` of every market (column) of (time, markets) arrays, in parallel."""
    price_t = price.T
    volume_t = volume.T
    out_t = out.T
    for j in prange(price_t.shape[0]):
        vwap_1d(price_t[j], volume_t[j], n, out_t[j])
