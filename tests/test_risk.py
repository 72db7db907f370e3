"""The risk gate: each limit, halts that still let positions be reduced, the kill switch."""

import pytest

from alpha_arena.errors import ConfigError
from alpha_arena.risk import KillSwitch, OrderRisk, RiskLimits, RiskManager
from alpha_arena.timeutil import NS_PER_DAY, NS_PER_MINUTE, NS_PER_SECOND

T0 = 20_000 * NS_PER_DAY


def order(value=10.0, *, reduces=False, market=0.0, total=0.0, positions=0, new=True):
    return OrderRisk(value, reduces, market, total, positions, new)


@pytest.mark.parametrize(
    ("limits", "risk", "reason"),
    [
        (RiskLimits(max_single_trade_usdc=25), order(30), "order value 30.00 USDC over the limit"),
        (RiskLimits(max_position_usdc=100), order(30, market=80), "market exposure 110.00"),
        (RiskLimits(max_total_exposure_usdc=50), order(30, total=40), "total exposure 70.00"),
        (RiskLimits(max_open_positions=2), order(positions=2), "already 2 open positions"),
    ],
)
def test_each_limit_rejects_with_its_reason(limits, risk, reason):
    gate = RiskManager(limits)
    gate.update(T0, 1000.0)
    decision = gate.check(T0, risk)
    assert not decision.approved
    assert reason in decision.reason


def test_limits_pass_within_bounds_and_for_existing_positions():
    gate = RiskManager(RiskLimits(max_position_usdc=100, max_open_positions=1))
    gate.update(T0, 1000.0)
    assert gate.check(T0, order(20, market=80, positions=1, new=False)).approved
    assert gate.check(T0, order(100)).approved


def test_daily_loss_halts_new_risk_but_not_reductions_and_resets_next_day():
    gate = RiskManager(RiskLimits(daily_loss_limit_usdc=50))
    gate.update(T0, 1000.0)
    gate.update(T0 + NS_PER_MINUTE, 949.0)
    assert "daily loss 51.00 USDC reached the limit 50.00" in gate.halted()
    assert not gate.check(T0, order()).approved
    assert gate.check(T0, order(reduces=True)).approved
    gate.update(T0 + NS_PER_DAY, 949.0)
    assert gate.halted() == ""
    assert gate.daily_pnl == 0.0


def test_drawdown_halt():
    gate = RiskManager(RiskLimits(max_drawdown_pct=10))
    gate.update(T0, 1000.0)
    gate.update(T0 + 1, 1200.0)
    gate.update(T0 + 2, 1079.0)
    assert gate.drawdown_pct == pytest.approx(100 * 121 / 1200)
    assert "drawdown" in gate.halted()


def test_kill_switch_blocks_everything_including_reductions(tmp_path):
    path = tmp_path / "KILL"
    gate = RiskManager(RiskLimits(kill_switch_file=str(path)))
    gate.update(T0, 1000.0)
    assert gate.check(T0, order()).approved
    path.touch()
    decision = gate.check(T0, order(reduces=True))
    assert not decision.approved
    assert "KILL exists" in decision.reason
    path.unlink()
    switch = KillSwitch()
    gate = RiskManager(kill_switch=switch)
    switch.trip("operator said stop")
    assert gate.check(T0, order()).reason == "operator said stop"
    assert RiskManager(RiskLimits(kill_switch=True)).halted() == "kill switch set in config"


def test_order_rate_is_a_rolling_minute():
    gate = RiskManager(RiskLimits(max_orders_per_minute=2))
    gate.update(T0, 1000.0)
    assert gate.check(T0, order()).approved
    assert gate.check(T0 + NS_PER_SECOND, order()).approved
    assert "order rate limit 2/min" in gate.check(T0 + 2 * NS_PER_SECOND, order()).reason
    assert gate.check(T0 + NS_PER_MINUTE + 1, order()).approved


def test_limits_from_the_manuals_risk_section():
    limits = RiskLimits.from_mapping(
        {
            "max_position_size_usdc": 100,
            "daily_loss_limit_usdc": 50,
            "max_open_positions": 5,
            "max_single_trade_usdc": 25,
            "rate_limit_orders_per_minute": 10,
            "kill_switch": False,
            "max_kelly_fraction": 0.25,
            "min_edge_for_trade": 0.05,
        }
    )
    assert limits.max_position_usdc == 100
    assert limits.max_orders_per_minute == 10
    with pytest.raises(ConfigError, match=r"risk.max_open_positions: expected a positive number"):
        RiskLimits.from_mapping({"max_open_positions": -1})
    with pytest.raises(ConfigError, match=r"risk.max_leverage: unknown setting"):
        RiskLimits.from_mapping({"max_leverage": 2})
    with pytest.raises(ConfigError, match=r"risk.kill_switch: expected true or false"):
        RiskLimits(kill_switch="yes")
