"""numba kernels of the simulator: marking, book walking, resting-order crossing.

They take contiguous float64/int64 arrays and never raise for data reasons; the Python
callers (`Portfolio`, `SimBroker`) validate inputs first.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_EPS = 1e-12


@njit(cache=True)
def mark_row(marks: np.ndarray, prices: np.ndarray, shares: np.ndarray) -> float:
    """Update `marks` in place from a price row (NaN keeps the last mark); return Σ shares·mark.

    Tokens with zero shares add nothing even when their mark is still NaN.
    """
    total = 0.0
    for i in range(marks.size):
        p = prices[i]
        if not math.isnan(p):
            marks[i] = p
        s = shares[i]
        if s != 0.0:
            m = marks[i]
            if not math.isnan(m):
                total += s * m
    return total


@njit(cache=True)
def positions_value(marks: np.ndarray, shares: np.ndarray) -> float:
    """Σ shares·mark over tokens held (NaN marks of empty positions ignored)."""
    total = 0.0
    for i in range(marks.size):
        s = shares[i]
        if s != 0.0 and not math.isnan(marks[i]):
            total += s * marks[i]
    return total


@njit(cache=True)
def walk_book(
    px: np.ndarray, sz: np.ndarray, limit: float, is_buy: bool, shares: float, usdc: float
) -> np.ndarray:
    """Shares taken at each level of one side of a book, best level first.

    A buy walks the asks while price <= limit, a sell walks the bids while price >= limit.
    It stops when `shares` are filled or, for buys, when `usdc` (the notional or the cash
    available) is spent. Levels with NaN price or zero size are skipped.
    """
    take = np.zeros(px.size)
    left_shares = shares
    left_usdc = usdc
    for i in range(px.size):
        p = px[i]
        s = sz[i]
        if math.isnan(p) or s <= 0.0:
            continue
        if is_buy and p > limit + _EPS:
            break
        if not is_buy and p < limit - _EPS:
            break
        q = min(s, left_shares)
        if is_buy:
            q = min(q, left_usdc / p)
        if q <= _EPS:
            break
        take[i] = q
        left_shares -= q
        if is_buy:
            left_usdc -= q * p
    return take


@njit(cache=True)
def cross_resting(
    cols: np.ndarray,
    is_buy: np.ndarray,
    limits: np.ndarray,
    remaining: np.ndarray,
    active_from: np.ndarray,
    active_until: np.ndarray,
    row_time: int,
    ref_px: np.ndarray,
    ref_sz: np.ndarray,
) -> np.ndarray:
    """Shares each resting order fills when a later reference state crosses its price.

    `ref_px[c]`/`ref_sz[c]` are, per token, the opposite-side price that would cross a buy
    (the best ask or last trade) and how much is available there; a buy at limit L fills
    only if the reference is strictly below L (a sell: strictly above), and only on data
    newer than the order's arrival and before its expiry or market end
    (`active_from < row_time < active_until`). Liquidity at a token is
    shared by its resting orders in the given (arrival) order.
    """
    out = np.zeros(cols.size)
    used_buy = np.zeros(ref_px.shape[1])
    used_sell = np.zeros(ref_px.shape[1])
    for j in range(cols.size):
        if active_from[j] >= row_time or row_time >= active_until[j]:
            continue
        c = cols[j]
        if is_buy[j]:
            p = ref_px[0, c]
            if math.isnan(p) or not p < limits[j] - _EPS:
                continue
            q = min(remaining[j], ref_sz[0, c] - used_buy[c])
            if q > _EPS:
                out[j] = q
                used_buy[c] += q
        else:
            p = ref_px[1, c]
            if math.isnan(p) or not p > limits[j] + _EPS:
                continue
            q = min(remaining[j], ref_sz[1, c] - used_sell[c])
            if q > _EPS:
                out[j] = q
                used_sell[c] += q
    return out


@njit(cache=True)
def bar_quote(price: float, half_spread: float, tick: float) -> tuple[float, float]:
    """(bid, ask) of the no-book fill model: price ∓ half the spread, rounded away from the
    price to the tick (bid down, ask up) and kept inside [tick, 1 − tick].

    A side that the clipping would move through the price (a bar at 0.995 on a 0.01 tick
    has no ask above it) is NaN: no fill is ever better than the bar price.
    """
    steps_bid = math.floor((price - half_spread) / tick + 1e-9)
    steps_ask = math.ceil((price + half_spread) / tick - 1e-9)
    top = round(1.0 / tick) - 1
    bid = round(min(max(steps_bid, 1), top) * tick, 10)
    ask = round(min(max(steps_ask, 1), top) * tick, 10)
    if bid > price + 1e-9:
        bid = math.nan
    if ask < price - 1e-9:
        ask = math.nan
    return bid, ask
