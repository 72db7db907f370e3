"""SimBroker unit tests: one test (or a few) per simulator rule, on hand-built markets."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import numpy as np
import polars as pl
import pytest

from alpha_arena.data import BookPanel, Dataset, markets_frame, tokens_frame
from alpha_arena.errors import ValidationError
from alpha_arena.fees import pm_buy_fee_shares, polymarket_fee
from alpha_arena.sim import Portfolio, SimBroker, SimConfig
from alpha_arena.timeutil import NS_PER_MINUTE, NS_PER_SECOND, to_ns
from alpha_arena.types import (
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    Resolution,
    ResolutionState,
    Side,
)
from tests.factories import T0, make_market

NS0 = to_ns(T0)
FREE = SimConfig(fees=False)


def build(
    yes_prices,
    *,
    n_markets: int = 1,
    asks=None,
    bids=None,
    book_rows=None,
    trades=None,
    fee_rate: float | None = 0.0,
    tick: float = 0.01,
    min_order_size: float = 5.0,
    end_minute: int | None = None,
    resolution: list[Resolution | None] | None = None,
    event_id: str | None = None,
) -> Dataset:
    """Markets m0..m{n-1} on a 1-minute grid; YES prices given per row (NO = 1 − YES).

    `asks`/`bids`: per book row, a list of (price, size) levels of m0's YES token.
    """
    yes = np.asarray(yes_prices, dtype=np.float64).reshape(len(yes_prices), -1)
    yes = np.repeat(yes, n_markets, axis=1) if yes.shape[1] == 1 else yes
    n_times = yes.shape[0]
    end = T0 + timedelta(minutes=end_minute if end_minute is not None else 10 * n_times)
    markets = []
    for i in range(n_markets):
        market = make_market(
            i,
            tick=tick,
            event_id=event_id,
            neg_risk=event_id is not None,
            resolution=(resolution or [None] * n_markets)[i],
        )
        markets.append(
            dataclasses.replace(
                market, fee_rate=fee_rate, end_time=end, min_order_size=min_order_size
            )
        )
    times = NS0 + NS_PER_MINUTE * np.arange(n_times, dtype=np.int64)
    prices = np.empty((n_times, 2 * n_markets))
    prices[:, 0::2] = yes
    prices[:, 1::2] = np.round(1.0 - yes, 6)
    outside = times[:, None] >= to_ns(end)
    prices[np.repeat(outside, 2 * n_markets, axis=1)] = np.nan
    books = None
    if asks is not None or bids is not None:
        rows = list(book_rows if book_rows is not None else range(len(asks or bids)))
        levels = max(len(x) for x in (asks or []) + (bids or []) + [[0]])
        shape = (len(rows), 2 * n_markets, levels)
        arrays = {k: np.full(shape, np.nan) for k in ("bid_px", "ask_px")}
        arrays |= {k: np.zeros(shape) for k in ("bid_sz", "ask_sz")}
        for side, data in (("ask", asks), ("bid", bids)):
            for r, lv in enumerate(data or []):
                for j, (p, s) in enumerate(lv):
                    arrays[f"{side}_px"][r, 0, j] = p
                    arrays[f"{side}_sz"][r, 0, j] = s
        books = BookPanel(times[rows], **arrays)
    frame = None
    if trades is not None:
        frame = pl.DataFrame(
            {
                "ts": [NS0 + int(m * NS_PER_MINUTE) for m, _, _ in trades],
                "token_id": ["m0-yes"] * len(trades),
                "price": [p for _, p, _ in trades],
                "size": [s for _, _, s in trades],
                "side": ["SELL"] * len(trades),
            },
            schema={
                "ts": pl.Int64,
                "token_id": pl.Utf8,
                "price": pl.Float64,
                "size": pl.Float64,
                "side": pl.Utf8,
            },
        )
    return Dataset(
        markets=markets_frame(markets),
        tokens=tokens_frame(markets),
        times=times,
        prices=prices,
        books=books,
        trades=frame,
        source="test",
        synthetic=True,
    )


def at(minute: float) -> int:
    """The ns time `minute` minutes after T0."""
    return NS0 + int(minute * NS_PER_MINUTE)


def buy(token="m0-yes", size=None, price=None, kind=None, **kw) -> Order:
    kind = kind or (OrderType.FAK if price is None else OrderType.GTC)
    return Order(token, Side.BUY, size=size, price=price, order_type=kind, **kw)


def sell(token="m0-yes", size=10.0, price=None, kind=None, **kw) -> Order:
    kind = kind or (OrderType.FAK if price is None else OrderType.GTC)
    return Order(token, Side.SELL, size=size, price=price, order_type=kind, **kw)


BOOK_ASKS = [[(0.50, 100.0), (0.51, 100.0), (0.53, 50.0)]]
BOOK_BIDS = [[(0.48, 80.0), (0.47, 100.0)]]


def book_broker(cash=1_000.0, config=FREE, **kw) -> SimBroker:
    data = build([0.49] * 5, asks=BOOK_ASKS, bids=BOOK_BIDS, **kw)
    return SimBroker(data, cash=cash, config=config)


# ----- marketable orders walk the book --------------------------------------------------------


def test_buy_walks_asks_level_by_level():
    broker = book_broker()
    order = broker.submit(buy(size=150.0), at(0))
    fills = broker.advance(at(0)).fills
    assert [(f.price, f.size) for f in fills] == [(0.50, 100.0), (0.51, 50.0)]
    assert order.status is OrderStatus.FILLED
    assert broker.portfolio.cash == pytest.approx(1_000.0 - 50.0 - 25.5)
    assert broker.fill_models == ["book", "book"]
    frame = broker.fills_frame()
    assert frame["model"].tolist() == ["book", "book"]
    assert frame["size"].sum() == 150.0


def test_partial_fill_when_depth_runs_out_and_fak_kills_the_rest():
    broker = book_broker()
    order = broker.submit(buy(size=300.0), at(0))
    assert order.filled_size == pytest.approx(250.0)
    assert order.status is OrderStatus.CANCELLED
    assert "fill-and-kill" in order.reason


def test_sell_walks_bids_down_to_its_limit():
    broker = book_broker()
    broker.submit(buy(size=200.0), at(0))
    order = broker.submit(sell(size=150.0, price=0.48, kind=OrderType.FAK), at(0))
    fills = broker.advance(at(0)).fills[-1:]
    assert [(f.price, f.size) for f in fills] == [(0.48, 80.0)]
    assert order.status is OrderStatus.CANCELLED
    assert order.filled_size == 80.0


def test_fok_is_all_or_nothing():
    broker = book_broker()
    too_big = broker.submit(buy(size=251.0, kind=OrderType.FOK), at(0))
    assert too_big.status is OrderStatus.CANCELLED
    assert too_big.filled_size == 0
    assert broker.portfolio.cash == 1_000.0
    assert broker.fills == []
    fits = broker.submit(buy(size=250.0, kind=OrderType.FOK), at(0))
    assert fits.status is OrderStatus.FILLED


def test_liquidity_taken_is_gone_for_the_next_order_at_the_same_snapshot():
    broker = book_broker()
    broker.submit(buy(size=100.0), at(0))
    broker.submit(buy(size=10.0), at(0))
    assert broker.fills[-1].price == 0.51


def test_limit_price_caps_the_walk():
    broker = book_broker()
    order = broker.submit(buy(size=150.0, price=0.50, kind=OrderType.FAK), at(0))
    assert order.filled_size == 100.0


def test_notional_buy_spends_the_usdc():
    broker = book_broker()
    order = broker.submit(Order("m0-yes", Side.BUY, notional=75.5, order_type="FAK"), at(0))
    assert order.filled_size == pytest.approx(150.0)
    assert broker.portfolio.cash == pytest.approx(1_000.0 - 75.5)
    assert order.status is OrderStatus.FILLED


def test_cash_only_caps_a_marketable_buy():
    broker = book_broker(cash=25.0)
    order = broker.submit(buy(size=100.0), at(0))
    assert order.filled_size == pytest.approx(50.0)
    assert broker.portfolio.cash == pytest.approx(0.0)
    assert broker.portfolio.cash >= 0.0


# ----- no books: bar price ± half the spread, depth cap, flagged ------------------------------


def test_bar_fill_at_price_plus_half_spread_with_depth_cap_is_flagged():
    data = build([0.40] * 3)
    broker = SimBroker(data, 1_000.0, SimConfig(fees=False, default_spread=0.04, bar_depth=30))
    order = broker.submit(buy(size=50.0), at(0))
    assert [(f.price, f.size) for f in broker.fills] == [(0.42, 30.0)]
    assert order.status is OrderStatus.CANCELLED
    broker.submit(sell(size=10.0), at(0))
    assert broker.fills[-1].price == 0.38
    assert broker.fill_models == ["bar", "bar"]
    notes = broker.fill_model_notes()
    assert any("no order book" in n and "30" in n for n in notes)


def test_bar_quote_rounds_away_from_the_price_to_the_tick():
    data = build([0.405] * 2, tick=0.001)
    broker = SimBroker(data, 100.0, SimConfig(fees=False, default_spread=0.015))
    broker.submit(buy(size=10.0), at(0))
    assert broker.fills[0].price == pytest.approx(0.413)


def test_stale_book_falls_back_to_the_bar_with_the_observed_spread():
    asks, bids = [[(0.52, 100.0)]], [[(0.48, 100.0)]]
    data = build([0.50, 0.55, 0.58, 0.60], asks=asks, bids=bids, book_rows=[0])
    fresh = SimBroker(data, 100.0, FREE)
    fresh.submit(buy(size=10.0), at(3))
    assert [(f.price, m) for f, m in zip(fresh.fills, fresh.fill_models, strict=True)] == [
        (0.52, "book")
    ]
    stale = SimBroker(data, 100.0, SimConfig(fees=False, book_max_age_ms=60_000))
    stale.submit(buy(size=10.0), at(3))
    assert stale.fills[0].price == pytest.approx(0.62)
    assert stale.fill_models == ["bar"]


def test_a_book_with_an_empty_side_gives_no_fill_not_a_bar_fill():
    data = build([0.50] * 2, asks=[[]], bids=[[(0.48, 100.0)]])
    broker = SimBroker(data, 100.0, FREE)
    order = broker.submit(buy(size=10.0, price=0.55, kind=OrderType.FAK), at(0))
    assert order.status is OrderStatus.CANCELLED
    assert "no liquidity" in order.reason
    unpriced = broker.submit(buy(size=10.0), at(0))
    assert unpriced.status is OrderStatus.REJECTED
    assert "no price" in unpriced.reason
    assert broker.fills == []


@pytest.mark.parametrize(
    ("price", "side", "expected"),
    [(0.995, "BUY", None), (0.995, "SELL", 0.98), (0.004, "SELL", None), (0.004, "BUY", 0.02)],
)
def test_bar_quote_never_clips_through_the_price(price, side, expected):
    data = build([price] * 2)
    broker = SimBroker(data, 100.0, FREE)
    broker.split("m0", 80.0, at(0))
    order = broker.submit(Order("m0-yes", side, size=60.0, order_type="FAK"), at(0))
    assert order.status is (OrderStatus.REJECTED if expected is None else OrderStatus.FILLED)
    prices = [f.price for f in broker.fills]
    assert prices == ([] if expected is None else [expected])


def test_no_price_no_book_cancels_a_marketable_order():
    data = build([np.nan, 0.5])
    broker = SimBroker(data, 100.0, FREE)
    order = broker.submit(buy(size=10.0, price=0.6, kind=OrderType.FAK), at(0))
    assert order.status is OrderStatus.CANCELLED
    assert "no price" in order.reason


# ----- resting orders fill only when later data crosses them ----------------------------------


def test_resting_buy_fills_when_a_later_bar_trades_through_it():
    data = build([0.50, 0.45, 0.44, 0.40])
    broker = SimBroker(data, 100.0, FREE)
    order = broker.submit(buy(size=10.0, price=0.45), at(0))
    assert order.status is OrderStatus.OPEN
    assert broker.portfolio.reserved_cash == pytest.approx(4.5)
    assert broker.portfolio.available_cash() == pytest.approx(95.5)
    broker.advance(at(0))
    assert broker.advance(at(1)).fills == []
    fills = broker.advance(at(2)).fills
    assert [(f.price, f.size, f.liquidity) for f in fills] == [(0.45, 10.0, Liquidity.MAKER)]
    assert fills[0].fee == 0.0
    assert order.status is OrderStatus.FILLED
    assert broker.portfolio.reserved_cash == 0.0
    assert broker.portfolio.cash == pytest.approx(95.5)


def test_marketable_part_of_a_gtc_takes_then_the_rest_rests():
    broker = book_broker()
    order = broker.submit(buy(size=150.0, price=0.50), at(0))
    assert order.filled_size == 100.0
    assert order.status is OrderStatus.OPEN
    assert broker.portfolio.reserved_cash == pytest.approx(25.0)


def test_resting_order_fills_from_a_later_book_crossing_it():
    asks = [[(0.50, 100.0)], [(0.50, 100.0)], [(0.44, 7.0), (0.45, 50.0)]]
    bids = [[(0.48, 10.0)], [(0.47, 10.0)], [(0.43, 10.0)]]
    data = build([0.49, 0.48, 0.45, 0.45], asks=asks, bids=bids, book_rows=[0, 1, 2])
    broker = SimBroker(data, 100.0, FREE)
    order = broker.submit(buy(size=10.0, price=0.45), at(0))
    broker.advance(at(0))
    assert broker.advance(at(1)).fills == []
    fills = broker.advance(at(3)).fills
    assert [(f.price, f.size) for f in fills] == [(0.45, 7.0)]
    assert order.status is OrderStatus.OPEN
    assert broker.fill_models == ["book"]


def test_trades_through_the_price_fill_resting_orders_without_queue():
    data = build([0.5] * 6, trades=[(1, 0.45, 20.0), (2, 0.44, 3.0), (3, 0.43, 4.0)])
    broker = SimBroker(data, 100.0, FREE)
    order = broker.submit(buy(size=6.0, price=0.45), at(0))
    broker.advance(at(2))
    assert order.filled_size == 3.0
    broker.advance(at(5))
    assert order.status is OrderStatus.FILLED
    assert set(broker.fill_models) == {"trades"}
    assert all(f.price == 0.45 for f in broker.fills)


def test_queue_position_lets_trades_at_the_price_fill_after_the_queue():
    asks = [[(0.50, 100.0)]]
    bids = [[(0.45, 30.0), (0.44, 10.0)]]
    trades = [(1, 0.45, 20.0), (2, 0.45, 15.0)]
    data = build([0.47] * 4, asks=asks, bids=bids, trades=trades)
    broker = SimBroker(data, 100.0, SimConfig(fees=False, queue_position=True))
    order = broker.submit(buy(size=10.0, price=0.45), at(0))
    broker.advance(at(1))
    assert order.filled_size == 0.0
    broker.advance(at(2))
    assert order.filled_size == 5.0
    plain = SimBroker(data, 100.0, FREE)
    other = plain.submit(buy(size=10.0, price=0.45), at(0))
    plain.advance(at(3))
    assert other.filled_size == 0.0


def test_gtd_expires_and_releases_its_cash():
    data = build([0.5] * 6)
    broker = SimBroker(data, 100.0, FREE)
    exp = T0 + timedelta(minutes=2)
    order = broker.submit(buy(size=10.0, price=0.4, kind=OrderType.GTD, expiration=exp), at(0))
    assert order.status is OrderStatus.OPEN
    updates = broker.advance(at(2)).updates
    assert order in updates
    assert order.status is OrderStatus.EXPIRED
    assert broker.portfolio.reserved_cash == 0.0
    late = buy(size=10.0, price=0.4, kind=OrderType.GTD, expiration=T0)
    assert broker.submit(late, at(1)).status is OrderStatus.REJECTED


def test_cancel_and_cancel_all():
    data = build([0.5] * 3, n_markets=2)
    broker = SimBroker(data, 100.0, FREE)
    a = broker.submit(buy("m0-yes", 10.0, 0.4), at(0))
    b = broker.submit(buy("m1-yes", 10.0, 0.4), at(0))
    c = broker.submit(buy("m1-yes", 10.0, 0.3), at(0))
    assert broker.cancel(a.client_id, at(0)) is True
    assert broker.cancel(a.client_id, at(0)) is False
    assert broker.cancel_all(at(0), token_id="m1-yes") == 2
    assert {a.status, b.status, c.status} == {OrderStatus.CANCELLED}
    assert broker.open_orders() == []
    assert broker.portfolio.reserved_cash == 0.0


# ----- latency --------------------------------------------------------------------------------


def test_latency_delays_arrival_to_the_state_at_arrival_time():
    data = build([0.40, 0.60, 0.70])
    broker = SimBroker(data, 100.0, SimConfig(fees=False, default_spread=0.0, latency_ms=90_000))
    order = broker.submit(buy(size=10.0), at(0))
    assert order.status is OrderStatus.PENDING
    assert broker.open_orders() == [order]
    assert broker.advance(at(1)).fills == []
    fills = broker.advance(at(2)).fills
    assert [(f.price, f.timestamp) for f in fills] == [(0.60, T0 + timedelta(seconds=90))]


def test_order_arriving_after_the_market_ended_is_rejected():
    data = build([0.4, 0.5, 0.6], end_minute=1)
    broker = SimBroker(data, 100.0, SimConfig(fees=False, latency_ms=61_000))
    order = broker.submit(buy(size=10.0), at(0))
    assert broker.advance(at(2)).updates == [order]
    assert order.status is OrderStatus.REJECTED
    assert "closed" in order.reason


# ----- venue rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "needle"),
    [
        (buy(size=10.0, price=0.455), "tick"),
        (buy(size=4.0, price=0.45), "minimum order size"),
        (buy(size=1.5, price=0.50, kind=OrderType.FAK), "below the minimum"),
        (sell(size=10.0), "cannot sell"),
        (buy(size=10_000.0, price=0.5), "insufficient cash"),
        (buy("nope", size=10.0), "unknown token"),
    ],
)
def test_venue_rules_reject_with_a_reason(order, needle):
    broker = SimBroker(build([0.5] * 3), 100.0, FREE)
    out = broker.submit(order, at(0))
    assert out.status is OrderStatus.REJECTED
    assert needle in out.reason
    assert broker.advance(at(0)).updates == []


def test_fine_tick_market_accepts_the_finer_price_and_market_minimum_applies():
    broker = SimBroker(build([0.5] * 3, tick=0.001, min_order_size=10.0), 100.0, FREE)
    assert broker.submit(buy(size=10.0, price=0.455), at(0)).status is OrderStatus.OPEN
    small = broker.submit(buy(size=6.0, price=0.455), at(0))
    assert small.status is OrderStatus.REJECTED
    assert "10" in small.reason


def test_sell_of_shares_already_committed_is_rejected():
    broker = SimBroker(build([0.5] * 3), 100.0, FREE)
    broker.submit(buy(size=10.0), at(0))
    held = broker.portfolio.shares[0]
    assert broker.submit(sell(size=held, price=0.6), at(0)).status is OrderStatus.OPEN
    again = broker.submit(sell(size=5.0, price=0.6), at(0))
    assert again.status is OrderStatus.REJECTED
    assert "0 available" in again.reason


def test_no_orders_after_the_market_end_and_resting_orders_cancelled_there():
    data = build([0.5] * 6, end_minute=3)
    broker = SimBroker(data, 100.0, FREE)
    resting = broker.submit(buy(size=10.0, price=0.4), at(0))
    broker.advance(at(3))
    assert resting.status is OrderStatus.CANCELLED
    assert resting.reason == "market ended"
    late = broker.submit(buy(size=10.0, price=0.4), at(3))
    assert late.status is OrderStatus.REJECTED
    assert "not open" in late.reason


def test_duplicate_client_id_is_rejected():
    broker = SimBroker(build([0.5] * 3), 100.0, FREE)
    broker.submit(buy(size=10.0, price=0.4, client_id="x"), at(0))
    dup = broker.submit(buy(size=10.0, price=0.4, client_id="x"), at(0))
    assert dup.status is OrderStatus.REJECTED
    assert "duplicate" in dup.reason


# ----- fees -----------------------------------------------------------------------------------


def test_taker_fees_in_shares_on_buys_and_usdc_on_sells():
    broker = book_broker(config=SimConfig(), fee_rate=0.04)
    broker.submit(buy(size=100.0), at(0))
    fill = broker.fills[0]
    assert fill.fee_usdc == 0.0
    assert fill.fee_shares == pytest.approx(pm_buy_fee_shares(100.0, 0.50, 0.04, 1.0))
    assert broker.portfolio.shares[0] == pytest.approx(100.0 - fill.fee_shares)
    held = float(broker.portfolio.shares[0])
    broker.submit(sell(size=held), at(0))
    out = broker.fills[-1]
    expected = polymarket_fee(out.size, out.price, "SELL", fee_rate=0.04)
    assert out.fee_usdc == pytest.approx(expected.usdc)
    assert out.fee_shares == 0.0
    assert broker.portfolio.fees_paid() == pytest.approx(sum(f.fee for f in broker.fills))
    assert broker.portfolio.fees_usdc[0] == pytest.approx(sum(f.fee_usdc for f in broker.fills))


def test_category_default_fee_when_the_market_has_none():
    broker = book_broker(config=SimConfig(), fee_rate=None)
    broker.submit(buy(size=100.0), at(0))
    politics = pm_buy_fee_shares(100.0, 0.50, 0.04, 1.0)
    assert broker.fills[0].fee_shares == pytest.approx(politics)


# ----- resolution -----------------------------------------------------------------------------


def _resolving(state, winner, minute=3):
    when = T0 + timedelta(minutes=minute)
    return Resolution(ResolutionState(state), winner, when)


@pytest.mark.parametrize(
    ("resolution", "token", "payout"),
    [
        (("resolved", "Yes"), "m0-yes", 1.0),
        (("resolved", "Yes"), "m0-no", 0.0),
        (("void", None), "m0-yes", 0.5),
    ],
)
def test_positions_pay_at_resolution(resolution, token, payout):
    data = build([0.5] * 6, end_minute=2, resolution=[_resolving(*resolution)])
    broker = SimBroker(data, 100.0, SimConfig(fees=False, default_spread=0.0))
    broker.submit(buy(token, size=20.0), at(0))
    cash = broker.portfolio.cash
    assert broker.advance(at(2)).settlements == []
    assert broker.portfolio.locked_capital(at(2)) == pytest.approx(20.0 * 0.5)
    settlements = broker.advance(at(4)).settlements
    assert [(s.token_id, s.shares, s.payout) for s in settlements] == [(token, 20.0, payout)]
    assert broker.portfolio.cash == pytest.approx(cash + 20.0 * payout)
    assert broker.portfolio.shares.sum() == 0.0
    assert broker.portfolio.locked_capital() == 0.0
    assert broker.portfolio.realized_pnl() == pytest.approx(20.0 * (payout - 0.5))
    assert broker.advance(at(5)).settlements == []


def test_resolution_before_the_end_cancels_open_orders():
    data = build([0.5] * 6, resolution=[_resolving("resolved", "Yes", minute=2)])
    broker = SimBroker(data, 100.0, FREE)
    order = broker.submit(buy(size=10.0, price=0.4), at(0))
    broker.advance(at(2))
    assert order.status is OrderStatus.CANCELLED
    assert broker.submit(buy(size=10.0), at(2)).status is OrderStatus.REJECTED


# ----- split, merge, neg-risk conversion ----------


def test_split_and_merge_complete_sets():
    broker = SimBroker(build([0.3] * 3), 100.0, FREE)
    broker.portfolio.mark(broker.dataset.prices[0])
    broker.split("m0", 10.0, at(0))
    p = broker.portfolio
    assert p.cash == pytest.approx(90.0)
    assert list(p.shares) == [10.0, 10.0]
    assert p.avg_cost.tolist() == pytest.approx([0.3, 0.7])
    assert p.equity() == pytest.approx(100.0)
    broker.merge("m0", 4.0, at(0))
    assert p.cash == pytest.approx(94.0)
    assert list(p.shares) == [6.0, 6.0]
    assert p.realized_pnl() == pytest.approx(0.0)
    with pytest.raises(ValidationError, match="complete sets"):
        broker.merge("m0", 7.0, at(0))
    with pytest.raises(ValidationError, match="available cash"):
        broker.split("m0", 1_000.0, at(0))
    with pytest.raises(ValidationError, match="amount"):
        broker.split("m0", -1.0, at(0))
    assert [c.kind for c in broker.conversions] == ["split", "merge"]


def test_neg_risk_conversion_no_to_yes_plus_usdc():
    data = build([[0.2, 0.3, 0.5]] * 3, n_markets=3, event_id="ev")
    broker = SimBroker(data, 100.0, FREE)
    p = broker.portfolio
    p.mark(data.prices[0])
    broker.split("m0", 10.0, at(0))
    broker.split("m1", 10.0, at(0))
    before = p.equity()
    broker.convert(["m0", "m1"], 10.0, at(0))
    col = data.column
    assert p.shares[col("m0-no")] == 0.0
    assert p.shares[col("m1-no")] == 0.0
    assert p.shares[col("m2-yes")] == 10.0
    assert p.cash == pytest.approx(80.0 + 10.0)
    assert p.equity() == pytest.approx(before + 10.0 * (0.5 + 1.0 - 0.8 - 0.7))
    with pytest.raises(ValidationError, match="NO shares held"):
        broker.convert(["m2"], 1.0, at(0))


def test_conversion_needs_a_neg_risk_event():
    broker = SimBroker(build([0.5] * 3, n_markets=2), 100.0, FREE)
    broker.split("m0", 5.0, at(0))
    with pytest.raises(ValidationError, match="neg-risk"):
        broker.convert(["m0"], 5.0, at(0))


# ----- construction ---------------------------------------------------------------------------


def test_bad_construction_names_the_field():
    with pytest.raises(ValidationError, match="dataset"):
        SimBroker("data")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="latency_ms"):
        SimConfig(latency_ms=-1)
    with pytest.raises(ValidationError, match="bar_depth"):
        SimConfig(bar_depth=0)
    with pytest.raises(ValidationError, match="queue_position"):
        SimConfig(queue_position="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="cash"):
        Portfolio(build([0.5]), -5.0)


def test_latency_ns():
    assert SimConfig(latency_ms=1.5).latency_ns == int(1.5 * NS_PER_SECOND / 1000)
