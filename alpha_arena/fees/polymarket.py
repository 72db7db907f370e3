"""Polymarket's fee model: taker fee C × feeRate × (p(1−p))^exponent, by market category.

Source: docs.polymarket.com/trading/fees. Makers pay nothing; takers pay the fee in
shares on buys and in USDC on sells; fees are rounded to `FEE_DECIMALS` places (USDC).
Markets with fees disabled have rate 0. The scalar kernels are numba-callable so the
simulator and the arbitrage scans use exactly these numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from alpha_arena.errors import ValidationError

FEE_DECIMALS = 5
"""USDC decimal places a fee is rounded to."""

CATEGORY_FEE_RATES: dict[str, float] = {
    "crypto": 0.072,
    "sports": 0.03,
    "politics": 0.04,
    "finance": 0.04,
    "tech": 0.04,
    "mentions": 0.04,
    "economics": 0.05,
    "culture": 0.05,
    "weather": 0.05,
    "other": 0.05,
    "geopolitics": 0.0,
}
"""Taker fee rate per market category; unknown categories use "other"."""

CATEGORY_MAKER_REBATE: dict[str, float] = {
    **dict.fromkeys(CATEGORY_FEE_RATES, 0.25),
    "crypto": 0.20,
    "geopolitics": 0.0,
}
"""Share of the taker fee returned to makers as rebates, per category."""

_SCALE = 10.0**FEE_DECIMALS
_FLOAT_SLACK = 1e-9


@njit(cache=True)
def round_fee(amount: float) -> float:
    """Round a USDC fee half-up to FEE_DECIMALS places, immune to float noise (0.175 → 0.175)."""
    return math.floor(amount * _SCALE + 0.5 + _FLOAT_SLACK) / _SCALE


@njit(cache=True)
def pm_taker_fee(shares: float, price: float, fee_rate: float, exponent: float = 1.0) -> float:
    """The taker fee in USDC for `shares` matched at `price` (0 on no-fee markets)."""
    if fee_rate <= 0.0 or shares <= 0.0 or price <= 0.0 or price >= 1.0:
        return 0.0
    return round_fee(shares * fee_rate * (price * (1.0 - price)) ** exponent)


@njit(cache=True)
def pm_buy_fee_shares(shares: float, price: float, fee_rate: float, exponent: float = 1.0) -> float:
    """Shares withheld from a taker buy: the USDC fee converted at the fill price."""
    if price <= 0.0:
        return 0.0
    return pm_taker_fee(shares, price, fee_rate, exponent) / price


@njit(cache=True)
def pm_maker_rebate(shares: float, price: float, fee_rate: float, rebate_share: float) -> float:
    """Per-fill estimate of a maker's rebate: the category's share of the fee the taker paid."""
    return round_fee(rebate_share * pm_taker_fee(shares, price, fee_rate, 1.0))


@njit(cache=True)
def pm_fee_per_share(price: float, fee_rate: float) -> float:
    """Unrounded taker fee per share in USDC (for edge thresholds, not for charging)."""
    if fee_rate <= 0.0 or price <= 0.0 or price >= 1.0:
        return 0.0
    return fee_rate * price * (1.0 - price)


def _category_key(category: str | None) -> str:
    key = (category or "other").strip().lower()
    return key if key in CATEGORY_FEE_RATES else "other"


def fee_rate_for(category: str | None, override: float | None = None) -> float:
    """The taker fee rate of a market: its own rate if set, else its category's."""
    if override is not None and not (isinstance(override, float) and math.isnan(override)):
        if not 0.0 <= override <= 1.0:
            raise ValidationError("fee_rate", "a rate in [0, 1]", override)
        return float(override)
    return CATEGORY_FEE_RATES[_category_key(category)]


def maker_rebate_for(category: str | None) -> float:
    """The maker rebate share of a market's category."""
    return CATEGORY_MAKER_REBATE[_category_key(category)]


def fee_rates_for(markets: pd.DataFrame) -> np.ndarray:
    """Taker fee rate of every row of a markets table (`category`, `fee_rate` columns)."""
    return np.array(
        [fee_rate_for(c, r) for c, r in zip(markets["category"], markets["fee_rate"], strict=True)],
        dtype=np.float64,
    )


@dataclass(frozen=True, slots=True)
class PolymarketFee:
    """A fee as the venue charges it: USDC on sells, shares on buys, and its USDC value."""

    usdc: float
    shares: float
    value: float


def polymarket_fee(
    shares: float,
    price: float,
    side: str,
    *,
    fee_rate: float | None = None,
    category: str | None = None,
    liquidity: str = "taker",
    exponent: float = 1.0,
) -> PolymarketFee:
    """The fee of one fill, in the asset the venue takes it in (Python front of the kernels)."""
    if not (math.isfinite(shares) and shares >= 0):
        raise ValidationError("shares", "a finite number >= 0", shares)
    if not (math.isfinite(price) and 0.0 <= price <= 1.0):
        raise ValidationError("price", "a price in [0, 1]", price)
    side = str(side).upper()
    if side not in ("BUY", "SELL"):
        raise ValidationError("side", "BUY or SELL", side)
    if liquidity not in ("taker", "maker"):
        raise ValidationError("liquidity", "taker or maker", liquidity)
    if liquidity == "maker":
        return PolymarketFee(0.0, 0.0, 0.0)
    rate = fee_rate_for(category, fee_rate)
    usdc = pm_taker_fee(shares, price, rate, exponent)
    if side == "BUY":
        return PolymarketFee(0.0, usdc / price if price > 0 else 0.0, usdc)
    return PolymarketFee(usdc, 0.0, usdc)
