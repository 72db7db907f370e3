"""The vectorized simulator against the event engine (Engine + SimBroker) and vectorbt."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.data import Dataset
from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.errors import ValidationError
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.sim.vectorized import simulate, simulate_arrays, simulate_signals
from alpha_arena.strategy import Strategy
from tests.factories import make_dataset


def no_books(data: Dataset) -> Dataset:
    return Dataset(
        markets=data.markets,
        tokens=data.tokens,
        times=data.times,
        prices=data.prices,
        source=data.source,
        synthetic=True,
    )


@dataclass
class Replay(Strategy):
    """Sends the row's wanted orders in column order; keeps what it actually sent."""

    wanted: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    sent: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def on_start(self, ctx):
        self.sent = np.full(self.wanted.shape, np.nan)

    def on_snapshot(self, ctx):
        for col, amount in enumerate(self.wanted[ctx.k]):
            if np.isnan(amount) or amount == 0 or not ctx.tradeable()[col]:
                continue
            token = ctx.token_ids[col]
            if amount > 0:
                ctx.buy(token, float(amount))
            elif -amount <= ctx.position(token):
                ctx.sell(token, float(-amount))
            else:
                continue
            self.sent[ctx.k, col] = amount


def random_orders(shape, seed, density=0.3):
    rng = np.random.default_rng(seed)
    sizes = np.round(rng.uniform(-60, 80, shape), 2)
    sizes[rng.random(shape) > density] = np.nan
    return sizes


@settings(deadline=None, max_examples=15)
@given(
    seed=st.integers(0, 1_000),
    spread=st.sampled_from([0.0, 0.02, 0.05]),
    fees=st.booleans(),
    depth=st.sampled_from([25.0, 1_000.0]),
    cash=st.sampled_from([50.0, 2_000.0]),
)
def test_vectorized_agrees_with_the_event_engine(seed, spread, fees, depth, cash):
    data = no_books(make_dataset(n_markets=3, n_times=60, seed=seed))
    config = SimConfig(default_spread=spread, fees=fees, bar_depth=depth)
    strategy = Replay(wanted=random_orders(data.prices.shape, seed))
    broker = SimBroker(data, cash, config)
    record = Engine(HistoricalFeed(data), strategy, broker).run()
    sent = strategy.sent
    result = simulate(data, orders=sent, cash=cash, config=config)
    assert result.cash_open == pytest.approx(record.cash, abs=1e-9)
    assert result.equity_open == pytest.approx(record.equity, abs=1e-9)
    assert result.final_cash == pytest.approx(broker.portfolio.cash, abs=1e-9)
    assert result.shares == pytest.approx(broker.portfolio.shares, abs=1e-9)
    assert result.fees.sum() == pytest.approx(broker.portfolio.fees_paid(), abs=1e-9)
    assert int(result.trades.sum()) == len(broker.fills)
    assert len(record.settlements) > 0 or not np.any(result.shares[:4])


def vbt_portfolio(prices, orders, half, fee, cash, sharing):
    import vectorbt as vbt

    fill_price = np.where(orders > 0, prices + half, prices - half)
    return vbt.Portfolio.from_orders(
        close=prices,
        size=orders,
        size_type="amount",
        direction="longonly",
        price=fill_price,
        fees=fee,
        init_cash=cash,
        cash_sharing=sharing,
        group_by=True if sharing else None,
        freq="1min",
    )


@settings(deadline=None, max_examples=12)
@given(
    seed=st.integers(0, 1_000),
    sharing=st.booleans(),
    half=st.sampled_from([0.0, 0.005, 0.02]),
    fee=st.sampled_from([0.0, 0.002, 0.01]),
    cash=st.sampled_from([50.0, 300.0, 5_000.0]),
)
def test_vectorized_agrees_with_vectorbt_from_orders(seed, sharing, half, fee, cash):
    rng = np.random.default_rng(seed)
    T, N = 300, 6
    prices = np.clip(0.5 + np.cumsum(rng.normal(0, 0.01, (T, N)), axis=0), 0.05, 0.95)
    orders = random_orders((T, N), seed + 10)
    ours = simulate_arrays(
        prices, orders=orders, cash=cash, half_spread=half, flat_fee=fee, cash_sharing=sharing
    )
    pf = vbt_portfolio(prices, np.nan_to_num(orders), half, fee, cash, sharing)
    value = pf.value().to_numpy()
    cash_vbt = pf.cash().to_numpy()
    assert ours.cash == pytest.approx(cash_vbt, abs=1e-9)
    assert ours.equity == pytest.approx(value, abs=1e-9)
    assert ours.shares == pytest.approx(pf.assets().to_numpy()[-1], abs=1e-9)
    assert int(ours.trades.sum()) == int(pf.orders.count().sum())


def test_targets_reach_the_position_and_resolution_pays():
    data = make_dataset(n_markets=3, n_times=60)
    targets = np.full(data.prices.shape, np.nan)
    targets[5, [0, 2]] = 40.0
    targets[30, 2] = 0.0
    config = SimConfig(default_spread=0.0, fees=False)
    result = simulate(data, targets=targets, cash=100.0, config=config)
    assert result.trades.tolist() == [1, 0, 2, 0, 0, 0]
    assert result.shares.tolist() == [0.0] * 6
    yes0 = data.prices[5, 0]
    m1 = data.prices[5, 2]
    gain = 40 * (1.0 - yes0) + 40 * (data.prices[30, 2] - m1)
    assert result.final_cash == pytest.approx(100.0 + gain)
    assert result.cash_open[59] == pytest.approx(100.0 + gain)
    assert result.equity_open[58] == pytest.approx(result.cash[58] + 40 * data.prices[58, 0])


def test_targets_top_up_after_fees_only_above_the_minimum():
    data = make_dataset(n_markets=3, n_times=10)
    targets = np.full(data.prices.shape, np.nan)
    targets[:, 4] = 50.0
    result = simulate(data, targets=targets, cash=100.0, config=SimConfig())
    assert result.trades[4] == 1
    assert 49.0 < result.shares[4] < 50.0
    assert result.fees[4] > 0


def test_independent_columns_each_get_the_cash():
    prices = np.full((3, 2), 0.5)
    orders = np.array([[300.0, 100.0], [np.nan, np.nan], [np.nan, -50.0]])
    out = simulate_arrays(prices, orders=orders, cash=100.0, cash_sharing=False)
    assert out.shares.tolist() == [200.0, 50.0]
    assert out.cash[-1].tolist() == [0.0, 75.0]
    shared = simulate_arrays(prices, orders=orders, cash=100.0)
    assert shared.shares.tolist() == [200.0, 0.0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"prices": np.zeros(3), "orders": np.zeros(3)}, "prices"),
        ({"prices": np.zeros((2, 2))}, "orders"),
        ({"prices": np.zeros((2, 2)), "orders": np.zeros((2, 3))}, "orders"),
        ({"prices": np.zeros((2, 2)), "targets": np.zeros((2, 2)), "cash": -1.0}, "cash"),
        ({"prices": np.zeros((2, 2)), "orders": np.zeros((2, 2)), "flat_fee": 2.0}, "flat_fee"),
        ({"prices": np.zeros((2, 2)), "orders": np.zeros((2, 2)), "tick": [0.01]}, "tick"),
    ],
)
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(ValidationError, match=field):
        simulate_arrays(**kwargs)


@dataclass
class HoldCheap(Strategy):
    """Holds `shares` of every YES token priced below `below` (vectorized form only)."""

    below: float = 0.5
    shares: float = 10.0

    def signals(self, data):
        cheap = data.prices < self.below
        return np.where(cheap & data.is_yes[None, :], self.shares, 0.0)


def test_simulate_signals_runs_the_vectorized_form_of_a_strategy():
    data = make_dataset(n_markets=3, n_times=60)
    config = SimConfig(default_spread=0.0, fees=False)
    result = simulate_signals(HoldCheap(below=0.55), data, cash=100.0, config=config)
    same = simulate(data, targets=HoldCheap(below=0.55).signals(data), cash=100.0, config=config)
    assert result.equity == pytest.approx(same.equity)
    assert result.trades.sum() > 0
    with pytest.raises(ValidationError, match="signals"):
        simulate_signals(Strategy(), data)
