"""Property tests of the simulator's accounting and fills (hypothesis).

Random markets with books, random order flow, random latency; at every step the account
is rebuilt independently from the fills and settlements and compared with the broker's.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.data import BookPanel, Dataset, markets_frame, tokens_frame
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.timeutil import NS_PER_MINUTE, NS_PER_SECOND, to_ns
from alpha_arena.types import Liquidity, Order, OrderType, Resolution, ResolutionState, Side
from tests.factories import T0, make_market

N_TIMES = 16


def random_dataset(seed: int, with_books: bool, with_trades: bool = False) -> Dataset:
    """Two markets; m0 resolves YES at row 10 (ended at row 8), m1 stays open.

    With trades, m1's two tokens get random trades around their prices between the rows.
    """
    rng = np.random.default_rng(seed)
    times = to_ns(T0) + NS_PER_MINUTE * np.arange(N_TIMES, dtype=np.int64)
    end = pd.Timestamp(times[8], tz="UTC").to_pydatetime()
    resolved = pd.Timestamp(times[10], tz="UTC").to_pydatetime()
    markets = [
        make_market(0, resolution=Resolution(ResolutionState.RESOLVED, "Yes", resolved)),
        make_market(1),
    ]
    markets[0] = dataclasses.replace(markets[0], end_time=end)
    yes = np.clip(0.5 + np.cumsum(rng.integers(-3, 4, (N_TIMES, 2)), axis=0) / 100, 0.1, 0.9)
    prices = np.empty((N_TIMES, 4))
    prices[:, 0::2] = yes
    prices[:, 1::2] = np.round(1 - yes, 2)
    prices[8:, 0:2] = np.nan
    books = None
    if with_books:
        levels = 3
        offsets = 0.01 * (1 + np.arange(levels))
        mid = np.nan_to_num(prices, nan=0.5)[:, :, None]
        bid_sz = rng.uniform(1, 60, (N_TIMES, 4, levels)).round(1)
        ask_sz = rng.uniform(1, 60, (N_TIMES, 4, levels)).round(1)
        books = BookPanel(
            times, np.round(mid - offsets, 2), bid_sz, np.round(mid + offsets, 2), ask_sz
        )
    trades = None
    if with_trades:
        n = 60
        rows = rng.integers(0, N_TIMES, n)
        col = rng.integers(2, 4, n)
        trades = pl.DataFrame(
            {
                "ts": times[rows] + rng.integers(1, 60, n) * NS_PER_SECOND,
                "token_id": [f"m1-{'yes' if c == 2 else 'no'}" for c in col],
                "price": np.clip(prices[rows, col] + rng.integers(-3, 4, n) / 100, 0.01, 0.99),
                "size": rng.uniform(1, 30, n).round(1),
                "side": ["SELL"] * n,
            }
        )
    return Dataset(
        markets=markets_frame(markets),
        tokens=tokens_frame(markets),
        times=times,
        prices=prices,
        books=books,
        trades=trades,
        source="prop",
        synthetic=True,
    )


action = st.tuples(
    st.sampled_from(
        ["mbuy", "nbuy", "msell", "lbuy", "lsell", "gtd", "fok", "cancel", "split", "merge"]
    ),
    st.integers(0, 3),
    st.floats(0.05, 1.0),
    st.integers(-3, 3),
)


@settings(deadline=None, max_examples=40)
@given(
    seed=st.integers(0, 10_000),
    with_books=st.booleans(),
    with_trades=st.booleans(),
    queue=st.booleans(),
    latency_s=st.sampled_from([0, 30, 90]),
    fee_on=st.booleans(),
    plan=st.lists(st.lists(action, max_size=3), min_size=N_TIMES, max_size=N_TIMES),
)
def test_accounting_invariants_and_fills_never_beat_the_book(
    seed, with_books, with_trades, queue, latency_s, fee_on, plan
):
    data = random_dataset(seed, with_books, with_trades)
    cash0 = 200.0
    config = SimConfig(
        latency_ms=latency_s * 1000, fees=fee_on, bar_depth=40.0, queue_position=queue
    )
    broker = SimBroker(data, cash0, config)
    p = broker.portfolio
    limits: dict[str, float | None] = {}
    cash_rec = cash0
    shares_rec = np.zeros(data.n_tokens)
    seen_fills = 0
    for k, t in enumerate(data.times):
        events = broker.advance(int(t))
        p.mark(data.prices[k])
        for f in events.fills:
            cash_rec += f.cash_delta
            shares_rec[data.column(f.token_id)] += f.share_delta
        for s in events.settlements:
            cash_rec += s.cash
            shares_rec[data.column(s.token_id)] -= s.shares
        marks = pd.DataFrame(data.prices[: k + 1]).ffill().to_numpy()[-1]
        assert p.cash == pytest.approx(cash_rec, abs=1e-7)
        assert p.shares == pytest.approx(shares_rec, abs=1e-7)
        held = shares_rec != 0
        assert p.equity() == pytest.approx(cash_rec + (shares_rec[held] * marks[held]).sum())
        assert p.equity() - cash0 == pytest.approx(p.realized_pnl() + p.unrealized_pnl())
        assert p.cash >= -1e-9
        assert p.reserved_cash <= p.cash + 1e-7
        assert (p.shares >= -1e-9).all()
        assert (p.reserved_shares <= p.shares + 1e-7).all()
        for fill, model in zip(
            broker.fills[seen_fills:], broker.fill_models[seen_fills:], strict=True
        ):
            check_fill(data, fill, model, limits[fill.order_id], config)
        seen_fills = len(broker.fills)
        for kind, tok, frac, off in plan[k]:
            token = str(data.token_ids[tok])
            col = tok
            market = str(data.tokens["market_id"].iloc[col])
            price = data.prices[k, col]
            ref = 0.5 if np.isnan(price) else float(price)
            lim = float(np.clip(round(ref + off / 100, 2), 0.01, 0.99))
            if kind == "split":
                if p.available_cash() > 1 and broker.is_open(col, int(t)):
                    amount = round(frac * 10, 2)
                    broker.split(market, amount, int(t))
                    cash_rec -= amount
                    shares_rec[data.complement[col]] += amount
                    shares_rec[col] += amount
                continue
            if kind == "merge":
                pair = [col, int(data.complement[col])]
                sets = min(p.available_shares(c) for c in pair)
                if sets > 0.01 and broker.is_open(col, int(t)):
                    amount = np.floor(sets * frac * 100) / 100 or 0.01
                    broker.merge(market, amount, int(t))
                    cash_rec += amount
                    shares_rec[pair] -= amount
                continue
            if kind == "cancel":
                for order in broker.open_orders()[:1]:
                    broker.cancel(order.client_id, int(t))
                continue
            order = make_order(kind, token, frac, lim, p.available_shares(col), int(t))
            if order is None:
                continue
            limits[broker.submit(order, int(t)).client_id] = order.price
    fees = [(f.fee_usdc, f.fee_shares) for f in broker.fills]
    assert all(a >= 0 and b >= 0 for a, b in fees)
    if not fee_on:
        assert p.fees_paid() == 0.0


def make_order(
    kind: str, token: str, frac: float, lim: float, held: float, now: int
) -> Order | None:
    size = round(5 + frac * 60, 2)
    if kind == "gtd":
        expiry = pd.Timestamp(now + int(frac * 300) * NS_PER_SECOND + NS_PER_SECOND, tz="UTC")
        return Order(token, Side.BUY, size=size, price=lim, order_type="GTD", expiration=expiry)
    if kind == "mbuy":
        return Order(token, Side.BUY, size=size, order_type=OrderType.FAK)
    if kind == "nbuy":
        return Order(token, Side.BUY, notional=round(1 + frac * 20, 2), order_type=OrderType.FAK)
    if kind == "fok":
        return Order(token, Side.BUY, size=size, price=lim, order_type=OrderType.FOK)
    if kind == "lbuy":
        return Order(token, Side.BUY, size=size, price=lim, order_type=OrderType.GTC)
    amount = round(held * frac, 2)
    if amount < 5:
        return None
    if kind == "msell":
        return Order(token, Side.SELL, size=amount, order_type=OrderType.FAK)
    return Order(token, Side.SELL, size=amount, price=lim, order_type=OrderType.GTC)


def check_fill(data: Dataset, fill, model: str, limit: float | None, config: SimConfig) -> None:
    """No fill is better than the book (or bar) it met, nor than its limit."""
    col = data.column(fill.token_id)
    t = int(pd.Timestamp(fill.timestamp).value)
    buy = fill.side is Side.BUY
    assert fill.fee_usdc >= 0
    assert fill.fee_shares >= 0
    if limit is not None:
        assert fill.price <= limit + 1e-9 if buy else fill.price >= limit - 1e-9
    if fill.liquidity is Liquidity.MAKER:
        assert fill.fee == 0.0
        return
    if model == "book":
        books = data.books
        row = books.index_at(t)
        best = books.ask_px[row, col, 0] if buy else books.bid_px[row, col, 0]
    else:
        row = int(np.searchsorted(data.times, t, side="right")) - 1
        best = data.prices[row, col]
    assert fill.price >= best - 1e-9 if buy else fill.price <= best + 1e-9


@settings(deadline=None, max_examples=40)
@given(
    cents=st.integers(1, 99),
    size=st.floats(2.0, 500.0),
    tick=st.sampled_from([0.01, 0.001]),
)
def test_zero_spread_zero_fee_round_trip_returns_the_cash(cents, size, tick):
    times = to_ns(T0) + NS_PER_SECOND * np.arange(2, dtype=np.int64)
    market = make_market(0, tick=tick)
    price = cents / 100
    data = Dataset(
        markets=markets_frame([market]),
        tokens=tokens_frame([market]),
        times=times,
        prices=np.array([[price, 1 - price]] * 2),
    )
    broker = SimBroker(data, 1_000.0, SimConfig(default_spread=0.0, fees=False, bar_depth=1e6))
    if size * price < 1.0:
        size = 1.0 / price
    broker.submit(Order("m0-yes", Side.BUY, size=size, order_type="FAK"), int(times[0]))
    held = float(broker.portfolio.shares[0])
    assert held == pytest.approx(size)
    broker.submit(Order("m0-yes", Side.SELL, size=held, order_type="FAK"), int(times[0]))
    assert broker.portfolio.cash == pytest.approx(1_000.0, abs=1e-9)
    assert broker.portfolio.shares[0] == 0.0
    assert broker.portfolio.realized_pnl() == pytest.approx(0.0, abs=1e-9)
