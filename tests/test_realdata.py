"""Real-data importers: defensive parsing on small hand-made files, then the real folders.

Tests marked `realdata` read `../shared/data` and skip when it is absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import alpha_arena as aa
from alpha_arena.data import realdata
from alpha_arena.data.realdata import import_folder, recognise
from alpha_arena.data.realdata.mlb import read_events, replay
from alpha_arena.data.realdata.wide import read_wide
from alpha_arena.errors import DataError
from alpha_arena.timeutil import NS_PER_HOUR, NS_PER_MINUTE

JUNE = "market_slug,asset_id,market_id,event_type,price,side,size,hash,timestamp\n"
JULY = "market_slug,market_id,asset_id,outcome_name,event_type,price,side,size,hash,timestamp\n"


def test_read_wide_handles_layouts_gaps_and_bad_lines(tmp_path):
    path = tmp_path / "XX_hourly.csv"
    path.write_text(
        '"Date (UTC)","Timestamp (UTC)","Republican","Democrat","Other"\n'
        '"08-04-2024 04:00","1722744001","0.43","0.56",""\n'
        '"08-04-2024 03:00","1722740401","0.42","0.55","0.0025"\n'
        '"08-04-2024 05:00","1722747601","0.44","0.55","0.0025","junk","more"\n'
        '"08-04-2024 05:18","1722748681","0.45","0.54","0.0030"\n'
    )
    ns, values = read_wide(path)
    assert list(values.columns) == ["Republican", "Democrat", "Other"]
    np.testing.assert_array_equal(ns, np.array([1722740401, 1722744001, 1722748681]) * 10**9)
    assert np.isnan(values["Other"].iloc[1])
    assert values["Republican"].tolist() == [0.42, 0.43, 0.45]


def test_read_wide_parses_iso_times_and_refuses_timeless_files(tmp_path):
    kalshi = tmp_path / "k.csv"
    kalshi.write_text("timestamp,price_close\n2024-10-04 13:00:00,50.0\n2024-10-04 14:00:00,49\n")
    ns, values = read_wide(kalshi)
    assert ns[1] - ns[0] == NS_PER_HOUR
    assert values["price_close"].tolist() == [50.0, 49.0]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="no time column"):
        read_wide(bad)


def test_read_events_normalises_both_layouts(tmp_path):
    june = tmp_path / "june.csv"
    june.write_text(JUNE + "g,111,5,book,0.45,bid,10,h1,1000\ng,111,5,book,0.47,ask,12,h1,1000\n")
    july = tmp_path / "july.csv"
    july.write_text(
        JULY
        + "g,5,222,,book,0.52,BUY,8,h2,2000\n"
        + "g,5,222,,book,0.55,SELL,9,h2,2000,extra\n"
        + "g,5,222,,price_change,0.53,BUY,4,h3,2500\n"
        + "g,5,222,,price_change,abc,BUY,4,h4,2600\n"
    )
    a, b = read_events(june), read_events(july)
    assert a["side"].tolist() == ["bid", "ask"]
    assert b["side"].tolist() == ["bid", "bid"]  # the 11-field line and the bad price are out
    assert b["kind"].tolist() == ["book", "price_change"]
    assert set(a["asset"]) == {"111"}
    assert set(b["asset"]) == {"222"}
    missing = tmp_path / "missing.csv"
    missing.write_text("market_slug,price\ng,0.5\n")
    with pytest.raises(DataError, match="missing columns"):
        read_events(missing)


def _messages(rows):
    frame = pd.DataFrame(rows, columns=["ms", "kind", "side", "price", "size"])
    return frame.assign(hash=frame["ms"].astype(str))


def test_replay_applies_snapshots_and_level_updates_per_minute():
    minute = 60_000
    rows = [
        (0, "book", "bid", 0.40, 10.0),
        (0, "book", "bid", 0.41, 5.0),
        (0, "book", "ask", 0.43, 7.0),
        (1000, "price_change", "bid", 0.41, 0.0),  # removes the best bid
        (1000, "price_change", "ask", 0.42, 3.0),  # a new best ask
        (minute + 5, "price_change", "bid", 0.42, 1.0),  # crosses the ask: not snapshotted
        (2 * minute + 1, "book", "bid", 0.30, 2.0),  # a full book replaces everything
        (2 * minute + 1, "book", "ask", 0.35, 4.0),
    ]
    book = replay(_messages(rows))
    first = book.filter(book["ts"] == NS_PER_MINUTE)
    assert first["bid_px"].to_list()[0] == 0.40
    assert np.isnan(first["bid_px"].to_list()[1])
    assert first["ask_px"].to_list()[:2] == [0.42, 0.43]
    assert first["ask_sz"].to_list()[:2] == [3.0, 7.0]
    assert book.filter(book["ts"] == 2 * NS_PER_MINUTE).height == 0
    last = book.filter(book["ts"] == 3 * NS_PER_MINUTE)
    assert last["bid_px"].to_list() == [0.30]
    assert last["ask_px"].to_list() == [0.35]


def test_unknown_folders_are_refused(tmp_path):
    assert recognise(tmp_path) is None
    with pytest.raises(DataError, match="not a real-data folder"):
        import_folder(tmp_path, cache=tmp_path / "cache")


@pytest.fixture(scope="module")
def real_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("realdata-cache")


@pytest.fixture(scope="module")
def elections(shared_data, real_cache):
    folder = shared_data / "elections-2024"
    if not folder.is_dir():
        pytest.skip("elections-2024 is absent")
    return import_folder(folder, cache=real_cache)


@pytest.fixture(scope="module")
def mlb(shared_data, real_cache):
    folder = shared_data / "mlb-books-2025"
    if not folder.is_dir():
        pytest.skip("mlb-books-2025 is absent")
    return import_folder(folder, cache=real_cache)


@pytest.mark.realdata
def test_elections_national_event_resolves_to_trump(elections):
    ds = elections
    assert not ds.synthetic
    assert "real" in ds.source
    assert ds.step_ns == NS_PER_HOUR
    national = ds.markets[ds.markets["event_id"] == "pm-2024:presidential-election-winner"]
    assert len(national) == 17
    winners = national[national["winning_outcome"] == "Yes"]
    assert list(winners["question"]) == ["Will Donald Trump win the 2024 US presidential election?"]
    assert (national["resolution_state"] == "resolved").all()
    trump = ds.column("pm-2024:president-donald-trump:yes")
    assert ds.prices[-1, trump] == pytest.approx(0.9975)
    assert ds.payout[trump] == 1.0
    yes = ds.tokens.index.isin([f"{c}:yes" for c in national.index])
    total = np.nansum(ds.prices[:, yes], axis=1)
    assert total.max() < 1.5  # the daily file's 0.5 placeholder rows are gone
    assert np.nanmin(ds.prices) >= 0
    assert np.nanmax(ds.prices) <= 1


@pytest.mark.realdata
def test_elections_state_events_have_three_normalised_outcomes(elections):
    states = elections.markets[
        elections.markets["event_id"].fillna("").str.startswith("pm-2024:state-")
    ]
    outcomes = states.groupby("event_id")["question"].agg(
        lambda q: sorted(s.rsplit(" ", 1)[1] for s in q)
    )
    assert len(outcomes) == 50
    assert all(o == ["Democrat", "Other", "Republican"] for o in outcomes)
    assert (states["resolution_state"] == "unresolved").all()
    pa = elections.column("pm-2024:state-pa-republican:yes")
    assert np.isfinite(elections.prices[:, pa]).sum() > 1000


@pytest.mark.realdata
def test_elections_kalshi_pair_is_in_dollars(elections):
    djt = elections.column("kalshi:PRES-2024-DJT:yes")
    kh = elections.column("kalshi:PRES-2024-KH:yes")
    for col in (djt, kh):
        live = elections.prices[:, col][~np.isnan(elections.prices[:, col])]
        assert live.size > 500
        assert live.min() > 0
        assert live.max() < 1
    assert elections.payout[djt] == 1.0
    assert elections.payout[kh] == 0.0


@pytest.mark.realdata
def test_load_of_the_folder_reuses_the_import(shared_data, real_cache, elections, monkeypatch):
    def refuse(root, store):
        raise AssertionError("imported again")

    monkeypatch.setitem(realdata.IMPORTERS, "elections-2024", refuse)
    monkeypatch.setenv("ALPHA_ARENA_CACHE", str(real_cache))
    again = aa.data.load(shared_data / "elections-2024", days=30)
    assert again.n_markets == elections.n_markets
    assert (again.times[-1] - again.times[0]) == 30 * 24 * NS_PER_HOUR


@pytest.mark.realdata
def test_mlb_books_are_valid_l2_books(mlb):
    ds = mlb
    assert ds.step_ns == NS_PER_MINUTE
    games = ds.markets[ds.markets["slug"].str.startswith("mlb-")]
    assert len(games) >= 25
    books = ds.books
    quoted = ~np.isnan(books.bid_px[..., 0]) & ~np.isnan(books.ask_px[..., 0])
    assert quoted.sum() > 1000
    assert np.all(books.bid_px[..., 0][quoted] < books.ask_px[..., 0][quoted])
    bids = books.bid_px[..., :-1], books.bid_px[..., 1:]
    both = ~np.isnan(bids[0]) & ~np.isnan(bids[1])
    assert np.all(bids[0][both] > bids[1][both])
    steps = books.bid_px[~np.isnan(books.bid_px)] / 0.001
    assert np.allclose(steps, np.rint(steps), atol=1e-6)
    named = ds.tokens[ds.tokens["outcome"].isin(["Astros", "Rockies"])]
    assert len(named) == 2
    assert named["market_id"].nunique() == 1


@pytest.mark.realdata
def test_mlb_complement_books_roughly_mirror(mlb):
    """YES/NO of a game: best bid of one is close to 1 - best ask of the other."""
    ds = mlb
    a, b = np.flatnonzero(ds.is_yes), ds.complement[np.flatnonzero(ds.is_yes)]
    bid_a, ask_b = ds.books.bid_px[:, a, 0], ds.books.ask_px[:, b, 0]
    both = ~np.isnan(bid_a) & ~np.isnan(ask_b)
    assert both.sum() > 500
    assert np.median(np.abs(bid_a[both] + ask_b[both] - 1.0)) <= 0.02


@pytest.mark.realdata
def test_mlb_fills_become_trades(mlb):
    trades = mlb.trades
    assert trades.height > 900
    assert set(trades["side"].unique()) <= {"BUY", "SELL"}
    nfl = mlb.markets[mlb.markets["slug"] == "nfl-16403"]
    assert len(nfl) == 1
    tokens = mlb.tokens[mlb.tokens["market_id"] == nfl.index[0]]
    assert set(trades["token_id"].unique()) == set(tokens.index)
    assert set(tokens["outcome"]) == {"Chargers", "Texans"}
