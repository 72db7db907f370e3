"""Momentum's vectorized `signals()` against its event-driven `on_snapshot` on the sample."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.backtest.defaults import DEFAULT_LATENCY_MS
from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.sim.vectorized import simulate_signals
from strategies._common import layout
from strategies._targets import ENTER_NO, ENTER_YES, EXIT_NO, EXIT_YES, directional_events
from strategies.momentum import Momentum

CASES = [
    ("2025-02-12T00:00Z", "2025-02-16T00:00Z", 40, {"fast": 10, "slow": 120, "threshold": 0.1}),
    ("2025-02-07T00:00Z", "2025-02-10T00:00Z", 60, {"fast": 5, "slow": 60, "threshold": 0.05}),
    ("2025-02-08T00:00Z", "2025-02-12T00:00Z", 30, {"fast": 60, "slow": 720, "threshold": 0.2}),
    (
        "2025-02-10T00:00Z",
        "2025-02-13T00:00Z",
        60,
        {"fast": 5, "slow": 60, "threshold": 0.05, "max_positions": 2},
    ),
]


def window(sample, start, end, n_markets):
    data = sample.window(start, end)
    return data.select(list(data.markets.index[:n_markets]))


def event_signals(strategy, data):
    """(time, market, action, side) of every entry and exit the event path decided."""
    broker = SimBroker(data, cash=10_000.0, config=SimConfig(latency_ms=DEFAULT_LATENCY_MS))
    record = Engine(HistoricalFeed(data), strategy, broker).run()
    return {
        (d.t_ns, s["market"], s["action"], s.get("side", 0))
        for d in record.decisions
        for s in d.signals
        if "action" in s
    }


def vector_signals(targets, data):
    """The same tuples read off `signals()`' targets: > 0 enters that token, 0 exits it."""
    lay = layout(data)
    owner = {}
    for m, (yes, no) in enumerate(zip(lay.yes, lay.no, strict=True)):
        owner[yes], owner[no] = (m, 1), (m, -1)
    found = set()
    for row, col in zip(*np.nonzero(np.isfinite(targets)), strict=True):
        m, side = owner[col]
        action, side = ("enter", side) if targets[row, col] > 0 else ("exit", 0)
        found.add((int(data.times[row]), str(lay.market_ids[m]), action, side))
    return found


@pytest.mark.parametrize(("start", "end", "n_markets", "params"), CASES)
def test_signals_match_the_event_path(sample, start, end, n_markets, params):
    data = window(sample, start, end, n_markets)
    targets = Momentum(**params).signals(data)
    assert targets.shape == data.prices.shape
    expected = event_signals(Momentum(**params), data)
    assert len({s for s in expected if s[2] == "enter"}) >= 5
    assert any(s[2] == "exit" for s in expected)
    assert vector_signals(targets, data) == expected


def test_max_positions_binds_in_the_capped_case(sample):
    start, end, n_markets, params = CASES[3]
    data = window(sample, start, end, n_markets)
    uncapped = {k: v for k, v in params.items() if k != "max_positions"}
    capped = vector_signals(Momentum(**params).signals(data), data)
    free = vector_signals(Momentum(**uncapped).signals(data), data)
    assert len(capped) < len(free)


def test_simulate_signals_trades_every_signal(sample):
    start, end, n_markets, params = CASES[0]
    data = window(sample, start, end, n_markets)
    strategy = Momentum(**params)
    run = simulate_signals(strategy, data)
    assert int(run.trades.sum()) == len(vector_signals(strategy.signals(data), data))
    assert run.final_equity != 10_000.0


@settings(deadline=None, max_examples=60)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 30),
    markets=st.integers(1, 8),
    cap=st.integers(0, 5),
)
def test_directional_events_keep_the_rules(seed, rows, markets, cap):
    rng = np.random.default_rng(seed)
    shape = (rows, markets)
    enter = rng.integers(-1, 2, shape).astype(np.int8)
    exit_long, exit_short = rng.random(shape) < 0.3, rng.random(shape) < 0.3
    live, allowed = rng.random(shape) < 0.8, rng.random(shape) < 0.8
    settled = np.cumsum(rng.random(shape) < 0.05, axis=0) > 0
    events = directional_events(enter, exit_long, exit_short, live, allowed, settled, cap)
    side = np.zeros(markets, dtype=int)
    for r in range(rows):
        side[settled[r]] = 0
        held = int(np.count_nonzero(side))
        for m in range(markets):
            code = events[r, m]
            assert code == 0 or live[r, m]
            if code in (EXIT_YES, EXIT_NO):
                assert side[m] == (1 if code == EXIT_YES else -1)
                assert (exit_long if code == EXIT_YES else exit_short)[r, m]
                side[m] = 0
            elif code in (ENTER_YES, ENTER_NO):
                assert side[m] == 0
                assert allowed[r, m]
                assert enter[r, m] == code
                side[m] = code
            else:
                assert not (live[r, m] and side[m] == 1 and exit_long[r, m])
                assert not (live[r, m] and side[m] == -1 and exit_short[r, m])
        entries = np.isin(events[r], (ENTER_YES, ENTER_NO))
        assert entries.sum() <= max(0, cap - held)


def test_sweeps_take_the_vectorized_path_for_momentum(sample):
    from alpha_arena.experiments import sweep

    start, end, n_markets, params = CASES[0]
    data = window(sample, start, end, n_markets)
    grid = {"fast": [10], "slow": [60, 120], "threshold": [0.1]}
    runs = sweep("momentum", grid, data, backend="sequential", n_jobs=1, metric="pnl")
    assert set(runs.frame["vectorized"]) == {1.0}
    row = runs.frame[runs.frame["slow"] == 120].iloc[0]
    direct = simulate_signals(Momentum(**params), data)
    assert row["pnl"] == pytest.approx(direct.final_equity - 10_000.0)
    assert row["trades"] == direct.trades.sum()
