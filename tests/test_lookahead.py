"""Lookahead analysis: clean on every reference strategy, and it catches cheaters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from alpha_arena.analysis import lookahead
from alpha_arena.errors import ValidationError
from alpha_arena.strategy import Strategy
from alpha_arena.timeutil import NS_PER_MINUTE
from tests.strategy_factories import mixed_dataset

SMALL_PARAMS = {
    "momentum": {"fast": 5, "slow": 20, "threshold": 0.05},
    "mean_reversion": {"length": 20, "entry_z": 1.5, "exit_z": 0.3},
    "complement_arb": {},
    "negrisk_arb": {},
    "favourite_longshot": {"horizon_days": 2},
}


@pytest.fixture(scope="module")
def data():
    return mixed_dataset()


@pytest.mark.parametrize("name", sorted(SMALL_PARAMS))
def test_reference_strategies_do_not_look_ahead(name, data):
    report = lookahead(name, data, cuts=3, params=SMALL_PARAMS[name], capital=5_000)
    assert report.ok, str(report)
    # the check is not vacuous: the strategy placed orders before the cuts
    assert report.compared["order"] > 0
    assert report.compared["decision"] > 0


def trade_on(ctx, signal):
    """Hold a token while its signal is above 0.02, sell it when below −0.02."""
    for col in np.flatnonzero(ctx.tradeable()):
        token = ctx.token_ids[col]
        if ctx.open_orders(token):
            continue
        held = ctx.position(token)
        if held == 0 and signal[col] > 0.02:
            ctx.buy(token, usdc=10.0)
        elif held > 0 and signal[col] < -0.02:
            ctx.sell(token, held)


@dataclass
class PeeksViaPrecompute(Strategy):
    """Trades on the price change over the NEXT 10 steps: a non-causal precompute."""

    def on_snapshot(self, ctx):
        trade_on(ctx, ctx.precompute("future", lambda p: np.roll(p, -10, axis=0) - p))


@dataclass
class ReadsPastNow(Strategy):
    """Reads the dataset's next row directly, around the context."""

    def on_snapshot(self, ctx):
        data = ctx._engine.dataset
        nxt = data.prices[ctx.k + 1] if ctx.k + 1 < data.n_times else data.prices[ctx.k]
        ctx.signal(next_mean=float(np.nanmean(nxt)))


@dataclass
class Honest(Strategy):
    """The same trading on the change over the PAST 10 steps: causal."""

    def on_snapshot(self, ctx):
        trade_on(ctx, ctx.precompute("past", lambda p: p - np.vstack([p[:10], p[:-10]])))


def test_a_non_causal_precompute_is_caught(data):
    report = lookahead(PeeksViaPrecompute(), data, cuts=3)
    assert not report.ok
    assert {d.kind for d in report.differences} >= {"order"}
    assert "differs" in str(report)


def test_reading_past_now_is_caught(data):
    report = lookahead(ReadsPastNow(), data, cuts=[data.times[100]])
    assert not report.ok
    assert report.differences[0].kind == "decision"
    assert report.differences[0].time == report.cuts[0]


def test_the_causal_twin_passes(data):
    report = lookahead(Honest(), data, cuts=4)
    assert report.ok, str(report)
    assert report.compared["order"] > 0


def test_bad_cuts_are_named(data):
    with pytest.raises(ValidationError, match=r"^cuts"):
        lookahead("momentum", data, cuts=0)
    with pytest.raises(ValidationError, match=r"^cuts"):
        lookahead("momentum", data, cuts=[data.times[-1] + NS_PER_MINUTE])
