"""Holdings rebuilt from fills and settlements; capital locked between market end and resolution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.errors import ValidationError
from alpha_arena.metrics import performance_stats
from alpha_arena.metrics.exposure import (
    locked_capital,
    run_locked_capital,
    share_changes,
    shares_at,
)
from alpha_arena.sim import SimBroker
from alpha_arena.strategy import Strategy
from alpha_arena.timeutil import NS_PER_MINUTE, to_ns
from alpha_arena.types import Fill, Settlement, Side
from tests.factories import T0, make_dataset

TIMES = to_ns(T0) + NS_PER_MINUTE * np.arange(6, dtype=np.int64)


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


ROWS = np.arange(6)


def test_holdings_apply_each_event_from_the_next_snapshot_on():
    fills = [
        Fill("o1", "a", Side.BUY, 0.4, 10.0, at(0.5)),
        Fill("o2", "a", Side.SELL, 0.5, 4.0, at(3)),
        Fill("o3", "b", Side.BUY, 0.2, 5.0, at(1), fee_shares=1.0),
    ]
    settlements = [Settlement("a", 6.0, 1.0, at(5))]
    changes = share_changes(TIMES, ["a", "b", "c"], fills, settlements)
    assert set(changes) == {0, 1}
    assert shares_at(changes[0], ROWS).tolist() == [0, 10, 10, 6, 6, 0]
    assert shares_at(changes[1], ROWS).tolist() == [0, 4, 4, 4, 4, 4]


def test_holdings_reject_an_unknown_token():
    with pytest.raises(ValidationError, match="token_id"):
        share_changes(TIMES, ["a"], [Fill("o1", "zz", Side.BUY, 0.4, 1.0, at(0))])


def test_locked_capital_counts_only_ended_unresolved_markets_at_the_last_price():
    fills = [
        Fill("o1", "a", Side.BUY, 0.4, 10.0, at(0)),
        Fill("o2", "b", Side.BUY, 0.3, 5.0, at(0)),
    ]
    changes = share_changes(TIMES, ["a", "b", "c"], fills)
    nan = np.nan
    prices = np.array(
        [[0.4, 0.3, 0.5], [0.5, 0.3, 0.5], [0.6, 0.2, 0.5], [nan, 0.2, nan], [nan, nan, nan],
         [nan, nan, nan]]
    )  # fmt: skip
    end = np.array([TIMES[3], TIMES[4], TIMES[0]])
    resolve = np.array([TIMES[5], np.iinfo(np.int64).max, TIMES[-1]])
    locked = locked_capital(TIMES, prices, end, resolve, changes)
    # a: ended at row 3, last price 0.6, resolved at row 5; b: ended at row 4, never resolved;
    # c: ended but not held.
    assert locked.tolist() == pytest.approx([0, 0, 0, 6.0, 6.0 + 1.0, 1.0])


def test_locked_capital_checks_the_price_panel():
    with pytest.raises(ValidationError, match="prices"):
        locked_capital(TIMES, np.zeros((5, 2)), np.zeros(2), np.zeros(2), {})


@settings(deadline=None, max_examples=40)
@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0.1, 50.0), st.booleans()), max_size=12))
def test_holdings_end_at_the_net_of_all_fills(events):
    fills = [
        Fill(f"o{i}", "a", Side.BUY if buy else Side.SELL, 0.5, size, at(minute))
        for i, (minute, size, buy) in enumerate(events)
    ]
    changes = share_changes(TIMES, ["a"], fills)
    shares = shares_at(changes[0], ROWS) if fills else np.zeros(6)
    assert shares[-1] == pytest.approx(sum(f.share_delta for f in fills))
    locked = locked_capital(
        TIMES, np.full((6, 1), 0.5), np.array([TIMES[0]]), np.array([TIMES[-1] + 1]), changes
    )
    assert (locked >= 0).all()
    assert locked == pytest.approx(0.5 * np.clip(shares, 0, None))


class LockedProbe:
    """An engine sink that asks the live portfolio for its locked capital at every step."""

    def __init__(self, portfolio):
        self.portfolio = portfolio
        self.locked = []

    def equity(self, t_ns, cash, equity):
        self.locked.append(self.portfolio.locked_capital(t_ns))

    def order(self, order): ...
    def fill(self, fill): ...
    def settlement(self, settlement): ...
    def decision(self, decision): ...
    def flush(self): ...


@dataclass
class BuyEarly(Strategy):
    def on_snapshot(self, ctx):
        if ctx.k == 2:
            for token in ("m0-yes", "m1-no", "m2-yes"):
                ctx.buy(token, 15.0)


def test_locked_path_matches_the_portfolio_at_every_step():
    data = make_dataset(n_markets=3, n_times=60)
    markets = data.markets.copy()
    markets["end_time"] = [at(40), at(30), at(20)]  # m0 resolves at 59 min, m1 void at 59
    data = data._replace(markets=markets)
    broker = SimBroker(data, cash=1_000.0)
    probe = LockedProbe(broker.portfolio)
    record = Engine(HistoricalFeed(data), BuyEarly(), broker, sink=probe).run()
    assert len(record.fills) == 3
    changes = share_changes(record.times, list(data.token_ids), record.fills, record.settlements)
    final_row = np.array([record.times.size - 1])
    held = {j: shares_at(c, final_row)[0] for j, c in changes.items()}
    assert held == pytest.approx({j: broker.portfolio.shares[j] for j in held})
    assert np.count_nonzero(broker.portfolio.shares) <= len(held)
    locked = run_locked_capital(record, data)
    assert locked == pytest.approx(probe.locked)
    assert locked.max() > 0
    stats = performance_stats(record.times, record.equity, capital=1_000.0, locked=locked)
    assert stats["max_locked"] == pytest.approx(max(probe.locked))
