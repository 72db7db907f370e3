"""Order-book indicators: spread, mid, microprice, depth-weighted imbalance, YES/NO gap.

Top-of-book functions are elementwise (`*_nd`: a 1-D series or a (time, markets)
matrix). Book imbalance reads level arrays best-first, shaped (time, levels) for one
market or (time, markets, levels) for many, as `BookPanel` stores them; a level with a
NaN price or a size that is not > 0 is absent.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alpha_arena.indicators._jit import kernel, parallel_kernel


@parallel_kernel
def spread_nd(bid: np.ndarray, ask: np.ndarray) -> np.ndarray:
    """ask − bid (NaN when either side is empty)."""
    fb = bid.ravel()
    fa = ask.ravel()
    out = np.empty(fb.size)
    for i in prange(fb.size):
        out[i] = fa[i] - fb[i]
    return out.reshape(bid.shape)


@parallel_kernel
def mid_nd(bid: np.ndarray, ask: np.ndarray) -> np.ndarray:
    """(bid + ask) / 2 (NaN when either side is empty)."""
    fb = bid.ravel()
    fa = ask.ravel()
    out = np.empty(fb.size)
    for i in prange(fb.size):
        out[i] = 0.5 * (fa[i] + fb[i])
    return out.reshape(bid.shape)


@parallel_kernel
def microprice_nd(
    bid: np.ndarray, ask: np.ndarray, bid_size: np.ndarray, ask_size: np.ndarray
) -> np.ndarray:
    """Size-weighted mid (bid·ask_size + ask·bid_size)/(bid_size + ask_size): it leans
    toward the side with less size, where the next trade is likelier to move the price."""
    fb = bid.ravel()
    fa = ask.ravel()
    fbs = bid_size.ravel()
    fas = ask_size.ravel()
    out = np.empty(fb.size)
    for i in prange(fb.size):
        bs = fbs[i]
        as_ = fas[i]
        if bs > 0.0 and as_ > 0.0:
            out[i] = (fb[i] * as_ + fa[i] * bs) / (bs + as_)
        else:
            out[i] = np.nan
    return out.reshape(bid.shape)


@parallel_kernel
def yes_no_gap_nd(p_yes: np.ndarray, p_no: np.ndarray) -> np.ndarray:
    """p_yes + p_no − 1: how far a market's two prices are from summing to one."""
    fy = p_yes.ravel()
    fn = p_no.ravel()
    out = np.empty(fy.size)
    for i in prange(fy.size):
        out[i] = fy[i] + fn[i] - 1.0
    return out.reshape(p_yes.shape)


@kernel
def _side_depth(px: np.ndarray, sz: np.ndarray, decay: float, depth: int) -> float:
    total = 0.0
    weight = 1.0
    for k in range(min(depth, px.size)):
        if math.isfinite(px[k]) and sz[k] > 0.0:
            total += weight * sz[k]
        weight *= decay
    return total


@kernel
def book_imbalance_1d(
    bid_px: np.ndarray,
    bid_sz: np.ndarray,
    ask_px: np.ndarray,
    ask_sz: np.ndarray,
    decay: float,
    depth: int,
) -> np.ndarray:
    """(B − A)/(B + A) per snapshot, B and A the bid and ask sizes of the first `depth`
    levels weighted decay^level (level 0 = best); in [−1, 1], NaN for an empty book."""
    out = np.empty(bid_px.shape[0])
    for t in range(bid_px.shape[0]):
        b = _side_depth(bid_px[t], bid_sz[t], decay, depth)
        a = _side_depth(ask_px[t], ask_sz[t], decay, depth)
        out[t] = (b - a) / (b + a) if b + a > 0.0 else np.nan
    return out


@parallel_kernel
def book_imbalance_2d(
    bid_px: np.ndarray,
    bid_sz: np.ndarray,
    ask_px: np.ndarray,
    ask_sz: np.ndarray,
    decay: float,
    depth: int,
) -> np.ndarray:
    """`book_imbalance_1d` of (time, markets, levels) arrays → (time, markets)."""
    out = np.empty((bid_px.shape[0], bid_px.shape[1]))
    for j in prange(bid_px.shape[1]):
        out[:, j] = book_imbalance_1d(
            bid_px[:, j], bid_sz[:, j], ask_px[:, j], ask_sz[:, j], decay, depth
        )
    return out
