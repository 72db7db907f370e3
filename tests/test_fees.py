"""Fee models against hand-worked cases from the venues' documentation, and fee properties."""

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.errors import ValidationError
from alpha_arena.fees import (
    CATEGORY_FEE_RATES,
    fee_rate_for,
    fee_rates_for,
    kalshi_fee,
    kalshi_maker_fee,
    kalshi_taker_fee,
    pm_buy_fee_shares,
    pm_maker_rebate,
    pm_taker_fee,
    polymarket_fee,
    round_fee,
)


@pytest.mark.parametrize(
    ("shares", "price", "category", "expected"),
    [
        (100, 0.50, "politics", 1.0),  # 100 × 0.04 × 0.25
        (100, 0.30, "crypto", 1.512),  # 100 × 0.072 × 0.21
        (10, 0.37, "sports", 0.06993),  # 10 × 0.03 × 0.2331
        (1, 0.01, "economics", 0.0005),  # 0.000495 rounds half-up to 0.00050
        (250, 0.62, "geopolitics", 0.0),  # fee-free category
        (100, 0.50, "Unknown-Category", 1.25),  # unknown → other (0.05)
    ],
)
def test_polymarket_taker_fee_hand_worked(shares, price, category, expected):
    rate = fee_rate_for(category)
    assert pm_taker_fee(shares, price, rate) == pytest.approx(expected, abs=1e-12)


def test_polymarket_rounding_edges():
    # 0.07 × 100 × 0.25 is 1.7500000000000002 in floating point: must charge 1.75
    assert pm_taker_fee(100, 0.5, 0.07) == 1.75
    # exactly half a unit in the last place rounds up; just below rounds down
    assert round_fee(0.000005) == 0.00001
    assert round_fee(0.0000049) == 0.0
    assert pm_taker_fee(1, 0.5, 0.00002) == 0.00001
    assert pm_taker_fee(1, 0.5, 0.0000196) == 0.0


def test_buy_fee_is_taken_in_shares_and_sell_fee_in_usdc():
    buy = polymarket_fee(100, 0.30, "BUY", category="crypto")
    # the position received is C − C × feeRate × (1 − p) = 100 − 5.04
    assert buy.shares == pytest.approx(100 * 0.072 * 0.7)
    assert buy.usdc == 0.0
    assert buy.value == pytest.approx(1.512)
    sell = polymarket_fee(100, 0.30, "sell", category="crypto")
    assert sell.usdc == pytest.approx(1.512)
    assert sell.shares == 0.0
    assert polymarket_fee(100, 0.3, "BUY", category="crypto", liquidity="maker").value == 0.0
    assert pm_maker_rebate(100, 0.5, 0.04, 0.25) == pytest.approx(0.25)


def test_fee_rate_override_and_table():
    assert fee_rate_for("crypto", 0.0) == 0.0
    assert fee_rate_for("politics", float("nan")) == 0.04
    markets = pd.DataFrame(
        {"category": ["crypto", "weather", "sports"], "fee_rate": [None, 0.01, None]}
    )
    assert list(fee_rates_for(markets)) == [0.072, 0.01, 0.03]
    with pytest.raises(ValidationError, match="fee_rate"):
        fee_rate_for("crypto", 1.5)


@pytest.mark.parametrize(
    ("contracts", "price", "taker", "maker"),
    [
        (1, 0.50, 0.02, 0.01),  # 0.0175 → 2¢; 0.004375 → 1¢
        (10, 0.50, 0.18, 0.05),  # 0.175 → 18¢; 0.04375 → 5¢
        (100, 0.50, 1.75, 0.44),  # exactly 1.75 despite float noise; 0.4375 → 44¢
        (100, 0.05, 0.34, 0.09),  # 0.3325 → 34¢; 0.083125 → 9¢
        (100, 0.25, 1.32, 0.33),  # 1.3125 → 132¢; 0.328125 → 33¢
    ],
)
def test_kalshi_fees_hand_worked(contracts, price, taker, maker):
    assert kalshi_taker_fee(contracts, price) == pytest.approx(taker, abs=1e-12)
    assert kalshi_maker_fee(contracts, price) == pytest.approx(maker, abs=1e-12)


def test_kalshi_front_rejects_cents():
    with pytest.raises(ValidationError, match="not cents"):
        kalshi_fee(10, 55)
    with pytest.raises(ValidationError, match="liquidity"):
        kalshi_fee(10, 0.55, liquidity="both")


PRICES = st.floats(0.0, 1.0)
SIZES = st.floats(0.0, 1e7)
RATES = st.sampled_from(sorted(set(CATEGORY_FEE_RATES.values())))


@settings(deadline=None)
@given(SIZES, PRICES, RATES)
def test_polymarket_fees_are_never_negative_and_bounded(shares, price, rate):
    fee = pm_taker_fee(shares, price, rate)
    assert fee >= 0.0
    assert fee <= shares * rate * 0.25 + 0.5e-5 + 1e-9
    assert fee == pytest.approx(pm_taker_fee(shares, 1.0 - price, rate), abs=1.1e-5)
    if 0.0 < price < 1.0:
        assert pm_buy_fee_shares(shares, price, rate) * price == pytest.approx(fee, rel=1e-12)


@settings(deadline=None)
@given(SIZES, PRICES)
def test_kalshi_fees_are_never_negative_and_whole_cents(contracts, price):
    for fee in (kalshi_taker_fee(contracts, price), kalshi_maker_fee(contracts, price)):
        assert fee >= 0.0
        cents = fee * 100
        assert math.isclose(cents, round(cents), abs_tol=1e-6)
    assert kalshi_taker_fee(contracts, price) >= 0.07 * contracts * price * (1 - price) - 1e-9
