"""The download cache: round trip through the store, incremental requests, atomic failure."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.cli import main
from alpha_arena.data import load
from alpha_arena.data.download import cache_info, download, gaps, read_state
from alpha_arena.data.http import RetryPolicy
from alpha_arena.data.kalshi import KalshiClient
from alpha_arena.data.polymarket import PolymarketClient
from alpha_arena.errors import SchemaError, ValidationError
from alpha_arena.types import ResolutionState
from tests.fixtures.fake_polymarket import FakePolymarket, price_at
from tests.fixtures.http_fakes import FakeClock, LocalServer, Router, fixture

NOW = datetime(2024, 12, 10, 12, tzinfo=UTC)
KALSHI_HOST = "api.elections.kalshi.com"
MARKETS = fixture("polymarket/gamma_markets.json")
TRUMP, HARRIS, FED = (m["conditionId"] for m in MARKETS[:3])
FED_YES = MARKETS[2]["clobTokenIds"].split('"')[1]


def client(fake: FakePolymarket) -> PolymarketClient:
    clock = FakeClock()
    return PolymarketClient(
        transport=fake.transport(),
        rate_per_minute=60_000,
        retry=RetryPolicy(max_attempts=2),
        clock=clock,
        sleep=clock.sleep,
    )


def snapshot(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_round_trip_through_the_store(tmp_path):
    fake = FakePolymarket(int(NOW.timestamp()))
    report = download(tmp_path, client(fake), markets=[FED], days=2, fidelity=60, now=NOW)
    assert report.markets == 1
    assert report.series_fetched == 2
    assert report.books == 2
    assert report.trades == 30
    ds = load(tmp_path)
    assert list(ds.markets.index) == [FED]
    assert ds.markets.loc[FED, "tick_size"] == 0.001
    assert ds.step_ns == 3600 * 10**9
    assert ds.times[-1] == int(NOW.timestamp()) * 10**9
    assert ds.times[0] == int((NOW - timedelta(days=2)).timestamp()) * 10**9
    col = ds.column(FED_YES)
    expected = [price_at(FED_YES, int(t // 10**9)) for t in ds.times]
    np.testing.assert_allclose(ds.prices[:, col], expected)
    assert ds.books is not None
    assert ds.books.bid_px[-1, col, 0] == 0.45
    assert ds.books.ask_px[-1, col, 0] == 0.47
    assert ds.trades.height == 30
    assert not ds.synthetic
    assert ds.source == "polymarket"


def test_second_download_of_the_same_range_sends_no_request(tmp_path):
    fake = FakePolymarket(int(NOW.timestamp()))
    first = download(tmp_path, client(fake), markets=[FED, TRUMP], days=3, fidelity=60, now=NOW)
    assert first.requests > 0
    calls = sum(fake.calls.values())
    again = download(tmp_path, client(fake), markets=[FED, TRUMP], days=3, fidelity=60, now=NOW)
    assert again.requests == 0
    assert sum(fake.calls.values()) == calls
    assert again.series_cached == 4
    # by slug too, from the cached markets table
    slug = MARKETS[2]["slug"]
    assert (
        download(tmp_path, client(fake), markets=[slug], days=3, fidelity=60, now=NOW).requests == 0
    )


def test_later_download_asks_only_for_the_missing_end(tmp_path):
    fake = FakePolymarket(int(NOW.timestamp()))
    download(tmp_path, client(fake), markets=[FED], days=2, fidelity=60, now=NOW, books=False)
    fake.log.clear()
    later = NOW + timedelta(hours=5)
    fake.now = int(later.timestamp())
    report = download(
        tmp_path, client(fake), markets=[FED], days=2, fidelity=60, now=later, books=False
    )
    history = [p for key, p in fake.log if key == "clob /prices-history"]
    assert len(history) == 2  # one per token
    for params in history:
        assert int(params["startTs"][0]) == int(NOW.timestamp())
        assert int(params["endTs"][0]) == int(later.timestamp())
    assert report.points == 2 * 6
    ds = load(tmp_path)
    assert ds.times[-1] == int(later.timestamp()) * 10**9
    assert not np.isnan(ds.prices[:, ds.column(FED_YES)]).any()
    # trades: the fake's 30 newest trades are all after the first run's end
    assert ds.trades.height == 60
    assert ds.trades["ts"].n_unique() == 60
    state = read_state(tmp_path)
    assert state["trades"][FED][1] == int(later.timestamp())


def test_resolved_market_stops_at_resolution_and_has_no_book(tmp_path):
    fake = FakePolymarket(int(NOW.timestamp()))
    download(tmp_path, client(fake), markets=[TRUMP], days=1, fidelity=60, now=NOW)
    assert fake.calls["clob /books"] == 0
    ds = load(tmp_path)
    resolved = datetime(2024, 11, 6, 13, tzinfo=UTC)  # resolution 13:32, hourly grid
    assert ds.times[-1] == int(resolved.timestamp()) * 10**9
    assert ds.markets.loc[TRUMP, "resolution_state"] == ResolutionState.RESOLVED.value
    assert ds.payout[ds.column(ds.tokens.index[0])] == 1.0


def test_event_download_and_its_cache(tmp_path):
    fake = FakePolymarket(int(NOW.timestamp()))
    report = download(
        tmp_path,
        client(fake),
        event="presidential-election-winner-2024",
        days=1,
        fidelity=60,
        now=NOW,
        trades=False,
    )
    assert report.markets == 2
    ds = load(tmp_path)
    assert set(ds.markets.index) == {TRUMP, HARRIS}
    assert len(ds.events) == 1
    again = download(
        tmp_path,
        client(fake),
        event="presidential-election-winner-2024",
        days=1,
        fidelity=60,
        now=NOW,
        trades=False,
    )
    assert again.requests == 0


def test_malformed_payload_leaves_the_previous_cache_intact(tmp_path):
    fake = FakePolymarket(int(NOW.timestamp()))
    download(tmp_path, client(fake), markets=[FED], days=1, fidelity=60, now=NOW)
    before = snapshot(tmp_path)
    later = NOW + timedelta(days=1)
    fake.broken["clob /prices-history"] = {"history": [{"t": 1, "p": "n/a"}]}
    with pytest.raises(SchemaError, match=r"prices-history: field 'history\[0\]\.p'"):
        download(tmp_path, client(fake), markets=[FED], days=1, fidelity=60, now=later)
    assert snapshot(tmp_path) == before
    fake.broken["clob /prices-history"] = "<html>bad gateway</html>"
    with pytest.raises(SchemaError, match="<body>"):
        download(tmp_path, client(fake), markets=[FED], days=1, fidelity=60, now=later)
    assert snapshot(tmp_path) == before
    assert not list(tmp_path.rglob("*.tmp"))


def test_failure_on_a_later_market_keeps_earlier_ones_and_resumes(tmp_path):
    fake = FakePolymarket(int(NOW.timestamp()))
    fake.broken["data /trades"] = [{"side": "BUY"}]  # trades are fetched after prices
    with pytest.raises(SchemaError, match="data-api GET /trades"):
        download(tmp_path, client(fake), markets=[TRUMP, FED], days=1, fidelity=60, now=NOW)
    assert not (tmp_path / "meta.json").exists()  # the first market failed: nothing written
    del fake.broken["data /trades"]
    download(tmp_path, client(fake), markets=[TRUMP], days=1, fidelity=60, now=NOW)
    fake.broken["data /trades"] = [{"side": "BUY"}]
    with pytest.raises(SchemaError):
        download(tmp_path, client(fake), markets=[TRUMP, FED], days=1, fidelity=60, now=NOW)
    assert list(load(tmp_path).markets.index) == [TRUMP]
    del fake.broken["data /trades"]
    fake.calls.clear()
    download(tmp_path, client(fake), markets=[TRUMP, FED], days=1, fidelity=60, now=NOW)
    assert set(load(tmp_path).markets.index) == {TRUMP, FED}
    assert fake.calls["clob /prices-history"] == 2  # only FED's two tokens


def test_unknown_market_and_bad_arguments(tmp_path):
    fake = FakePolymarket(int(NOW.timestamp()))
    with pytest.raises(ValidationError, match="markets"):
        download(tmp_path, client(fake), markets=["0xnope"], now=NOW)
    with pytest.raises(ValidationError, match="exactly one"):
        download(tmp_path, client(fake), markets=[FED], active=True, now=NOW)
    with pytest.raises(ValidationError, match="days"):
        download(tmp_path, client(fake), markets=[FED], days=0, now=NOW)


def test_active_markets(tmp_path):
    fake = FakePolymarket(int(NOW.timestamp()))
    report = download(tmp_path, client(fake), active=True, days=1, fidelity=60, now=NOW)
    assert report.markets == 1
    assert fake.log[0][1]["active"] == ["true"]


def test_cache_info(tmp_path):
    fake = FakePolymarket(int(NOW.timestamp()))
    download(tmp_path, client(fake), markets=[FED], days=1, fidelity=60, now=NOW)
    info = cache_info(tmp_path)
    assert info["markets"] == 1
    assert info["tokens"] == 2
    assert info["prices_files"] == 2
    assert info["prices_rows"] == 2 * 25
    assert info["prices_to"] == NOW.isoformat()
    assert info["books_files"] == 2
    assert info["trades_rows"] == 30
    assert info["step_seconds"] == 3600


@settings(deadline=None, max_examples=200)
@given(
    want=st.tuples(st.integers(0, 100), st.integers(0, 100)).map(sorted),
    have=st.none() | st.tuples(st.integers(0, 100), st.integers(0, 100)).map(sorted),
)
def test_gaps_cover_exactly_what_is_missing(want, have):
    lo, hi = want
    parts = gaps((lo, hi), None if have is None else list(have))
    covered = set() if have is None else set(range(have[0], have[1] + 1))
    fetched = {t for a, b in parts for t in range(a, b + 1)}
    needed = set(range(lo, hi + 1))
    assert needed <= covered | fetched  # nothing needed is left out
    for a, b in parts:  # and each request stays inside the wanted window
        assert lo <= a <= b <= hi
    if have is not None and have[0] <= lo and hi <= have[1]:
        assert parts == []


def test_cli_download_and_info_against_a_local_server(tmp_path, capsys):
    now = int(datetime.now(UTC).timestamp())
    fake = FakePolymarket(now)
    out = tmp_path / "cache"
    with fake.serve() as server:
        argv = [
            "data",
            "download",
            "--markets",
            FED,
            "--days",
            "0.5",
            "--interval",
            "1h",
            "--out",
            str(out),
            "--gamma-url",
            f"{server.url}/gamma",
            "--clob-url",
            f"{server.url}/clob",
            "--data-url",
            f"{server.url}/data",
        ]
        assert main(argv) == 0
        first = capsys.readouterr().out
        assert "1 markets, 2 price series fetched" in first
        assert fake.calls["gamma /markets"] == 1
        assert fake.calls["clob /prices-history"] == 2
        assert fake.calls["data /trades"] == 1
        calls = sum(fake.calls.values())
        assert main(argv) == 0
        assert "0 requests" in capsys.readouterr().out
        assert sum(fake.calls.values()) == calls
    ds = load(out)
    assert list(ds.markets.index) == [FED]
    assert ds.n_times == 13
    assert main(["data", "info", str(out)]) == 0
    info = capsys.readouterr().out
    assert "markets        1" in info
    assert "prices_files   2" in info


def test_cli_reports_api_errors_without_traceback(tmp_path, capsys):
    fake = FakePolymarket(int(NOW.timestamp()))
    fake.broken["gamma /markets"] = {"not": "a list"}
    with fake.serve() as server:
        code = main(
            [
                "data",
                "download",
                "--active",
                "--out",
                str(tmp_path),
                "--gamma-url",
                f"{server.url}/gamma",
            ]
        )
    assert code == 2
    assert "gamma GET /markets: field '<body>': expected a JSON array" in capsys.readouterr().err


def test_more_days_reaches_back_for_prices_and_trades(tmp_path):
    fake = FakePolymarket(int(NOW.timestamp()), trades_per_market=200)  # 200 × 600 s ≈ 33 h
    download(tmp_path, client(fake), markets=[FED], days=0.5, fidelity=60, now=NOW, books=False)
    assert load(tmp_path).trades.height == 73  # trades in the last 12 hours, ends included
    fake.log.clear()
    download(tmp_path, client(fake), markets=[FED], days=1, fidelity=60, now=NOW, books=False)
    history = [p for key, p in fake.log if key == "clob /prices-history"]
    half = int((NOW - timedelta(days=0.5)).timestamp())
    assert {(int(p["startTs"][0]), int(p["endTs"][0])) for p in history} == {
        (int((NOW - timedelta(days=1)).timestamp()), half)
    }
    ds = load(tmp_path)
    assert ds.trades.height == 145
    assert ds.trades["ts"].n_unique() == 145


def test_console_command_with_urls_from_the_environment(tmp_path):
    fake = FakePolymarket(int(datetime.now(UTC).timestamp()))
    out = tmp_path / "cache"
    with fake.serve() as server:
        env = {
            **os.environ,
            "ALPHA_ARENA_GAMMA_URL": f"{server.url}/gamma",
            "ALPHA_ARENA_CLOB_URL": f"{server.url}/clob",
            "ALPHA_ARENA_DATA_URL": f"{server.url}/data",
        }
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "alpha_arena.cli",
                "data",
                "download",
                "--event",
                "903193",
                "--days",
                "1",
                "--interval",
                "1d",
                "--out",
                str(out),
                "--no-trades",
            ],
            env=env,
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert "2 markets" in done.stdout
    assert fake.calls["gamma /events"] == 1
    assert set(load(out).markets.index) == {TRUMP, HARRIS}


KALSHI_MARKETS = (
    fixture("kalshi/markets_page1.json")["markets"]
    + fixture("kalshi/markets_page2.json")["markets"]
)


def kalshi_router() -> Router:
    def markets(request):
        params = request.url.params
        items = KALSHI_MARKETS
        if "tickers" in params:
            items = [m for m in items if m["ticker"] in params["tickers"].split(",")]
        if "event_ticker" in params:
            items = [m for m in items if m["event_ticker"] == params["event_ticker"]]
        return httpx.Response(200, json={"markets": items, "cursor": ""})

    def candles(request):
        lo, hi = int(request.url.params["start_ts"]), int(request.url.params["end_ts"])
        step = 60 * int(request.url.params["period_interval"])
        rows = [
            {
                "end_period_ts": t,
                "yes_bid": {"close": 0 if t % 7200 else 40},  # every other hour: no bid
                "yes_ask": {"close": 44},
                "price": {"close": 43},
                "volume": 5,
                "open_interest": 9,
            }
            for t in range(-(-lo // step) * step, hi + 1, step)
        ]
        return httpx.Response(200, json={"ticker": "x", "candlesticks": rows})

    router = Router().add("GET", KALSHI_HOST, "/trade-api/v2/markets", markets)
    for m in KALSHI_MARKETS:
        ticker = m["ticker"]
        router.add(
            "GET",
            KALSHI_HOST,
            f"/trade-api/v2/series/KXHIGHNY/markets/{ticker}/candlesticks",
            candles,
        )
        router.add(
            "GET",
            KALSHI_HOST,
            f"/trade-api/v2/markets/{ticker}/orderbook",
            [httpx.Response(200, json=fixture("kalshi/orderbook.json"))],
        )
    return router


def kalshi_client(router: Router) -> KalshiClient:
    clock = FakeClock()
    return KalshiClient(
        transport=router.transport(),
        rate_per_minute=60_000,
        retry=RetryPolicy(max_attempts=2),
        clock=clock,
        sleep=clock.sleep,
        wall_clock=lambda: NOW.timestamp(),
    )


def test_kalshi_download_round_trip_and_incremental(tmp_path):
    router = kalshi_router()
    ticker = "KXHIGHNY-25DEC01-T40"
    report = download(
        tmp_path, kalshi_client(router), markets=[ticker], days=1, fidelity=60, now=NOW
    )
    assert report.markets == 1
    assert report.books == 2
    candle_path = f"/trade-api/v2/series/KXHIGHNY/markets/{ticker}/candlesticks"
    assert router.counts[(KALSHI_HOST, candle_path)] == 1  # one request serves YES and NO
    ds = load(tmp_path)
    assert ds.source == "kalshi"
    yes = ds.prices[:, ds.column(f"{ticker}:yes")]
    no = ds.prices[:, ds.column(f"{ticker}:no")]
    hours = ds.times // 10**9
    np.testing.assert_allclose(yes, np.where(hours % 7200 == 0, 0.42, 0.43))  # mid, else last
    np.testing.assert_allclose(no, 1.0 - yes)
    assert ds.books.bid_px[-1, ds.column(f"{ticker}:yes"), 0] == 0.44
    assert ds.books.ask_px[-1, ds.column(f"{ticker}:yes"), 0] == 0.46
    assert ds.trades is None
    sent = len(router.requests)
    again = download(
        tmp_path, kalshi_client(router), markets=[ticker], days=1, fidelity=60, now=NOW
    )
    assert again.requests == 0
    assert len(router.requests) == sent


def test_kalshi_event_download_and_bad_fidelity(tmp_path):
    router = kalshi_router()
    report = download(
        tmp_path, kalshi_client(router), event="KXHIGHNY-24JAN01", days=1, fidelity=60, now=NOW
    )
    assert report.markets == 2
    assert report.books == 0  # both settled: no book
    ds = load(tmp_path)
    assert set(ds.markets.index) == {"KXHIGHNY-24JAN01-T60", "KXHIGHNY-24JAN01-T55"}
    # T60 settled at 06:00 (settlement_ts), T55 expired at 04:59; both stopped trading at 04:59
    assert ds.times[-1] == int(datetime(2024, 1, 2, 6, tzinfo=UTC).timestamp()) * 10**9
    four = int(
        np.searchsorted(ds.times, int(datetime(2024, 1, 2, 4, tzinfo=UTC).timestamp()) * 10**9)
    )
    assert not np.isnan(ds.prices[four]).any()
    assert np.isnan(ds.prices[-1]).all()
    assert ds.payout.tolist() == [0.0, 1.0, 1.0, 0.0]  # T60 resolved No, T55 resolved Yes
    with pytest.raises(ValidationError, match="fidelity"):
        download(
            tmp_path / "x",
            kalshi_client(router),
            markets=["KXHIGHNY-25DEC01-T40"],
            fidelity=5,
            now=NOW,
        )


def test_cli_kalshi_venue_against_a_local_server(tmp_path, capsys):
    router = kalshi_router()

    def handler(request):  # the server sees 127.0.0.1; route as the public host
        url = request.url.copy_with(scheme="https", host=KALSHI_HOST, port=None)
        return router(httpx.Request(request.method, url))

    out = tmp_path / "kalshi"
    with LocalServer(handler) as server:
        argv = [
            "data",
            "download",
            "--venue",
            "kalshi",
            "--markets",
            "KXHIGHNY-25DEC01-T40",
            "--days",
            "1",
            "--interval",
            "1h",
            "--out",
            str(out),
            "--kalshi-url",
            f"{server.url}/trade-api/v2",
        ]
        assert main(argv) == 0
    assert "1 markets, 2 price series fetched" in capsys.readouterr().out
    ds = load(out)
    assert ds.source == "kalshi"
    assert ds.n_tokens == 2
