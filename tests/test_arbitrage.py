"""Dataset-level arbitrage scans: complement, neg-risk, cross-venue, history and the CLI."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from alpha_arena.arbitrage import (
    COMPLEMENT_BUY,
    COMPLEMENT_SELL,
    CROSS_VENUE,
    NEGRISK_BUY,
    NEGRISK_SELL,
    OPPORTUNITY_COLUMNS,
    history,
    kalshi_books_from_frame,
    scan,
    scan_cross_venue,
)
from alpha_arena.cli import main
from alpha_arena.data import BookPanel, Dataset, markets_frame, tokens_frame
from alpha_arena.data.store import write_dataset
from alpha_arena.errors import DataError, ValidationError
from alpha_arena.timeutil import NS_PER_MINUTE, to_ns
from tests.factories import T0, make_dataset, make_market


def _flat_books(n_times: int, n_tokens: int, levels: int = 2):
    """Books with no arbitrage anywhere: every token bid 0.30 / ask 0.70."""
    shape = (n_times, n_tokens, levels)
    bid_px = np.full(shape, np.nan)
    ask_px = np.full(shape, np.nan)
    bid_px[..., 0], ask_px[..., 0] = 0.30, 0.70
    bid_sz = np.where(np.isnan(bid_px), 0.0, 50.0)
    return bid_px, bid_sz, ask_px, bid_sz.copy()


def event_dataset(n_outcomes: int = 3, n_times: int = 6, meta: dict | None = None) -> Dataset:
    """One neg-risk event `e1` of `n_outcomes` markets plus a plain market, flat books."""
    markets = [make_market(i, event_id="e1", neg_risk=True) for i in range(n_outcomes)]
    markets.append(make_market(n_outcomes))
    times = to_ns(T0) + NS_PER_MINUTE * np.arange(n_times, dtype=np.int64)
    n_tokens = 2 * len(markets)
    books = BookPanel(times, *_flat_books(n_times, n_tokens))
    return Dataset(
        markets=markets_frame(markets),
        tokens=tokens_frame(markets),
        times=times,
        prices=np.full((n_times, n_tokens), 0.5),
        books=books,
        meta=meta or {},
    )


def test_flat_books_have_no_arbitrage():
    table = scan(event_dataset())
    assert table.empty
    assert list(table.columns) == list(OPPORTUNITY_COLUMNS)


def test_complement_buy_found_with_legs_and_totals():
    ds = event_dataset()
    books = ds.books
    # Market 3 (columns 6, 7): YES ask 0.48 x 50, NO ask 0.47 x 50, politics fee 0.04.
    books.ask_px[-1, 6, 0], books.ask_px[-1, 7, 0] = 0.48, 0.47
    table = scan(ds)
    assert list(table["kind"]) == [COMPLEMENT_BUY]
    opp = table.iloc[0]
    assert opp["market"] == "m3"
    assert [leg["token"] for leg in opp["legs"]] == ["m3-yes", "m3-no"]
    assert [leg["price"] for leg in opp["legs"]] == [0.48, 0.47]
    assert opp["capital"] == pytest.approx(sum(leg["cash"] for leg in opp["legs"]))
    assert opp["fees"] == pytest.approx(sum(leg["fee"] for leg in opp["legs"]))
    assert opp["profit"] == pytest.approx(opp["size"] - opp["capital"])
    assert opp["time"] == pd.Timestamp(int(books.times[-1]), tz="UTC")
    # A higher bar than the edge (about 0.03) leaves nothing.
    assert scan(ds, min_edge=0.04).empty


def test_complement_sell_mints_and_sells_both_bids():
    ds = event_dataset()
    ds.books.bid_px[-1, 6, 0], ds.books.bid_px[-1, 7, 0] = 0.56, 0.48
    opp = scan(ds).iloc[0]
    assert opp["kind"] == COMPLEMENT_SELL
    assert opp["capital"] == pytest.approx(opp["size"]) == pytest.approx(50.0)
    fees = 50 * 0.04 * (0.56 * 0.44 + 0.48 * 0.52)
    assert opp["profit"] == pytest.approx(50 * (0.56 + 0.48 - 1) - fees)


def test_negrisk_buy_needs_every_outcome_and_a_complete_event():
    ds = event_dataset()
    ds.books.ask_px[-1, [0, 2, 4], 0] = [0.30, 0.30, 0.30]
    table = scan(ds)
    assert list(table["kind"]) == [NEGRISK_BUY]
    assert table.iloc[0]["market"] == "e1"
    assert [leg["token"] for leg in table.iloc[0]["legs"]] == ["m0-yes", "m1-yes", "m2-yes"]
    # If the event really has 4 outcomes, the 3 listed ones are not a sure payout.
    incomplete = replace(ds, meta={"event_outcomes": {"e1": 4}})
    assert scan(incomplete).empty
    # An outcome with no ask at all: the basket cannot be bought.
    ds.books.ask_px[-1, 4, 0] = np.nan
    ds.books.ask_sz[-1, 4, 0] = 0.0
    assert scan(ds).empty


def test_negrisk_sell_when_yes_bids_sum_above_one():
    ds = event_dataset()
    ds.books.bid_px[-1, [0, 2, 4], 0] = [0.40, 0.35, 0.30]
    opp = scan(ds, kinds=[NEGRISK_SELL]).iloc[0]
    assert opp["kind"] == NEGRISK_SELL
    assert opp["size"] == 50.0
    assert opp["edge"] == pytest.approx(0.05 - 0.04 * (0.4 * 0.6 + 0.35 * 0.65 + 0.3 * 0.7))


def test_scan_at_uses_the_snapshot_in_force():
    ds = event_dataset()
    ds.books.ask_px[2, 6, 0], ds.books.ask_px[2, 7, 0] = 0.40, 0.40
    at = T0 + pd.Timedelta(minutes=2, seconds=30)
    assert list(scan(ds, at=at)["kind"]) == [COMPLEMENT_BUY]
    assert scan(ds, at=T0 + pd.Timedelta(minutes=1)).empty
    assert scan(ds, at=T0 + pd.Timedelta(minutes=3)).empty
    assert scan(ds).empty


def test_bad_inputs_are_named():
    ds = event_dataset()
    with pytest.raises(ValidationError, match="min_edge"):
        scan(ds, min_edge=-0.1)
    with pytest.raises(ValidationError, match="kinds"):
        scan(ds, kinds=["triangle"])
    with pytest.raises(ValidationError, match="at"):
        scan(ds, at=T0 - pd.Timedelta(days=1))
    with pytest.raises(DataError, match="order books"):
        scan(replace(ds, books=None))


def test_history_counts_episodes_and_durations():
    ds = event_dataset(n_times=6)
    # m3 complement arb lives in snapshots 1-2 (gone at 3) and again in 5 (still open).
    for i in (1, 2, 5):
        ds.books.ask_px[i, 6, 0], ds.books.ask_px[i, 7, 0] = 0.45, 0.45 - 0.01 * (i == 2)
    result = history(ds)
    assert result.n_snapshots == 6
    assert len(result.snapshots) == 3
    episodes = result.episodes
    assert list(episodes["snapshots"]) == [2, 1]
    assert list(episodes["duration"]) == [pd.Timedelta(minutes=2), pd.Timedelta(0)]
    assert list(episodes["open"]) == [False, True]
    assert episodes.iloc[0]["start"] == pd.Timestamp(T0) + pd.Timedelta(minutes=1)
    assert episodes.iloc[0]["end"] == pd.Timestamp(T0) + pd.Timedelta(minutes=3)
    peak = result.snapshots[result.snapshots["time"] <= episodes.iloc[0]["end"]]["edge"].max()
    assert episodes.iloc[0]["peak_edge"] == pytest.approx(peak)
    summary = result.summary()
    assert summary.iloc[0]["snapshots_with"] == 3
    assert summary.iloc[0]["share"] == pytest.approx(0.5)
    # Each snapshot of history agrees with the one-snapshot scan.
    at = T0 + pd.Timedelta(minutes=2)
    one = scan(ds, at=at)
    row = result.snapshots[result.snapshots["time"] == pd.Timestamp(at)]
    assert row["profit"].to_numpy() == pytest.approx(one["profit"].to_numpy())


def kalshi_frame() -> pd.DataFrame:
    """Kalshi book of K0 at T0: YES bid 0.48 x 10; NO bids 0.55 x 20, 0.54 x 30."""
    return pd.DataFrame(
        {
            "time": [T0.isoformat()] * 3,
            "ticker": ["K0"] * 3,
            "side": ["yes", "no", "no"],
            "price": [0.48, 0.55, 0.54],
            "size": [10, 20, 30],
        }
    )


def test_kalshi_books_turn_no_bids_into_yes_asks():
    books = kalshi_books_from_frame(kalshi_frame())
    assert books.tickers == ["K0"]
    assert books.panel.ask_px[0, 0].tolist() == [0.45, 0.46]
    assert books.panel.ask_sz[0, 0].tolist() == [20.0, 30.0]
    assert books.panel.bid_px[0, 0, 0] == 0.48
    cents = kalshi_frame().assign(price=[48, 55, 54])
    with pytest.raises(ValidationError, match="not cents"):
        kalshi_books_from_frame(cents)
    with pytest.raises(ValidationError, match="side"):
        kalshi_books_from_frame(kalshi_frame().assign(side="bid"))


def test_cross_venue_buys_polymarket_no_and_kalshi_yes():
    ds = event_dataset()
    pairs = pd.DataFrame({"polymarket": ["thing-3"], "kalshi": ["K0"]})
    # Polymarket m3 NO ask 0.70 + Kalshi YES ask 0.45 > 1: nothing yet.
    kalshi = kalshi_books_from_frame(kalshi_frame())
    assert scan_cross_venue(ds, kalshi, pairs).empty
    ds.books.ask_px[-1, 7, 0] = 0.50
    table = scan_cross_venue(ds, kalshi, pairs)
    opp = table.iloc[0]
    assert opp["kind"] == CROSS_VENUE
    assert opp["market"] == "m3|K0"
    assert [leg["token"] for leg in opp["legs"]] == ["m3-no", "K0:yes"]
    # 0.50 + 0.46 plus both fees is still below 1: the walk reaches Kalshi's second level.
    kalshi_leg = opp["legs"][1]
    assert kalshi_leg["price"] == 0.46
    assert 20 < kalshi_leg["size"] <= 50
    # The Kalshi leg's fee is charged in USDC, ceiled to the cent, per level filled.
    paid = 20 * 0.45 + (kalshi_leg["size"] - 20) * 0.46
    assert kalshi_leg["cash"] == pytest.approx(paid + kalshi_leg["fee"])
    assert round(kalshi_leg["fee"] * 100, 9).is_integer()
    with pytest.raises(ValidationError, match=r"pairs\.polymarket"):
        scan_cross_venue(ds, kalshi, pd.DataFrame({"polymarket": ["nope"], "kalshi": ["K0"]}))
    with pytest.raises(ValidationError, match="kalshi"):
        scan_cross_venue(ds, kalshi, pd.DataFrame({"polymarket": ["m3"], "kalshi": ["K9"]}))


def test_history_with_kalshi_tracks_cross_venue_episodes():
    ds = event_dataset(n_times=6)
    pairs = pd.DataFrame({"polymarket": ["m3"], "kalshi": ["K0"]})
    # Kalshi's book appears at minute 2; Polymarket m3 NO is cheap at minutes 1-4.
    frame = kalshi_frame().assign(time=(T0 + pd.Timedelta(minutes=2)).isoformat())
    kalshi = kalshi_books_from_frame(frame)
    ds.books.ask_px[1:5, 7, 0] = 0.50
    result = history(ds, kalshi=kalshi, pairs=pairs)
    cross = result.episodes[result.episodes["kind"] == CROSS_VENUE]
    assert len(cross) == 1
    assert cross.iloc[0]["start"] == pd.Timestamp(T0) + pd.Timedelta(minutes=2)
    assert cross.iloc[0]["end"] == pd.Timestamp(T0) + pd.Timedelta(minutes=5)
    at = T0 + pd.Timedelta(minutes=3)
    one = scan_cross_venue(ds, kalshi, pairs, at=at)
    row = result.snapshots[result.snapshots["time"] == pd.Timestamp(at)]
    assert row["profit"].to_numpy() == pytest.approx(one["profit"].to_numpy())
    only = history(ds, kinds=[CROSS_VENUE], kalshi=kalshi, pairs=pairs)
    assert set(only.episodes["kind"]) == {CROSS_VENUE}
    with pytest.raises(ValidationError, match="kalshi/pairs"):
        history(ds, kalshi=kalshi)


@pytest.fixture
def stored(tmp_path):
    """A factory data set with one complement arb, written as a store directory."""
    ds = make_dataset(n_markets=3, n_times=30)
    ds.books.ask_px[-1, 1, :] = [0.40, 0.45, 0.60]
    return write_dataset(ds, tmp_path / "store")


def test_cli_prints_opportunities_as_json(stored, capsys):
    assert main(["arbitrage", "--data", str(stored), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["kind"] for r in rows] == [COMPLEMENT_BUY]
    assert rows[0]["market"] == "m0"
    assert [leg["token"] for leg in rows[0]["legs"]] == ["m0-yes", "m0-no"]
    assert rows[0]["profit"] > 0
    assert main(["arbitrage", "--data", str(stored), "--min-edge", "0.2"]) == 0
    assert "no arbitrage" in capsys.readouterr().out


def test_cli_table_history_and_cross_venue(stored, tmp_path, capsys):
    assert main(["arbitrage", "--data", str(stored)]) == 0
    out = capsys.readouterr().out
    assert "complement_buy" in out
    assert "BUY m0-no @0.45" in out
    assert main(["arbitrage", "--data", str(stored), "--history", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["snapshots"] == 6
    assert payload["episodes"][0]["open"] is True
    kalshi = tmp_path / "kalshi.csv"
    kalshi_frame().assign(price=[0.10, 0.95, 0.94]).to_csv(kalshi, index=False)
    pairs = tmp_path / "pairs.csv"
    pd.DataFrame({"polymarket": ["m2"], "kalshi": ["K0"]}).to_csv(pairs, index=False)
    args = ["arbitrage", "--data", str(stored), "--json", "--kalshi", str(kalshi)]
    assert main([*args, "--pairs", str(pairs)]) == 0
    kinds = {r["kind"] for r in json.loads(capsys.readouterr().out)}
    assert kinds == {COMPLEMENT_BUY, CROSS_VENUE}
    assert main([*args, "--pairs", str(pairs), "--history"]) == 0
    kinds = {r["kind"] for r in json.loads(capsys.readouterr().out)["episodes"]}
    assert kinds == {COMPLEMENT_BUY, CROSS_VENUE}


def test_cli_errors_exit_2_with_the_field(stored, capsys):
    assert main(["arbitrage", "--data", str(stored), "--min-edge", "2"]) == 2
    assert "min_edge" in capsys.readouterr().err
    assert main(["arbitrage", "--data", str(stored), "--kalshi", "x.csv"]) == 2
    assert "--kalshi/--pairs" in capsys.readouterr().err
    assert main(["arbitrage", "--data", str(stored), "--history", "--at", T0.isoformat()]) == 2
    assert "--history" in capsys.readouterr().err
    assert main(["arbitrage", "--data", str(stored / "missing")]) == 2
    assert "data source" in capsys.readouterr().err


def test_example_pairs_file_is_valid():
    from pathlib import Path

    from alpha_arena.arbitrage import load_pairs

    pairs = load_pairs(Path(__file__).parent.parent / "datasets" / "kalshi_pairs.csv")
    assert list(pairs["kalshi"]) == ["PRES-2024-DJT", "PRES-2024-KH"]
    with pytest.raises(DataError, match="does not exist"):
        load_pairs(Path(__file__).parent / "no-such-pairs.csv")


def test_kalshi_books_from_the_data_clients_orderbook_snapshots():
    from pathlib import Path

    from alpha_arena.arbitrage import kalshi_books_from_snapshots
    from alpha_arena.data.kalshi import parse_orderbook
    from alpha_arena.data.payload import Payload

    body = json.loads(
        (Path(__file__).parent / "fixtures" / "kalshi" / "orderbook.json").read_text()
    )
    first = parse_orderbook(Payload(body, "test"), "K0", T0)
    later = parse_orderbook(Payload(body, "test"), "K0", T0 + pd.Timedelta(minutes=3))
    books = kalshi_books_from_snapshots([first, later])
    # Recorded book: YES bids 44 x 30, 40 x 150, 1 x 200; NO bids 54 x 20, 50 x 75 (cents).
    assert books.panel.times.size == 2
    assert books.panel.bid_px[0, 0].tolist() == [0.44, 0.40, 0.01]
    assert books.panel.ask_px[0, 0, :2].tolist() == [0.46, 0.50]
    assert books.panel.ask_sz[0, 0, :2].tolist() == [20.0, 75.0]
    np.testing.assert_array_equal(books.panel.ask_px[0, 0, :2], first.yes.ask_prices)
    with pytest.raises(DataError, match="no snapshots"):
        kalshi_books_from_snapshots([])
