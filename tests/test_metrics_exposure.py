"""Holdings rebuilt from fills and settlements; capital locked between market end and resolution."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.errors import ValidationError
from alpha_arena.metrics.exposure import holdings, locked_capital
from alpha_arena.timeutil import NS_PER_MINUTE, to_ns
from alpha_arena.types import Fill, Settlement, Side
from tests.factories import T0

TIMES = to_ns(T0) + NS_PER_MINUTE * np.arange(6, dtype=np.int64)


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


def test_holdings_apply_each_event_from_the_next_snapshot_on():
    fills = [
        Fill("o1", "a", Side.BUY, 0.4, 10.0, at(0.5)),
        Fill("o2", "a", Side.SELL, 0.5, 4.0, at(3)),
        Fill("o3", "b", Side.BUY, 0.2, 5.0, at(1), fee_shares=1.0),
    ]
    settlements = [Settlement("a", 6.0, 1.0, at(5))]
    shares = holdings(TIMES, ["a", "b"], fills, settlements)
    assert shares[:, 0].tolist() == [0, 10, 10, 6, 6, 0]
    assert shares[:, 1].tolist() == [0, 4, 4, 4, 4, 4]


def test_holdings_reject_an_unknown_token():
    with pytest.raises(ValidationError, match="token_id"):
        holdings(TIMES, ["a"], [Fill("o1", "zz", Side.BUY, 0.4, 1.0, at(0))])


def test_locked_capital_counts_only_ended_unresolved_markets_at_the_last_price():
    shares = np.array([[10.0, 5.0]] * 6)
    prices = np.array(
        [[0.4, 0.3], [0.5, 0.3], [0.6, 0.2], [np.nan, 0.2], [np.nan, np.nan], [np.nan, np.nan]]
    )
    end = np.array([TIMES[3], TIMES[4]])
    resolve = np.array([TIMES[5], np.iinfo(np.int64).max])
    locked = locked_capital(TIMES, shares, prices, end, resolve)
    # a: ended at row 3, last price 0.6, resolved at row 5; b: ended at row 4, never resolved.
    assert locked.tolist() == pytest.approx([0, 0, 0, 6.0, 6.0 + 1.0, 1.0])


def test_locked_capital_checks_shapes():
    with pytest.raises(ValidationError, match="shares"):
        locked_capital(TIMES, np.zeros((6, 1)), np.zeros((6, 2)), np.zeros(2), np.zeros(2))


@settings(deadline=None, max_examples=40)
@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0.1, 50.0), st.booleans()), max_size=12))
def test_holdings_end_at_the_net_of_all_fills(events):
    fills = [
        Fill(f"o{i}", "a", Side.BUY if buy else Side.SELL, 0.5, size, at(minute))
        for i, (minute, size, buy) in enumerate(events)
    ]
    shares = holdings(TIMES, ["a"], fills)
    assert shares[-1, 0] == pytest.approx(sum(f.share_delta for f in fills))
    locked = locked_capital(
        TIMES, shares, np.full((6, 1), 0.5), np.array([TIMES[0]]), np.array([TIMES[-1] + 1])
    )
    assert (locked >= 0).all()
    assert locked == pytest.approx(0.5 * np.clip(shares[:, 0], 0, None))
