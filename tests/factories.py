"""Small hand-built objects for unit tests (the synthetic generator covers the big ones)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from alpha_arena.data import BookPanel, Dataset, markets_frame, tokens_frame
from alpha_arena.timeutil import NS_PER_MINUTE, to_ns
from alpha_arena.types import Market, Resolution, ResolutionState, Token

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def make_market(
    i: int,
    *,
    resolution: Resolution | None = None,
    event_id: str | None = None,
    neg_risk: bool = False,
    tick: float = 0.01,
    days: int = 2,
) -> Market:
    """A binary market `m{i}` with tokens `m{i}-yes` / `m{i}-no` open for `days` days."""
    cid = f"m{i}"
    return Market(
        condition_id=cid,
        question=f"Will thing {i} happen?",
        tokens=(Token(f"{cid}-yes", "Yes", cid), Token(f"{cid}-no", "No", cid)),
        slug=f"thing-{i}",
        category="politics",
        event_id=event_id,
        neg_risk=neg_risk,
        tick_size=tick,
        start_time=T0,
        end_time=T0 + timedelta(days=days),
        resolution=resolution or Resolution(),
    )


def make_dataset(n_markets: int = 3, n_times: int = 60, levels: int = 3, seed: int = 0) -> Dataset:
    """A tiny dataset: random-walk YES prices, NO = 1 - YES, books around them every 5 rows.

    Market 0 resolves YES at the end, market 1 is void, the rest stay unresolved.
    """
    rng = np.random.default_rng(seed)
    end = T0 + timedelta(minutes=n_times - 1)
    resolutions = [
        Resolution(ResolutionState.RESOLVED, "Yes", end),
        Resolution(ResolutionState.VOID, None, end),
    ]
    markets = [
        make_market(i, resolution=resolutions[i] if i < len(resolutions) else None)
        for i in range(n_markets)
    ]
    times = to_ns(T0) + NS_PER_MINUTE * np.arange(n_times, dtype=np.int64)
    yes = np.clip(0.5 + np.cumsum(rng.normal(0, 0.01, (n_times, n_markets)), axis=0), 0.05, 0.95)
    yes = np.round(yes, 2)
    prices = np.empty((n_times, 2 * n_markets))
    prices[:, 0::2] = yes
    prices[:, 1::2] = np.round(1.0 - yes, 2)
    book_rows = np.arange(0, n_times, 5)
    shape = (book_rows.size, 2 * n_markets, levels)
    offsets = 0.01 * (1 + np.arange(levels))
    mids = prices[book_rows][:, :, None]
    bid_px = np.round(mids - offsets, 2)
    ask_px = np.round(mids + offsets, 2)
    sizes = rng.uniform(10, 100, shape).round(0)
    books = BookPanel(times[book_rows], bid_px, sizes, ask_px, sizes[:, :, ::-1].copy())
    return Dataset(
        markets=markets_frame(markets),
        tokens=tokens_frame(markets),
        times=times,
        prices=prices,
        books=books,
        source="factory",
        synthetic=True,
    )
