"""History scan on the synthetic generator's data, whose injected mispricings are known.

The generator lists the complement and neg-risk mispricing episodes it injects in
`Dataset.meta["episodes"]`; outside them its books never cross. So every episode the scan
reports must overlap an injected one on the same market or event (no phantom arbitrage).
Skipped until `alpha_arena.data.generator` is on the branch.
"""

from __future__ import annotations

import pytest

from alpha_arena.arbitrage import history
from alpha_arena.timeutil import NS_PER_MINUTE

generator = pytest.importorskip("alpha_arena.data.generator")


def test_every_reported_episode_is_an_injected_mispricing():
    ds = generator.generate(seed=0, n_markets=20, n_events=3, days=3.0)
    result = history(ds)
    assert len(result.episodes) > 0
    injected = [(set(e["markets"]), e["start"], e["end"]) for e in ds.meta["episodes"]]
    slack = ds.step_ns * ds.meta["generator"]["book_every"] + NS_PER_MINUTE
    event_of = ds.markets["event_id"]
    for episode in result.episodes.itertuples():
        if episode.kind.startswith("complement"):
            markets = {episode.market}
        else:
            markets = set(event_of.index[event_of == episode.market])
        start, end = episode.start.value, episode.end.value
        assert any(
            markets == m and start <= stop + slack and end >= begin for m, begin, stop in injected
        ), episode
