"""The synthetic generator: every object it produces is valid, and a seed fixes the bytes."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.data import TRADE_COLUMNS, Dataset
from alpha_arena.data.generator import generate, on_tick_round
from alpha_arena.errors import ValidationError
from alpha_arena.types import OrderBook

SIZES = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32),
        "n_markets": st.integers(0, 5),
        "n_events": st.integers(0, 3),
        "days": st.sampled_from([0.5, 1.0, 2.0]),
        "step": st.sampled_from([60.0, 300.0]),
        "book_every": st.integers(1, 6),
        "levels": st.integers(1, 6),
    }
).filter(lambda kw: kw["n_markets"] + kw["n_events"] > 0)


def episode_mask(ds: Dataset, kind: str) -> np.ndarray:
    """(time, market) True inside an injected mispricing episode of a kind."""
    mask = np.zeros((ds.n_times, ds.n_markets), dtype=bool)
    rows = {cid: i for i, cid in enumerate(ds.markets.index)}
    for episode in ds.meta["episodes"]:
        if episode["kind"] == kind:
            live = (ds.times >= episode["start"]) & (ds.times <= episode["end"])
            for cid in episode["markets"]:
                mask[live, rows[cid]] = True
    return mask


def check_prices(ds: Dataset) -> None:
    tick = ds.tick
    alive = (ds.times[:, None] >= ds.start_ns) & (ds.times[:, None] <= ds.end_ns)
    assert np.array_equal(~np.isnan(ds.prices), alive)
    live = ds.prices[alive]
    assert live.min() > 0.0
    assert live.max() < 1.0
    steps = ds.prices / tick
    assert np.allclose(steps[alive], np.rint(steps[alive]), atol=1e-6)


def check_books(ds: Dataset) -> None:
    books = ds.books
    ticks = ds.tick[None, :, None]
    for side in ("bid", "ask"):
        px = getattr(books, f"{side}_px")
        sz = getattr(books, f"{side}_sz")
        present = ~np.isnan(px)
        assert np.array_equal(present, sz > 0)
        assert np.all((px[present] > 0) & (px[present] < 1))
        steps = (px / ticks)[present]
        assert np.allclose(steps, np.rint(steps), atol=1e-6)
        # levels are best-first: strictly worse prices, and an absent level has none after it
        diffs = np.diff(px, axis=2)
        both = present[..., 1:] & present[..., :-1]
        assert np.all(diffs[both] < 0 if side == "bid" else diffs[both] > 0)
        assert not np.any(present[..., 1:] & ~present[..., :-1])
    quoted = ~np.isnan(books.bid_px[..., 0]) & ~np.isnan(books.ask_px[..., 0])
    assert np.all(books.bid_px[..., 0][quoted] < books.ask_px[..., 0][quoted])


def check_resolutions(ds: Dataset) -> None:
    markets = ds.markets
    for _event, group in markets[markets["neg_risk"]].groupby("event_id"):
        assert 3 <= len(group) <= 12
        states = set(group["resolution_state"])
        assert len(states) == 1
        if states == {"resolved"}:
            assert (group["winning_outcome"] == "Yes").sum() == 1
        assert "void" not in states
    resolved = markets["resolution_state"] != "unresolved"
    assert (markets.loc[resolved, "resolved_at"] <= ds.markets["end_time"].max()).all()
    assert (markets.loc[resolved, "resolved_at"].astype("int64") <= ds.times[-1]).all()


def check_coherence(ds: Dataset) -> None:
    yes, no = ds.prices[:, ds.is_yes], ds.prices[:, ~ds.is_yes]
    calm = ~episode_mask(ds, "complement")
    both = calm & ~np.isnan(yes)
    assert np.allclose((yes + no)[both], 1.0, atol=1e-9)
    assert np.all(np.abs(yes + no - 1.0)[~np.isnan(yes)] <= 0.08 + 2 * ds.tick[ds.is_yes].max())
    nr_calm = ~episode_mask(ds, "neg_risk")
    for cids in ds.events["markets"]:
        cols = ds.markets.index.get_indexer(cids)
        rows = np.all(nr_calm[:, cols], axis=1) & ~np.isnan(yes[:, cols]).any(axis=1)
        assert np.allclose(yes[rows][:, cols].sum(axis=1), 1.0, atol=1e-9)


def check_no_phantom_arbitrage(ds: Dataset) -> None:
    """Outside the listed episodes no basket of best quotes pays: bids sum <= 1 <= asks."""
    books = ds.books
    snaps = np.searchsorted(ds.times, books.times)
    yes, no = np.flatnonzero(ds.is_yes), np.flatnonzero(~ds.is_yes)
    calm = ~episode_mask(ds, "complement")[snaps]
    bids = books.bid_px[:, yes, 0] + books.bid_px[:, no, 0]
    asks = books.ask_px[:, yes, 0] + books.ask_px[:, no, 0]
    assert np.all(bids[calm & ~np.isnan(bids)] <= 1.0 + 1e-9)
    assert np.all(asks[calm & ~np.isnan(asks)] >= 1.0 - 1e-9)
    nr_calm = ~episode_mask(ds, "neg_risk")[snaps]
    for cids in ds.events["markets"]:
        rows = ds.markets.index.get_indexer(cids)
        quiet = np.all(nr_calm[:, rows], axis=1)
        bid_sum = books.bid_px[:, yes[rows], 0].sum(axis=1)
        ask_sum = books.ask_px[:, yes[rows], 0].sum(axis=1)
        assert np.all(bid_sum[quiet & ~np.isnan(bid_sum)] <= 1.0 + 1e-9)
        assert np.all(ask_sum[quiet & ~np.isnan(ask_sum)] >= 1.0 - 1e-9)


def check_trades(ds: Dataset) -> None:
    trades = ds.trades
    assert trades.schema == pl.Schema(TRADE_COLUMNS)
    if not trades.height:
        return
    cols = np.array([ds.column(t) for t in trades["token_id"]])
    ts = trades["ts"].to_numpy()
    snap = np.searchsorted(ds.books.times, ts, side="right") - 1
    buy = trades["side"].to_numpy() == "BUY"
    best = np.where(buy, ds.books.ask_px[snap, cols, 0], ds.books.bid_px[snap, cols, 0])
    assert np.array_equal(trades["price"].to_numpy(), best)
    assert np.all(trades["size"].to_numpy() >= 1.0)
    assert np.all((ts >= ds.start_ns[cols]) & (ts <= ds.end_ns[cols]))


@settings(deadline=None, max_examples=15)
@given(SIZES)
def test_every_generated_object_is_valid(kw):
    ds = generate(**kw)
    assert ds.synthetic
    assert ds.n_markets == kw["n_markets"] + sum(ds.events["n_outcomes"])
    assert len(ds.events) == kw["n_events"]
    assert ds.books.n_levels == kw["levels"]
    check_prices(ds)
    check_books(ds)
    check_resolutions(ds)
    check_coherence(ds)
    check_no_phantom_arbitrage(ds)
    check_trades(ds)


@settings(deadline=None, max_examples=8)
@given(SIZES)
def test_same_seed_same_bytes(kw):
    a, b = generate(**kw), generate(**kw)
    assert a.prices.tobytes() == b.prices.tobytes()
    assert a.times.tobytes() == b.times.tobytes()
    for name in ("bid_px", "bid_sz", "ask_px", "ask_sz"):
        assert getattr(a.books, name).tobytes() == getattr(b.books, name).tobytes()
    assert a.markets.equals(b.markets)
    assert a.tokens.equals(b.tokens)
    assert a.trades.equals(b.trades)
    assert a.meta == b.meta


def test_different_seeds_differ(synthetic):
    other = generate(seed=12, n_markets=12, n_events=2, days=3.0)
    assert not np.array_equal(np.nan_to_num(other.prices), np.nan_to_num(synthetic.prices))
    assert not set(other.markets.index) & set(synthetic.markets.index)


def test_objects_pass_type_validation(synthetic):
    """Markets and sampled book snapshots build the validated types without error."""
    for cid in synthetic.markets.index:
        market = synthetic.market(cid)
        assert market.tick_size in (0.01, 0.001)
    rng = np.random.default_rng(0)
    books = synthetic.books
    for _ in range(200):
        snap, col = int(rng.integers(books.times.size)), int(rng.integers(synthetic.n_tokens))
        bid = ~np.isnan(books.bid_px[snap, col])
        ask = ~np.isnan(books.ask_px[snap, col])
        OrderBook(
            synthetic.token_ids[col],
            np.datetime64(int(books.times[snap]), "ns"),
            books.bid_px[snap, col][bid],
            books.bid_sz[snap, col][bid],
            books.ask_px[snap, col][ask],
            books.ask_sz[snap, col][ask],
            tick_size=float(synthetic.tick[col]),
        )


def test_resolved_prices_converge_to_the_outcome(synthetic):
    ds = synthetic
    resolved = ds.payout[ds.is_yes]
    yes_cols = np.flatnonzero(ds.is_yes)
    last_row = np.searchsorted(ds.times, ds.end_ns[yes_cols], side="right") - 1
    final = ds.prices[last_row, yes_cols]
    winners = resolved == 1.0
    losers = resolved == 0.0
    assert winners.any()
    assert losers.any()
    assert np.all(final[winners] >= 0.9)
    assert np.all(final[losers] <= 0.1)


def test_spreads_widen_and_depth_thins_near_the_edges(synthetic):
    books = synthetic.books
    mid = (books.bid_px[..., 0] + books.ask_px[..., 0]) / 2
    spread = books.ask_px[..., 0] - books.bid_px[..., 0]
    depth = books.bid_sz.sum(axis=2) + books.ask_sz.sum(axis=2)
    quoted = ~np.isnan(mid)
    edge = quoted & ((mid < 0.08) | (mid > 0.92))
    centre = quoted & (np.abs(mid - 0.5) < 0.2)
    assert edge.sum() > 50
    assert centre.sum() > 50
    assert spread[edge].mean() > spread[centre].mean()
    assert depth[edge].mean() < depth[centre].mean()


def test_variety_of_categories_ticks_voids_and_lives(sample):
    markets = sample.markets
    assert markets["category"].nunique() >= 5
    assert set(markets["tick_size"]) == {0.01, 0.001}
    assert (markets["resolution_state"] == "void").any()
    assert markets["start_time"].nunique() > 10
    assert markets["end_time"].nunique() > 10


def test_mispricings_are_there_for_arbitrage_scans(sample):
    """Some snapshots let a scan buy YES + NO below 1, buy every outcome below 1, or sell all."""
    books = sample.books
    yes, no = np.flatnonzero(sample.is_yes), np.flatnonzero(~sample.is_yes)
    complement = books.ask_px[:, yes, 0] + books.ask_px[:, no, 0]
    assert np.nansum(complement < 1.0) > 0
    cheap_events = rich_events = 0
    for cids in sample.events["markets"]:
        cols = yes[sample.markets.index.get_indexer(cids)]
        cheap_events += int(np.any(books.ask_px[:, cols, 0].sum(axis=1) < 1.0))
        rich_events += int(np.any(books.bid_px[:, cols, 0].sum(axis=1) > 1.0))
    assert cheap_events > 0
    assert rich_events > 0


def test_on_tick_round_stays_inside_the_open_interval():
    ticks = np.array([0.01, 0.001, 0.01])
    out = on_tick_round(np.array([[0.0, 1.0, 0.50499]]), ticks)
    np.testing.assert_allclose(out, [[0.01, 0.999, 0.5]])


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"seed": -1}, "seed"),
        ({"n_markets": 0, "n_events": 0}, "n_markets"),
        ({"days": 0}, "days"),
        ({"step": 0.5}, "step"),
        ({"levels": 0}, "levels"),
        ({"book_every": 0}, "book_every"),
        ({"days": 0.001}, "days"),
    ],
)
def test_bad_arguments_name_the_field(kw, field):
    with pytest.raises(ValidationError) as info:
        generate(**kw)
    assert info.value.field == field
