"""Kalshi's fee schedule: ceil_to_cent(rate × C × P × (1 − P)), taker 0.07, maker 0.0175.

Source: Kalshi's fee schedule (taker fee on every fill; the maker fee applies to the
markets Kalshi lists as charging one). Prices are in dollars (0-1), C in contracts.
"""

from __future__ import annotations

import math

from numba import njit

from alpha_arena.errors import ValidationError

KALSHI_TAKER_RATE = 0.07
KALSHI_MAKER_RATE = 0.0175
_CENT_SLACK = 1e-9


@njit(cache=True)
def ceil_to_cent(amount: float) -> float:
    """Round up to the next cent, ignoring float noise (1.7500000000000002 → 1.75)."""
    return math.ceil(amount * 100.0 - _CENT_SLACK) / 100.0


@njit(cache=True)
def kalshi_taker_fee(contracts: float, price: float) -> float:
    """Kalshi's taker fee in dollars for `contracts` at `price` dollars."""
    if contracts <= 0.0 or price <= 0.0 or price >= 1.0:
        return 0.0
    return ceil_to_cent(KALSHI_TAKER_RATE * contracts * price * (1.0 - price))


@njit(cache=True)
def kalshi_maker_fee(contracts: float, price: float) -> float:
    """Kalshi's maker fee in dollars (markets that charge makers)."""
    if contracts <= 0.0 or price <= 0.0 or price >= 1.0:
        return 0.0
    return ceil_to_cent(KALSHI_MAKER_RATE * contracts * price * (1.0 - price))


def kalshi_fee(contracts: float, price: float, *, liquidity: str = "taker") -> float:
    """Kalshi's fee for one fill (Python front of the kernels, with input checks)."""
    if not (math.isfinite(contracts) and contracts >= 0):
        raise ValidationError("contracts", "a finite number >= 0", contracts)
    if not (math.isfinite(price) and 0.0 <= price <= 1.0):
        raise ValidationError("price", "a price in dollars in [0, 1] (not cents)", price)
    if liquidity == "taker":
        return kalshi_taker_fee(contracts, price)
    if liquidity == "maker":
        return kalshi_maker_fee(contracts, price)
    raise ValidationError("liquidity", "taker or maker", liquidity)
