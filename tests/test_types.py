"""Type validation: good values construct, bad ones fail naming the field."""

from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.errors import ValidationError
from alpha_arena.types import (
    Fill,
    Market,
    Order,
    OrderBook,
    OrderType,
    Resolution,
    ResolutionState,
    Side,
    Token,
    Trade,
    on_tick,
)
from tests.factories import T0, make_market

TICKS = st.sampled_from([0.01, 0.001])


@st.composite
def books(draw):
    """A valid book: distinct on-tick bids below distinct on-tick asks."""
    tick = draw(TICKS)
    n_ticks = round(1 / tick)
    split = draw(st.integers(2, n_ticks - 2))
    bid_steps = draw(st.lists(st.integers(1, split), min_size=0, max_size=8, unique=True))
    ask_steps = draw(st.lists(st.integers(split + 1, n_ticks - 1), max_size=8, unique=True))
    size = st.floats(0, 1e6, allow_nan=False)
    bids = [(k * tick, draw(size)) for k in bid_steps]
    asks = [(k * tick, draw(size)) for k in ask_steps]
    return OrderBook.from_levels("tok", T0, bids, asks, tick), tick


@settings(deadline=None)
@given(books())
def test_valid_books_construct_best_first(case):
    book, tick = case
    assert np.all(np.diff(book.bid_prices) < 0)
    assert np.all(np.diff(book.ask_prices) > 0)
    if book.bid_prices.size and book.ask_prices.size:
        assert book.best_bid < book.best_ask
        assert book.spread >= tick - 1e-12
    assert all(on_tick(p, tick) for p in [*book.bid_prices, *book.ask_prices])


@settings(deadline=None)
@given(books(), st.floats(1e-6, 0.9 * 1e-3))
def test_off_tick_price_names_the_field(case, nudge):
    book, tick = case
    if not book.ask_prices.size:
        return
    asks = book.ask_prices.copy()
    asks[0] = asks[0] - nudge * tick * 10
    with pytest.raises(ValidationError, match=r"ask_prices\[0\]"):
        OrderBook("tok", T0, book.bid_prices, book.bid_sizes, asks, book.ask_sizes, tick)


@pytest.mark.parametrize(
    ("bids", "asks", "field"),
    [
        ([(1.2, 5)], [], r"bid_prices\[0\]: expected a price in \[0, 1\]"),
        ([(0.4, -1)], [], r"bid_sizes\[0\]: expected a size >= 0"),
        ([(0.5, 1)], [(0.5, 1)], r"bid_prices\[0\]: expected below the best ask"),
        ([(float("nan"), 1)], [], r"bid_prices\[0\]: expected a finite number"),
    ],
)
def test_bad_books_fail_with_the_field(bids, asks, field):
    with pytest.raises(ValidationError, match=field):
        OrderBook.from_levels("tok", T0, bids, asks)


def test_unsorted_book_arrays_are_refused():
    with pytest.raises(ValidationError, match="bid_prices: expected strictly descending"):
        OrderBook("t", T0, np.array([0.4, 0.45]), np.ones(2), np.array([]), np.array([]))


def test_book_rejects_two_dimensional_levels_and_naive_time():
    with pytest.raises(ValidationError, match="bid_prices: expected a 1-D array"):
        OrderBook("t", T0, np.ones((2, 2)) * 0.1, np.ones((2, 2)), np.array([]), np.array([]))
    with pytest.raises(ValidationError, match="tz-aware"):
        OrderBook.from_levels("t", datetime(2025, 1, 1), [], [])


def test_market_validation_names_fields():
    yes, no = Token("a", "Yes", "c"), Token("b", "No", "c")
    with pytest.raises(ValidationError, match="tokens: expected exactly 2"):
        Market("c", "q", (yes,))
    with pytest.raises(ValidationError, match="tick_size"):
        Market("c", "q", (yes, no), tick_size=0.02)
    with pytest.raises(ValidationError, match="end_time: expected after start_time"):
        Market("c", "q", (yes, no), start_time=T0, end_time=T0 - timedelta(days=1))
    with pytest.raises(ValidationError, match=r"tokens.market_id"):
        Market("c", "q", (yes, Token("b", "No", "other")))
    resolved = Resolution(ResolutionState.RESOLVED, "Maybe", T0)
    with pytest.raises(ValidationError, match="winning_outcome: expected one of"):
        Market("c", "q", (yes, no), resolution=resolved)
    market = make_market(1)
    assert market.yes.outcome == "Yes"
    assert market.no.outcome == "No"


@settings(deadline=None)
@given(st.sampled_from(list(ResolutionState)), st.sampled_from(["Yes", "No"]))
def test_resolution_payouts(state, outcome):
    if state is ResolutionState.RESOLVED:
        res = Resolution(state, "Yes", T0)
        assert res.payout(outcome) == (1.0 if outcome == "Yes" else 0.0)
    elif state is ResolutionState.VOID:
        assert Resolution(state, None, T0).payout(outcome) == 0.5
    else:
        assert Resolution().payout(outcome) is None


def test_resolution_requires_consistent_fields():
    with pytest.raises(ValidationError, match="winning_outcome: expected an outcome"):
        Resolution(ResolutionState.RESOLVED, None, T0)
    with pytest.raises(ValidationError, match="time: expected the resolution time"):
        Resolution(ResolutionState.RESOLVED, "Yes", None)
    with pytest.raises(ValidationError, match="state: expected one of"):
        Resolution("settled")


def test_order_validation():
    with pytest.raises(ValidationError, match="exactly one of size"):
        Order("t", Side.BUY, price=0.5)
    with pytest.raises(ValidationError, match="notional: expected only on BUY"):
        Order("t", Side.SELL, notional=10, order_type=OrderType.FOK)
    with pytest.raises(ValidationError, match="price: expected a limit price"):
        Order("t", Side.BUY, size=10)
    with pytest.raises(ValidationError, match="expiration: expected a time"):
        Order("t", Side.BUY, size=10, price=0.4, order_type=OrderType.GTD)
    with pytest.raises(ValidationError, match="side: expected BUY or SELL"):
        Order("t", "HOLD", size=10, price=0.4)
    order = Order("t", "BUY", size=10, price=0.4)
    assert order.side is Side.BUY
    assert order.remaining == 10
    assert order.is_active


@settings(deadline=None)
@given(
    st.sampled_from(list(Side)),
    st.floats(0.001, 0.999),
    st.floats(0.0, 1e5),
    st.floats(0.0, 1.0),
)
def test_fill_cash_and_share_deltas(side, price, size, fee_frac):
    fee_shares = size * fee_frac * 0.1 if side is Side.BUY else 0.0
    fee_usdc = price * size * fee_frac * 0.1 if side is Side.SELL else 0.0
    fill = Fill("o", "t", side, price, size, T0, fee_usdc=fee_usdc, fee_shares=fee_shares)
    assert fill.fee >= 0
    if side is Side.BUY:
        assert fill.cash_delta == pytest.approx(-price * size)
        assert fill.share_delta == pytest.approx(size - fee_shares)
    else:
        assert fill.cash_delta == pytest.approx(price * size - fee_usdc)
        assert fill.share_delta == -size


def test_fill_rejects_negative_fee_and_trade_bad_side():
    with pytest.raises(ValidationError, match="fee_usdc: expected a size >= 0"):
        Fill("o", "t", Side.SELL, 0.5, 1.0, T0, fee_usdc=-0.01)
    with pytest.raises(ValidationError, match="side: expected BUY or SELL"):
        Trade("t", T0, 0.5, 1.0, "sideways")
    assert Trade("t", "2025-01-01T00:00Z", 0.5, 1.0, "SELL").timestamp == T0
