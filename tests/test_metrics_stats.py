"""Performance, forecast and edge statistics against hand-computed cases and properties."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.engine.loop import Forecast
from alpha_arena.errors import ValidationError
from alpha_arena.metrics import (
    edge_gap,
    forecast_stats,
    max_drawdown,
    performance_stats,
    score_forecasts,
    token_pnl,
)
from alpha_arena.timeutil import NS_PER_DAY, to_ns
from alpha_arena.types import Fill, Order, OrderType, Settlement, Side
from tests.factories import T0, make_dataset


def days(n):
    return to_ns(T0) + NS_PER_DAY * np.arange(n, dtype=np.int64)


def test_performance_on_a_hand_worked_path():
    equity = np.array([100.0, 110.0, 99.0, 121.0])
    stats = performance_stats(days(4), equity, capital=100.0)
    returns = np.array([0.0, 0.10, -0.10, 121 / 99 - 1])
    assert stats["total_return"] == pytest.approx(0.21)
    assert stats["pnl"] == pytest.approx(21.0)
    assert stats["max_drawdown"] == pytest.approx(0.10)
    assert stats["sharpe"] == pytest.approx(returns.mean() / returns.std(ddof=1) * np.sqrt(365))
    downside = np.sqrt(np.mean(np.minimum(returns, 0) ** 2))
    assert stats["sortino"] == pytest.approx(returns.mean() / downside * np.sqrt(365))
    annual = 1.21 ** (365 / 3) - 1
    assert stats["calmar"] == pytest.approx(annual / 0.10)


def test_daily_returns_use_the_last_mark_of_each_day():
    times = to_ns(T0) + (NS_PER_DAY // 4) * np.arange(8, dtype=np.int64)
    equity = np.array([100, 150, 80, 101, 101, 300, 10, 102.0])
    stats = performance_stats(times, equity, capital=100.0)
    returns = np.array([0.01, 102 / 101 - 1])
    assert stats["sharpe"] == pytest.approx(returns.mean() / returns.std(ddof=1) * np.sqrt(365))
    assert stats["max_drawdown"] == pytest.approx(1 - 10 / 300)


def test_win_rate_profit_factor_turnover_and_fees_from_fills():
    t = T0
    fills = [
        Fill("a", "x", Side.BUY, 0.40, 10.0, t, fee_shares=0.1),
        Fill("b", "x", Side.SELL, 0.60, 9.9, t, fee_usdc=0.05),
        Fill("c", "y", Side.BUY, 0.50, 10.0, t),
        Fill("d", "z", Side.BUY, 0.20, 5.0, t),
    ]
    settlements = [Settlement("y", 10.0, 0.0, t + timedelta(days=1))]
    pnl = token_pnl(fills, settlements, final_values={"z": 2.0, "unheld": 7.0})
    assert pnl.to_dict() == pytest.approx({"x": 0.6 * 9.9 - 0.05 - 4.0, "y": -5.0, "z": 1.0})
    stats = performance_stats(
        days(2), np.array([100.0, 101.0]), capital=100.0, fills=fills,
        settlements=settlements, final_values={"z": 2.0},
    )  # fmt: skip
    assert stats["win_rate"] == pytest.approx(2 / 3)
    assert stats["profit_factor"] == pytest.approx((1.89 + 1.0) / 5.0)
    assert stats["turnover"] == pytest.approx((4.0 + 5.94 + 5.0 + 1.0) / 100)
    assert stats["fees_paid"] == pytest.approx(0.1 * 0.4 + 0.05)
    assert stats["trades"] == 4
    assert stats["settlements"] == 1


@settings(deadline=None, max_examples=60)
@given(st.lists(st.floats(1.0, 1e6), min_size=1, max_size=50))
def test_drawdown_is_a_fraction_and_zero_on_rising_paths(values):
    equity = np.array(values)
    assert 0.0 <= max_drawdown(equity) <= 1.0
    assert max_drawdown(np.sort(equity)) == 0.0


def test_performance_rejects_bad_input():
    with pytest.raises(ValidationError, match="capital"):
        performance_stats(days(2), np.ones(2), capital=0)
    with pytest.raises(ValidationError, match="equity"):
        performance_stats(days(2), np.ones(3), capital=1)


def test_forecast_scores_by_hand():
    stats = forecast_stats([0.8, 0.3, 0.6], [1, 0, 0], market_prices=[0.5, 0.5, 0.5], bins=10)
    brier = (0.04 + 0.09 + 0.36) / 3
    assert stats["brier"] == pytest.approx(brier)
    assert stats["log_loss"] == pytest.approx(-(np.log(0.8) + np.log(0.7) + np.log(0.4)) / 3)
    assert stats["brier_market"] == pytest.approx(0.25)
    assert stats["brier_skill"] == pytest.approx(1 - brier / 0.25)
    # one forecast per bin: Murphy's identity is exact
    assert stats["reliability"] - stats["resolution"] + stats["uncertainty"] == pytest.approx(brier)
    assert [row["count"] for row in stats["calibration"]] == [1, 1, 1]


@settings(deadline=None, max_examples=60)
@given(st.lists(st.booleans(), min_size=1, max_size=40))
def test_perfect_forecasts_score_zero(outcomes):
    y = np.array(outcomes, dtype=float)
    stats = forecast_stats(y, y)
    assert stats["brier"] == 0.0
    assert stats["log_loss"] < 1e-12
    assert stats["reliability"] == 0.0


def test_forecast_inputs_are_validated():
    with pytest.raises(ValidationError, match="outcomes"):
        forecast_stats([0.5], [0.5])
    with pytest.raises(ValidationError, match="probabilities"):
        forecast_stats([1.5], [1])
    with pytest.raises(ValidationError, match="outcomes"):
        forecast_stats([0.5, 0.4], [1])
    assert forecast_stats([], [])["n"] == 0


def test_score_forecasts_uses_resolved_markets_only():
    data = make_dataset(n_markets=3, n_times=10)
    forecasts = [
        Forecast(int(data.times[1]), "m0-yes", 0.9, 0.5),
        Forecast(int(data.times[1]), "m0-no", 0.2, 0.5),
        Forecast(int(data.times[1]), "m1-yes", 0.9, 0.5),
        Forecast(int(data.times[1]), "m2-yes", 0.9, 0.5),
    ]
    stats = score_forecasts(forecasts, data)
    assert stats["n"] == 2
    assert stats["brier"] == pytest.approx((0.01 + 0.04) / 2)


def test_edge_gap_prices_fills_against_the_decision_time_price():
    data = make_dataset(n_markets=3, n_times=10)
    col = data.column("m2-yes")
    when = T0 + timedelta(minutes=3)
    paper = data.prices[3, col]
    buy = Order("m2-yes", Side.BUY, size=10.0, order_type=OrderType.FAK, client_id="b")
    buy.created_at = when
    fills = [
        Fill("b", "m2-yes", Side.BUY, paper + 0.02, 10.0, when, fee_shares=0.1),
        Fill("ghost", "m2-yes", Side.BUY, 0.5, 1.0, when),
    ]
    gap = edge_gap(fills, [buy], data)
    assert gap["priced_fills"] == 1
    assert gap["unpriced_fills"] == 1
    assert gap["slippage_usdc"] == pytest.approx(0.2)
    assert gap["fees_usdc"] == pytest.approx(0.1 * (paper + 0.02))
    assert gap["gap_bps"] == pytest.approx(1e4 * gap["gap_usdc"] / (10 * paper))
