"""Reference strategies: found by name, validated, and trading sensibly on designed paths."""

from __future__ import annotations

import numpy as np
import pytest

from alpha_arena.errors import ValidationError
from alpha_arena.strategy import available, create_strategy, get_strategy
from alpha_arena.types import OrderType, Side
from strategies.complement_arb import ComplementArb
from strategies.favourite_longshot import FavouriteLongshot, calibrated
from strategies.mean_reversion import MeanReversion
from strategies.momentum import Momentum
from strategies.negrisk_arb import NegRiskArb
from tests.strategy_factories import path_dataset, ramp, resolved_no, resolved_yes, run_engine

REFERENCE = {
    "momentum": Momentum,
    "mean_reversion": MeanReversion,
    "complement_arb": ComplementArb,
    "negrisk_arb": NegRiskArb,
    "favourite_longshot": FavouriteLongshot,
}


def buys(record, token=None):
    return [
        o for o in record.orders if o.side is Side.BUY and (token is None or o.token_id == token)
    ]


def sells(record, token=None):
    return [
        o for o in record.orders if o.side is Side.SELL and (token is None or o.token_id == token)
    ]


def test_every_reference_strategy_resolves_by_name_from_the_checkout():
    known = available()
    for name, cls in REFERENCE.items():
        assert get_strategy(name) is cls
        assert name in known
        assert cls.__doc__
        assert "Parameters" in cls.__doc__


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("momentum", {"fast": "50", "slow": "20"}, "fast"),
        ("momentum", {"stake": "0"}, "stake"),
        ("mean_reversion", {"exit_z": "3", "entry_z": "2"}, "exit_z"),
        ("favourite_longshot", {"low": "0.9"}, "low/high"),
        ("complement_arb", {"max_sets": "1"}, "max_sets"),
        ("negrisk_arb", {"min_edge": "-1"}, "min_edge"),
    ],
)
def test_bad_parameters_name_the_field(name, params, field):
    with pytest.raises(ValidationError, match=f"^{field}: expected"):
        create_strategy(name, **params)


def test_momentum_buys_a_rising_market_and_the_no_of_a_falling_one():
    n = 200
    flat = np.full(60, 0.5)
    up = np.concatenate([flat, ramp(0.5, 0.8, n - 60)])
    down = np.concatenate([flat, ramp(0.5, 0.2, n - 60)])
    still = np.full(n, 0.5)
    data = path_dataset(np.column_stack([up, down, still]))
    _, record = run_engine(Momentum(fast=5, slow=30, threshold=0.05, stake=50), data)
    bought = {o.token_id for o in buys(record)}
    assert bought == {"m0-yes", "m1-no"}
    first = buys(record)[0]
    assert first.notional == 50
    assert first.order_type is OrderType.FAK
    assert first.created_at.minute >= 1
    assert not sells(record)


def test_momentum_exits_when_the_trend_turns():
    path = np.concatenate([np.full(40, 0.5), ramp(0.5, 0.75, 60), ramp(0.75, 0.45, 80)])
    data = path_dataset(path[:, None])
    _engine, record = run_engine(Momentum(fast=5, slow=30, threshold=0.05), data)
    entry = buys(record, "m0-yes")[0].created_at
    exit_orders = sells(record, "m0-yes")
    assert exit_orders
    assert exit_orders[0].created_at > entry
    # it went flat on the way down, then short through NO
    assert buys(record, "m0-no")
    assert buys(record, "m0-no")[0].created_at > exit_orders[0].created_at


def test_mean_reversion_buys_the_dip_states_a_forecast_and_exits_on_recovery():
    calm = np.tile([0.49, 0.51], 60)
    path = np.concatenate([calm, np.full(3, 0.38), ramp(0.38, 0.5, 30), np.full(40, 0.5)])
    data = path_dataset(path[:, None])
    engine, record = run_engine(MeanReversion(length=60, entry_z=2.5, exit_z=0.5), data)
    assert buys(record)[0].token_id == "m0-yes"
    assert not buys(record, "m0-no")
    forecast = engine.forecasts[0]
    assert forecast.token_id == "m0-yes"
    assert forecast.probability > forecast.market_price
    assert sells(record, "m0-yes")


def test_favourite_longshot_backs_favourites_fades_longshots_once_each():
    n = 100
    yes = np.column_stack([np.full(n, 0.92), np.full(n, 0.05), np.full(n, 0.5)])
    resolutions = {0: resolved_yes(n + 10), 1: resolved_no(n + 10)}
    data = path_dataset(yes, days=1, resolutions=resolutions)
    strategy = FavouriteLongshot(horizon_days=2)
    engine, record = run_engine(strategy, data)
    assert sorted(o.token_id for o in buys(record)) == ["m0-yes", "m1-no"]
    probs = {f.token_id: f.probability for f in engine.forecasts}
    assert probs["m0-yes"] == pytest.approx(calibrated(np.array([0.92]), 1.25)[0])
    assert probs["m1-no"] == pytest.approx(1 - calibrated(np.array([0.05]), 1.25)[0])


def test_favourite_longshot_waits_for_the_horizon():
    yes = np.full((100, 1), 0.92)
    _, record = run_engine(FavouriteLongshot(horizon_days=1), path_dataset(yes, days=3))
    assert not record.orders


def test_calibration_stretches_odds_away_from_one_half():
    p = np.array([0.05, 0.5, 0.92])
    q = calibrated(p, 1.25)
    assert q[0] < p[0]
    assert q[1] == pytest.approx(0.5)
    assert q[2] > p[2]


def test_complement_arb_buys_both_legs_below_one_and_merges_the_sets():
    n = 30
    yes = np.column_stack([np.full(n, 0.45), np.full(n, 0.5)])
    no = np.column_stack([np.full(n, 0.49), np.full(n, 0.5)])
    data = path_dataset(yes, no=no, depth=100)
    engine, record = run_engine(ComplementArb(min_edge=0.005, max_sets=100), data)
    tokens = {o.token_id for o in record.orders}
    assert tokens == {"m0-yes", "m0-no"}
    assert all(o.order_type is OrderType.FOK for o in record.orders)
    assert {o.price for o in record.orders} == {0.46, 0.5}
    # the kernel walks both books and matches the legs in shares received after the fee
    # (4% of p(1-p), in shares): 100 YES at 0.46 and a bit fewer NO at 0.50
    yes_fill = next(f for f in record.fills if f.token_id == "m0-yes")
    no_fill = next(f for f in record.fills if f.token_id == "m0-no")
    assert yes_fill.size == 100.0
    assert no_fill.size < 100.0
    received = min(f.size - f.fee_shares for f in (yes_fill, no_fill))
    assert received > yes_fill.price * yes_fill.size + no_fill.price * no_fill.size
    conversions = engine.broker.conversions
    assert conversions[0].kind == "merge"
    assert conversions[0].amount == pytest.approx(received)
    portfolio = engine.broker.portfolio
    cost = sum(f.price * f.size for f in record.fills)
    assert portfolio.cash == pytest.approx(1_000.0 - cost + sum(c.amount for c in conversions))
    assert portfolio.equity() > 1_000.0


def test_complement_arb_leaves_a_coherent_market_alone():
    yes = np.full((30, 1), 0.5)
    _, record = run_engine(ComplementArb(), path_dataset(yes))
    assert not record.orders


def test_negrisk_arb_buys_the_field_below_one_and_is_paid_at_resolution():
    n = 30
    yes = np.column_stack([np.full(n, 0.3), np.full(n, 0.3), np.full(n, 0.3)])
    resolutions = {0: resolved_no(n - 5), 1: resolved_yes(n - 5), 2: resolved_no(n - 5)}
    data = path_dataset(yes, resolutions=resolutions, event_id="e1", depth=50)
    engine, record = run_engine(NegRiskArb(max_sets=50), data)
    first_three = record.orders[:3]
    assert {o.token_id for o in first_three} == {"m0-yes", "m1-yes", "m2-yes"}
    assert all(45.0 < o.size <= 50.0 for o in first_three)
    assert record.settlements
    assert engine.broker.portfolio.cash > 1_000.0


def test_negrisk_arb_ignores_an_event_priced_above_one():
    yes = np.full((30, 3), 0.34)
    _, record = run_engine(NegRiskArb(), path_dataset(yes, event_id="e1"))
    assert not record.orders


def test_complement_arb_mints_and_sells_when_the_bids_pay_more_than_one():
    yes = np.full((10, 1), 0.55)
    no = np.full((10, 1), 0.5)
    data = path_dataset(yes, no=no, depth=100)
    engine, record = run_engine(ComplementArb(max_sets=50, merge=False), data)
    assert engine.broker.conversions[0].kind == "split"
    first = record.orders[:2]
    assert {(o.token_id, o.side, o.price) for o in first} == {
        ("m0-yes", Side.SELL, 0.54),
        ("m0-no", Side.SELL, 0.49),
    }
    # 50 sets minted for 50 USDC sold for 0.54 + 0.49 each, less the sell fees in USDC
    assert engine.broker.portfolio.equity() > 1_000.0
    without = run_engine(ComplementArb(sell_side=False), data)[1]
    assert not without.orders
