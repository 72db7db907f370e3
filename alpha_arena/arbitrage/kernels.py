"""numba kernels that walk the books of a basket of legs and size its arbitrage.

A *basket* is a set of legs that together pay exactly 1 USDC per complete set:

- a BUY basket buys every leg at its asks (YES + NO of one market, every outcome's YES of a
  complete neg-risk event, or YES on one venue + NO on the other) and is worth 1 per set;
- a SELL basket costs 1 USDC per set (mint a complete set, or split + convert NOs in a
  neg-risk event) and sells every leg at its bids.

The walk takes levels while the *marginal* edge of the next set, with every leg's fee rate
applied unrounded, is above `min_edge`. The marginal cost per set only rises as the walk
goes deeper, so this greedy walk finds the size of largest profit. The reported cash,
fees and profit are then computed exactly, one fill per level, with the venues' own
rounded fee functions from `alpha_arena.fees`.

Polymarket takes its taker fee in shares on buys (a buy of g shares at p delivers
g - fee/p), so a buy basket is matched in *received* shares; Kalshi charges its fee in
USDC (ceil to the cent) on top of the price.

Books are (rows, levels) float64 arrays, best first; an absent level has price NaN and
size 0. Legs name rows of those arrays, so one (tokens, levels) snapshot serves every scan.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from alpha_arena.errors import ValidationError
from alpha_arena.fees import kalshi_taker_fee, pm_taker_fee

BUY = 0
SELL = 1
VENUE_POLYMARKET = 0
VENUE_KALSHI = 1
_TIE = 1e-12
_EDGE_SLACK = 1e-12
"""A level is taken only if its marginal edge beats min_edge by more than float noise."""


@njit(cache=True)
def level_ok(px: np.ndarray, sz: np.ndarray, row: int, level: int) -> bool:
    """Whether a book row has a usable level: a price strictly inside (0, 1) and size > 0."""
    if level >= px.shape[1]:
        return False
    p = px[row, level]
    return p > 0.0 and p < 1.0 and sz[row, level] > 0.0


@njit(cache=True)
def received_per_share(price: float, rate: float, venue: int, side: int) -> float:
    """Set units one gross share delivers: < 1 only on a Polymarket buy (fee in shares)."""
    if side == BUY and venue == VENUE_POLYMARKET:
        return 1.0 - rate * (1.0 - price)
    return 1.0


@njit(cache=True)
def marginal_value(price: float, rate: float, venue: int, side: int) -> float:
    """Unrounded USDC per set unit of a leg: cost on a buy, proceeds on a sell."""
    fee = rate * price * (1.0 - price)
    if side == SELL:
        return price - fee
    if venue == VENUE_POLYMARKET:
        return price / (1.0 - rate * (1.0 - price))
    return price + fee


@njit(cache=True)
def fill_fee(shares: float, price: float, rate: float, venue: int) -> float:
    """The venue's rounded taker fee in USDC for one fill of `shares` at `price`."""
    if venue == VENUE_KALSHI:
        return kalshi_taker_fee(shares, price)
    return pm_taker_fee(shares, price, rate, 1.0)


@njit(cache=True)
def _flush(
    k: int,
    gross: float,
    price: float,
    rate: float,
    venue: int,
    side: int,
    leg_size: np.ndarray,
    leg_worst: np.ndarray,
    leg_cash: np.ndarray,
    leg_fee: np.ndarray,
    leg_got: np.ndarray,
) -> None:
    """Book one level's fill of leg k: shares, worst price, cash, fee and set units got."""
    if gross <= 0.0:
        return
    fee = fill_fee(gross, price, rate, venue)
    leg_size[k] += gross
    leg_worst[k] = price
    leg_fee[k] += fee
    if side == SELL:
        leg_cash[k] += gross * price - fee
        leg_got[k] += gross
    elif venue == VENUE_POLYMARKET:
        leg_cash[k] += gross * price
        leg_got[k] += gross - fee / price
    else:
        leg_cash[k] += gross * price + fee
        leg_got[k] += gross


@njit(cache=True)
def walk_basket(
    px: np.ndarray,
    sz: np.ndarray,
    rows: np.ndarray,
    rates: np.ndarray,
    venues: np.ndarray,
    side: int,
    min_edge: float,
    leg_size: np.ndarray,
    leg_worst: np.ndarray,
    leg_cash: np.ndarray,
    leg_fee: np.ndarray,
) -> tuple[float, float, float]:
    """Walk one basket's legs level by level; fill the leg arrays, return (sets, profit, capital).

    `rows[k]` is the book row of leg k. Leg arrays are written in place (zeroed first).
    Returns zeros when no level is worth taking.
    """
    n = rows.size
    level = np.zeros(n, dtype=np.int64)
    left = np.empty(n)  # gross shares left at the current level
    taken = np.zeros(n)  # gross shares taken at the current level
    leg_got = np.zeros(n)
    for k in range(n):
        leg_size[k] = 0.0
        leg_worst[k] = np.nan
        leg_cash[k] = 0.0
        leg_fee[k] = 0.0
    for k in range(n):
        if not level_ok(px, sz, rows[k], 0):
            return 0.0, 0.0, 0.0
        left[k] = sz[rows[k], 0]
    while True:
        value = 0.0
        units = np.inf
        for k in range(n):
            p = px[rows[k], level[k]]
            value += marginal_value(p, rates[k], venues[k], side)
            u = left[k] * received_per_share(p, rates[k], venues[k], side)
            units = min(units, u)
        edge = 1.0 - value if side == BUY else value - 1.0
        if not edge > min_edge + _EDGE_SLACK:
            break
        exhausted = False
        for k in range(n):
            r = rows[k]
            p = px[r, level[k]]
            per = received_per_share(p, rates[k], venues[k], side)
            if left[k] * per <= units * (1.0 + _TIE):
                taken[k] += left[k]
                _flush(
                    k, taken[k], p, rates[k], venues[k], side,
                    leg_size, leg_worst, leg_cash, leg_fee, leg_got,
                )  # fmt: skip
                taken[k] = 0.0
                level[k] += 1
                if level_ok(px, sz, r, level[k]):
                    left[k] = sz[r, level[k]]
                else:
                    exhausted = True
            else:
                g = units / per
                taken[k] += g
                left[k] -= g
        if exhausted:
            break
    for k in range(n):
        if taken[k] > 0.0:
            p = px[rows[k], level[k]]
            _flush(
                k, taken[k], p, rates[k], venues[k], side,
                leg_size, leg_worst, leg_cash, leg_fee, leg_got,
            )  # fmt: skip
    sets = np.inf
    cash = 0.0
    for k in range(n):
        sets = min(sets, leg_got[k])
        cash += leg_cash[k]
    if not (sets > 0.0 and np.isfinite(sets)):
        return 0.0, 0.0, 0.0
    if side == BUY:
        return sets, sets - cash, cash
    return sets, cash - sets, sets


@njit(cache=True)
def _scan_one(
    b: int,
    px: np.ndarray,
    sz: np.ndarray,
    leg_rows: np.ndarray,
    leg_rates: np.ndarray,
    leg_venues: np.ndarray,
    starts: np.ndarray,
    side: int,
    min_edge: float,
    out: np.ndarray,
    legs: np.ndarray,
) -> None:
    """Walk basket b into row b of `out` (sets, profit, capital) and its rows of `legs`."""
    lo = starts[b]
    hi = starts[b + 1]
    s, p, c = walk_basket(
        px, sz, leg_rows[lo:hi], leg_rates[lo:hi], leg_venues[lo:hi], side, min_edge,
        legs[0, lo:hi], legs[1, lo:hi], legs[2, lo:hi], legs[3, lo:hi],
    )  # fmt: skip
    out[0, b] = s
    out[1, b] = p
    out[2, b] = c


@njit(cache=True)
def _scan_serial(
    px: np.ndarray,
    sz: np.ndarray,
    leg_rows: np.ndarray,
    leg_rates: np.ndarray,
    leg_venues: np.ndarray,
    starts: np.ndarray,
    side: int,
    min_edge: float,
    out: np.ndarray,
    legs: np.ndarray,
) -> None:
    """Every basket, one after the other (see `scan_baskets`)."""
    for b in range(starts.size - 1):
        _scan_one(b, px, sz, leg_rows, leg_rates, leg_venues, starts, side, min_edge, out, legs)


@njit(cache=True, parallel=True)
def _scan_parallel(
    px: np.ndarray,
    sz: np.ndarray,
    leg_rows: np.ndarray,
    leg_rates: np.ndarray,
    leg_venues: np.ndarray,
    starts: np.ndarray,
    side: int,
    min_edge: float,
    out: np.ndarray,
    legs: np.ndarray,
) -> None:
    """Every basket, spread over numba's threads (see `scan_baskets`)."""
    for b in prange(starts.size - 1):
        _scan_one(b, px, sz, leg_rows, leg_rates, leg_venues, starts, side, min_edge, out, legs)


def _book_arrays(px: np.ndarray, sz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    px = np.ascontiguousarray(px, dtype=np.float64)
    sz = np.ascontiguousarray(sz, dtype=np.float64)
    if px.ndim != 2 or px.shape != sz.shape:
        raise ValidationError("books", "price and size arrays of one (rows, levels) shape",
                              (px.shape, sz.shape))  # fmt: skip
    return px, sz


def _check_legs(
    n_rows: int,
    leg_rows: np.ndarray,
    leg_rates: np.ndarray,
    leg_venues: np.ndarray,
    starts: np.ndarray,
    side: int,
    min_edge: float,
) -> None:
    """Refuse leg arrays a kernel would read out of bounds or divide by zero with."""
    n = leg_rows.size
    if leg_rates.size != n or leg_venues.size != n:
        raise ValidationError("legs", f"{n} rates and venues", (leg_rates.size, leg_venues.size))
    if n and (leg_rows.min() < 0 or leg_rows.max() >= n_rows):
        raise ValidationError(
            "leg_rows", f"book rows in [0, {n_rows})", (leg_rows.min(), leg_rows.max())
        )
    if not (np.isfinite(leg_rates).all() and ((leg_rates >= 0) & (leg_rates < 1)).all()):
        raise ValidationError("leg_rates", "fee rates in [0, 1)", leg_rates)
    if not np.isin(leg_venues, (VENUE_POLYMARKET, VENUE_KALSHI)).all():
        raise ValidationError("leg_venues", "VENUE_POLYMARKET (0) or VENUE_KALSHI (1)", leg_venues)
    if starts.size < 1 or starts[0] != 0 or starts[-1] != n or (np.diff(starts) < 1).any():
        raise ValidationError("starts", f"increasing basket offsets from 0 to {n}", starts)
    if side not in (BUY, SELL):
        raise ValidationError("side", "BUY (0) or SELL (1)", side)
    if not (math.isfinite(min_edge) and 0.0 <= min_edge < 1.0):
        raise ValidationError("min_edge", "a number in [0, 1)", min_edge)


PARALLEL_MIN_BASKETS = 512
"""Below this many baskets a scan runs on one thread: waking the thread pool costs more."""


def scan_baskets(
    px: np.ndarray,
    sz: np.ndarray,
    leg_rows: np.ndarray,
    leg_rates: np.ndarray,
    leg_venues: np.ndarray,
    starts: np.ndarray,
    side: int,
    min_edge: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Walk many baskets of one side at once (parallel over baskets when there are many).

    Basket b owns legs `starts[b]:starts[b + 1]` of the leg arrays. Returns per basket
    (sets, profit, capital) and per leg (size, worst price, cash, fee); a basket with no
    opportunity has sets 0. Cash is USDC paid (buy, fees included) or received (sell,
    net of fees); fee is the USDC value of the venue's rounded fees.
    """
    px, sz = _book_arrays(px, sz)
    leg_rows = np.ascontiguousarray(leg_rows, dtype=np.int64)
    leg_rates = np.ascontiguousarray(leg_rates, dtype=np.float64)
    leg_venues = np.ascontiguousarray(leg_venues, dtype=np.int64)
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    _check_legs(px.shape[0], leg_rows, leg_rates, leg_venues, starts, side, min_edge)
    n_baskets = starts.size - 1
    out = np.zeros((3, n_baskets))
    legs = np.zeros((4, leg_rows.size))
    kernel = _scan_parallel if n_baskets >= PARALLEL_MIN_BASKETS else _scan_serial
    kernel(px, sz, leg_rows, leg_rates, leg_venues, starts, side, min_edge, out, legs)
    return out[0], out[1], out[2], legs[0], legs[1], legs[2], legs[3]


@njit(cache=True, parallel=True)
def _history_parallel(
    px: np.ndarray,
    sz: np.ndarray,
    leg_rows: np.ndarray,
    leg_rates: np.ndarray,
    leg_venues: np.ndarray,
    starts: np.ndarray,
    side: int,
    min_edge: float,
    out: np.ndarray,
) -> None:
    """Every basket at every snapshot of (times, rows, levels) books, parallel over baskets."""
    for b in prange(starts.size - 1):
        lo = starts[b]
        hi = starts[b + 1]
        legs = np.empty((4, hi - lo))
        for t in range(px.shape[0]):
            s, p, c = walk_basket(
                px[t], sz[t], leg_rows[lo:hi], leg_rates[lo:hi], leg_venues[lo:hi], side,
                min_edge, legs[0], legs[1], legs[2], legs[3],
            )  # fmt: skip
            out[0, t, b] = s
            out[1, t, b] = p
            out[2, t, b] = c


def scan_history(
    px: np.ndarray,
    sz: np.ndarray,
    leg_rows: np.ndarray,
    leg_rates: np.ndarray,
    leg_venues: np.ndarray,
    starts: np.ndarray,
    side: int,
    min_edge: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`scan_baskets` at every snapshot of (times, rows, levels) books in one call.

    Returns (sets, profit, capital), each (times, baskets); per-leg details are not kept.
    """
    px = np.ascontiguousarray(px, dtype=np.float64)
    sz = np.ascontiguousarray(sz, dtype=np.float64)
    if px.ndim != 3 or px.shape != sz.shape:
        raise ValidationError(
            "books",
            "price and size arrays of one (times, rows, levels) shape",
            (px.shape, sz.shape),
        )
    leg_rows = np.ascontiguousarray(leg_rows, dtype=np.int64)
    leg_rates = np.ascontiguousarray(leg_rates, dtype=np.float64)
    leg_venues = np.ascontiguousarray(leg_venues, dtype=np.int64)
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    _check_legs(px.shape[1], leg_rows, leg_rates, leg_venues, starts, side, min_edge)
    out = np.zeros((3, px.shape[0], starts.size - 1))
    _history_parallel(px, sz, leg_rows, leg_rates, leg_venues, starts, side, min_edge, out)
    return out[0], out[1], out[2]
