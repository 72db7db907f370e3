"""Venue fee models, exact to each venue's documented formula and rounding.

The `pm_*` and `kalshi_*_fee` functions are numba kernels (callable from other kernels);
`polymarket_fee` and `kalshi_fee` are the validated Python fronts.
"""

from alpha_arena.fees.kalshi import (
    KALSHI_MAKER_RATE,
    KALSHI_TAKER_RATE,
    ceil_to_cent,
    kalshi_fee,
    kalshi_maker_fee,
    kalshi_taker_fee,
)
from alpha_arena.fees.polymarket import (
    CATEGORY_FEE_RATES,
    CATEGORY_MAKER_REBATE,
    FEE_DECIMALS,
    PolymarketFee,
    fee_rate_for,
    fee_rates_for,
    maker_rebate_for,
    pm_buy_fee_shares,
    pm_fee_per_share,
    pm_maker_rebate,
    pm_taker_fee,
    polymarket_fee,
    round_fee,
)

__all__ = [
    "CATEGORY_FEE_RATES",
    "CATEGORY_MAKER_REBATE",
    "FEE_DECIMALS",
    "KALSHI_MAKER_RATE",
    "KALSHI_TAKER_RATE",
    "PolymarketFee",
    "ceil_to_cent",
    "fee_rate_for",
    "fee_rates_for",
    "kalshi_fee",
    "kalshi_maker_fee",
    "kalshi_taker_fee",
    "maker_rebate_for",
    "pm_buy_fee_shares",
    "pm_fee_per_share",
    "pm_maker_rebate",
    "pm_taker_fee",
    "polymarket_fee",
    "round_fee",
]
