"""Designed price paths as Datasets, for tests that check a strategy does the right thing."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from alpha_arena.data import BookPanel, Dataset, markets_frame, tokens_frame
from alpha_arena.engine import Engine, HistoricalFeed, RunRecord
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.strategy import Strategy
from alpha_arena.timeutil import NS_PER_MINUTE, to_ns
from alpha_arena.types import Resolution
from tests.factories import T0, make_market


def path_dataset(
    yes: np.ndarray,
    *,
    no: np.ndarray | None = None,
    half_spread: float = 0.01,
    depth: float = 1_000.0,
    days: float = 2.0,
    resolutions: dict[int, Resolution] | None = None,
    event_id: str | None = None,
    event_size: int | None = None,
) -> Dataset:
    """Markets whose YES prices follow the columns of `yes` (T, M) on a 1-minute grid.

    NO prices are 1 − YES unless `no` is given (to build mispricings). Every row has a
    one-level book at price ± `half_spread` with `depth` shares per side. With `event_id`,
    the first `event_size` markets (default all) form one neg-risk event.
    """
    yes = np.atleast_2d(np.asarray(yes, dtype=float))
    n_times, n_markets = yes.shape
    no = np.round(1.0 - yes, 2) if no is None else np.atleast_2d(np.asarray(no, dtype=float))
    markets = [
        make_market(
            i,
            resolution=(resolutions or {}).get(i),
            event_id=event_id if i < (event_size or n_markets) else None,
            neg_risk=event_id is not None and i < (event_size or n_markets),
            days=days,
        )
        for i in range(n_markets)
    ]
    prices = np.empty((n_times, 2 * n_markets))
    prices[:, 0::2] = np.round(yes, 2)
    prices[:, 1::2] = np.round(no, 2)
    times = to_ns(T0) + NS_PER_MINUTE * np.arange(n_times, dtype=np.int64)
    px = prices[:, :, None]
    sizes = np.full(px.shape, depth)
    books = BookPanel(
        times,
        np.round(np.clip(px - half_spread, 0.01, 0.99), 2),
        sizes,
        np.round(np.clip(px + half_spread, 0.01, 0.99), 2),
        sizes.copy(),
    )
    return Dataset(
        markets=markets_frame(markets),
        tokens=tokens_frame(markets),
        times=times,
        prices=prices,
        books=books,
        source="designed",
        synthetic=True,
    )


def resolved_yes(minutes: int) -> Resolution:
    """A YES resolution `minutes` after T0."""
    from alpha_arena.types import ResolutionState

    return Resolution(ResolutionState.RESOLVED, "Yes", T0 + timedelta(minutes=minutes))


def resolved_no(minutes: int) -> Resolution:
    """A NO resolution `minutes` after T0."""
    from alpha_arena.types import ResolutionState

    return Resolution(ResolutionState.RESOLVED, "No", T0 + timedelta(minutes=minutes))


def run_engine(
    strategy: Strategy, data: Dataset, *, cash: float = 1_000.0, latency_ms: float = 0.0
) -> tuple[Engine, RunRecord]:
    """Run a strategy over a dataset with a SimBroker; returns the engine and its record."""
    broker = SimBroker(data, cash=cash, config=SimConfig(latency_ms=latency_ms))
    engine = Engine(HistoricalFeed(data), strategy, broker)
    return engine, engine.run()


def ramp(start: float, end: float, n: int) -> np.ndarray:
    """A straight line of n prices."""
    return np.linspace(start, end, n)


def mixed_dataset(n_times: int = 240, seed: int = 0) -> Dataset:
    """Noisy markets on which every reference strategy trades: a 3-outcome neg-risk event
    whose YES prices sometimes sum below 1, binary markets whose YES + NO sometimes dip
    below 1, trending and mean-reverting paths, a favourite and a longshot near the end."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 0.08, (n_times, 3)).cumsum(axis=0)
    weights = np.exp(steps)
    event = weights / weights.sum(axis=1, keepdims=True) + rng.normal(0, 0.02, (n_times, 3))
    walk = 0.5 + rng.normal(0, 0.015, (n_times, 2)).cumsum(axis=0)
    trend = np.linspace(0.3, 0.7, n_times) + rng.normal(0, 0.01, n_times)
    extremes = np.column_stack([np.full(n_times, 0.92), np.full(n_times, 0.06)])
    yes = np.clip(np.column_stack([event, walk, trend, extremes]), 0.02, 0.98)
    no = np.clip(1.0 - yes + rng.normal(0, 0.03, yes.shape), 0.02, 0.98)
    return path_dataset(yes, no=no, days=1, event_id="e1", event_size=3)
