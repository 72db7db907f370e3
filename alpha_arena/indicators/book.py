"""Order-book indicators: spread, mid, microprice, depth-weighted imbalance, YES/NO gap.

Kernels come as `*_1d` (series) and `*_2d` ((time, markets), markets in parallel) and
write into caller-allocated `out` arrays. Book imbalance reads level arrays best-first,
shaped (time, levels) for one market or (time, markets, levels) for many, as
`BookPanel` stores them; a level with a NaN price or a size that is not > 0 is absent.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alpha_arena.indicators._jit import kernel, parallel_kernel


@kernel
def spread_1d(bid: np.ndarray, ask: np.ndarray, out: np.ndarray) -> None:
    """ask − bid (NaN when either side is empty)."""
    for i in range(bid.size):
        out[i] = ask[i] - bid[i]


@kernel
def mid_1d(bid: np.ndarray, ask: np.ndarray, out: np.ndarray) -> None:
    """(bid + ask) / 2 (NaN when either side is empty)."""
    for i in range(bid.size):
        out[i] = 0.5 * (ask[i] + bid[i])


@kernel
def microprice_1d(
    bid: np.ndarray, ask: np.ndarray, bid_size: np.ndarray, ask_size: np.ndarray, out: np.ndarray
) -> None:
    """Size-weighted mid (bid·ask_size + ask·bid_size)/(bid_size + ask_size): it leans
    toward the side with less size, where the next trade is likelier to move the price."""
    for i in range(bid.size):
        bs = bid_size[i]
        as_ = ask_size[i]
        if bs > 0.0 and as_ > 0.0:
            out[i] = (bid[i] * as_ + ask[i] * bs) / (bs + as_)
        else:
            out[i] = np.nan


@kernel
def yes_no_gap_1d(p_yes: np.ndarray, p_no: np.ndarray, out: np.ndarray) -> None:
    """p_yes + p_no − 1: how far a market's two prices are from summing to one."""
    for i in range(p_yes.size):
        out[i] = p_yes[i] + p_no[i] - 1.0


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
    out: np.ndarray,
) -> None:
    """(B − A)/(B + A) per snapshot, B and A the bid and ask sizes of the first `depth`
    levels weighted decay^level (level 0 = best); in [−1, 1], NaN for an empty book."""
    for t in range(bid_px.shape[0]):
        b = _side_depth(bid_px[t], bid_sz[t], decay, depth)
        a = _side_depth(ask_px[t], ask_sz[t], decay, depth)
        out[t] = (b - a) / (b + a) if b + a > 0.0 else np.nan


@parallel_kernel
def book_imbalance_2d(
    bid_px: np.ndarray,
    bid_sz: np.ndarray,
    ask_px: np.ndarray,
    ask_sz: np.ndarray,
    decay: float,
    depth: int,
    out: np.ndarray,
) -> None:
    """`book_imbalance_1d` of (time, markets, levels) arrays into a (time, markets) `out`."""
    for j in prange(bid_px.shape[1]):
        book_imbalance_1d(
            bid_px[:, j], bid_sz[:, j], ask_px[:, j], ask_sz[:, j], decay, depth, out[:, j]
        )


@parallel_kernel
def spread_2d(bid: np.ndarray, ask: np.ndarray, out: np.ndarray) -> None:
    """`spread_1d` of every market (column) of (time, markets) arrays, in parallel."""
    bid_t = bid.T
    ask_t = ask.T
    out_t = out.T
    for j in prange(bid_t.shape[0]):
        spread_1d(bid_t[j], ask_t[j], out_t[j])


@parallel_kernel
def mid_2d(bid: np.ndarray, ask: np.ndarray, out: np.ndarray) -> None:
    """`mid_1d` of every market (column) of (time, markets) arrays, in parallel."""
    bid_t = bid.T
    ask_t = ask.T
    out_t = out.T
    for j in prange(bid_t.shape[0]):
        mid_1d(bid_t[j], ask_t[j], out_t[j])


@parallel_kernel
def microprice_2d(
    bid: np.ndarray, ask: np.ndarray, bid_size: np.ndarray, ask_size: np.ndarray, out: np.ndarray
) -> None:
    """`microprice_1d` of every market (column) of (time, markets) arrays, in parallel."""
    bid_t = bid.T
    ask_t = ask.T
    bid_size_t = bid_size.T
    ask_size_t = ask_size.T
    out_t = out.T
    for j in prange(bid_t.shape[0]):
        microprice_1d(bid_t[j], ask_t[j], bid_size_t[j], ask_size_t[j], out_t[j])


@parallel_kernel
def yes_no_gap_2d(p_yes: np.ndarray, p_no: np.ndarray, out: np.ndarray) -> None:
    """`yes_no_gap_1d` of every market (column) of (time, markets) arrays, in parallel."""
    p_yes_t = p_yes.T
    p_no_t = p_no.T
    out_t = out.T
    for j in prange(p_yes_t.shape[0]):
        yes_no_gap_1d(p_yes_t[j], p_no_t[j], out_t[j])
