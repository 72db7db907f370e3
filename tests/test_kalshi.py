"""Kalshi client against recorded payloads: cursor pages, both book forms, schema drift."""

import copy
import math
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from alpha_arena.data.http import RetryPolicy
from alpha_arena.data.kalshi import KalshiClient, parse_orderbook, token_ids
from alpha_arena.data.payload import Payload
from alpha_arena.errors import SchemaError, ValidationError
from alpha_arena.types import ResolutionState
from tests.fixtures.http_fakes import FakeClock, Router, fixture

HOST = "api.elections.kalshi.com"
MARKETS = "/trade-api/v2/markets"
NOW = 1_733_500_000.0
CANDLES = "/trade-api/v2/series/PRES/markets/PRES-2024-DJT/candlesticks"


def client_for(router: Router) -> KalshiClient:
    clock = FakeClock()
    return KalshiClient(
        transport=router.transport(),
        rate_per_minute=6000,
        retry=RetryPolicy(max_attempts=3),
        clock=clock,
        sleep=clock.sleep,
        wall_clock=lambda: NOW,
    )


def cursor_pages(request):
    cursor = request.url.params.get("cursor")
    page = "kalshi/markets_page2.json" if cursor else "kalshi/markets_page1.json"
    return httpx.Response(200, json=fixture(page))


def test_markets_follow_the_cursor():
    router = Router().add("GET", HOST, MARKETS, cursor_pages)
    markets = client_for(router).markets(status="settled", series_ticker="KXHIGHNY")
    assert [m.condition_id for m in markets] == [
        "KXHIGHNY-24JAN01-T60",
        "KXHIGHNY-24JAN01-T55",
        "KXHIGHNY-25DEC01-T40",
    ]
    sent = router.params(HOST, MARKETS)
    assert len(sent) == 2
    assert "cursor" not in sent[0]
    assert sent[1]["cursor"] == fixture("kalshi/markets_page1.json")["cursor"]
    assert sent[0]["status"] == "settled"
    assert sent[0]["limit"] == "1000"


def test_market_fields():
    router = Router().add("GET", HOST, MARKETS, cursor_pages)
    t60, t55, open_market = client_for(router).markets()
    assert t60.yes.token_id == "KXHIGHNY-24JAN01-T60:yes"
    assert t60.event_id == "KXHIGHNY-24JAN01"
    assert t60.tick_size == 0.01
    assert t60.min_order_size == 1.0
    assert t60.category == "climate and weather"
    assert t60.resolution.state is ResolutionState.RESOLVED
    assert t60.resolution.winning_outcome == "No"
    assert t60.resolution.time == datetime(2024, 1, 2, 6, tzinfo=UTC)  # settlement_ts
    assert t55.resolution.winning_outcome == "Yes"
    assert t55.resolution.time == datetime(2024, 1, 2, 4, 59, tzinfo=UTC)  # expiration
    assert open_market.resolution.state is ResolutionState.UNRESOLVED
    assert open_market.start_time == datetime(2024, 1, 1, 15, tzinfo=UTC)


def test_markets_limit_and_tickers():
    router = Router().add("GET", HOST, MARKETS, cursor_pages)
    markets = client_for(router).markets(limit=2, tickers=["A", "B"])
    assert len(markets) == 2
    sent = router.params(HOST, MARKETS)
    assert len(sent) == 1
    assert sent[0]["limit"] == "2"
    assert sent[0]["tickers"] == "A,B"


@pytest.mark.parametrize("name", ["kalshi/orderbook.json", "kalshi/orderbook_fp.json"])
def test_orderbook_both_forms(name):
    ticker = "KXHIGHNY-25DEC01-T40"
    path = f"{MARKETS}/{ticker}/orderbook"
    router = Router().add("GET", HOST, path, [httpx.Response(200, json=fixture(name))])
    book = client_for(router).orderbook(ticker, depth=10)
    assert router.params(HOST, path)[0]["depth"] == "10"
    yes, no = book.yes, book.no
    assert (yes.token_id, no.token_id) == token_ids(ticker)
    # YES bids are the yes ladder, best first; YES asks are 1 - NO bids
    assert list(yes.bid_prices) == [0.44, 0.40, 0.01]
    assert list(yes.bid_sizes) == [30, 150, 200]
    assert list(yes.ask_prices) == [0.46, 0.50]
    assert list(yes.ask_sizes) == [20, 75]
    assert list(no.bid_prices) == [0.54, 0.50]
    assert list(no.ask_prices) == [0.56, 0.60, 0.99]
    assert yes.spread == pytest.approx(0.02)
    assert yes.timestamp == datetime.fromtimestamp(NOW, tz=UTC)


def test_empty_side_is_null():
    ticker = "T"
    path = f"{MARKETS}/{ticker}/orderbook"
    payload = {"orderbook": {"yes": [[30, 5]], "no": None}}
    router = Router().add("GET", HOST, path, [httpx.Response(200, json=payload)])
    book = client_for(router).orderbook(ticker)
    assert book.yes.ask_prices.size == 0
    assert book.no.ask_prices.tolist() == [0.70]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"order_book": {}}, "orderbook"),
        ({"orderbook": {"bids": []}}, "orderbook.yes"),
        ({"orderbook": {"yes": [[45]], "no": []}}, "orderbook.yes[0]"),
        ({"orderbook": {"yes": [[145, 1]], "no": []}}, "orderbook.yes"),
        ({"orderbook": {"yes": [[60, 1]], "no": [[50, 1]]}}, "orderbook.bid_prices[0]"),
    ],
)
def test_orderbook_drift(payload, field):
    path = f"{MARKETS}/T/orderbook"
    router = Router().add("GET", HOST, path, [httpx.Response(200, json=payload)])
    with pytest.raises(SchemaError, match="kalshi GET") as info:
        client_for(router).orderbook("T")
    assert info.value.field == field


def test_market_drift_names_the_field():
    page = copy.deepcopy(fixture("kalshi/markets_page2.json"))
    page["markets"][0]["market_ticker"] = page["markets"][0].pop("ticker")
    router = Router().add("GET", HOST, MARKETS, [httpx.Response(200, json=page)])
    with pytest.raises(SchemaError, match=r"field 'markets\[0\]\.ticker'"):
        client_for(router).markets()
    router = Router().add("GET", HOST, MARKETS, [httpx.Response(200, json={"data": []})])
    with pytest.raises(SchemaError, match="'markets'"):
        client_for(router).markets()


def test_candlesticks_parse_cents_and_dollars():
    router = Router().add(
        "GET", HOST, CANDLES, [httpx.Response(200, json=fixture("kalshi/candlesticks.json"))]
    )
    start = datetime(2024, 10, 4, 13, tzinfo=UTC)
    frame = client_for(router).candlesticks(
        "PRES-2024-DJT",
        series_ticker="PRES",
        start=start,
        end=datetime(2024, 10, 4, 17, tzinfo=UTC),
    )
    assert frame["ts"].to_list() == [
        int(start.timestamp() + 3600 * k) * 10**9 for k in (1, 2, 3, 4)
    ]
    assert frame["yes_bid"].to_list() == [0.49, 0.49, 0.50, 0.51]
    assert frame["yes_ask"].to_list() == [0.50, 0.50, 0.51, 0.52]
    price = frame["price"].to_list()
    assert price[:2] == [0.50, 0.49]
    assert math.isnan(price[2])  # no trade in that hour
    assert price[3] == 0.52
    assert frame["volume"].to_list()[0] == 1715
    sent = router.params(HOST, CANDLES)[0]
    assert sent["period_interval"] == "60"
    assert int(sent["start_ts"]) == int(start.timestamp())


def test_candlesticks_split_long_spans():
    def handler(request):
        lo, hi = int(request.url.params["start_ts"]), int(request.url.params["end_ts"])
        ticks = range(lo + 60, hi + 1, 60)
        candles = [
            {"end_period_ts": t, "yes_bid": {"close": 40}, "yes_ask": {"close": 42}} for t in ticks
        ]
        return httpx.Response(200, json={"ticker": "X", "candlesticks": candles})

    router = Router().add("GET", HOST, "/trade-api/v2/series/S/markets/X/candlesticks", handler)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    frame = client_for(router).candlesticks(
        "X", series_ticker="S", start=start, end=start + timedelta(days=8), period=1
    )
    sent = router.params(HOST, "/trade-api/v2/series/S/markets/X/candlesticks")
    assert len(sent) == 3  # 11 520 one-minute candles, at most 5000 a request
    assert all(int(p["end_ts"]) - int(p["start_ts"]) <= 5000 * 60 for p in sent)
    assert frame.height == 8 * 1440
    assert frame["ts"].is_sorted()
    assert frame["ts"].n_unique() == frame.height
    assert math.isnan(frame["price"][0])


def test_candlesticks_drift_and_arguments():
    bad = {"ticker": "X", "candlesticks": [{"end_period_ts": 1, "yes_bid": {"close": 140}}]}
    router = Router().add("GET", HOST, CANDLES, [httpx.Response(200, json=bad)])
    client = client_for(router)
    args = {"series_ticker": "PRES", "start": "2024-10-04T13:00Z", "end": "2024-10-04T17:00Z"}
    with pytest.raises(SchemaError, match=r"candlesticks\[0\]"):
        client.candlesticks("PRES-2024-DJT", **args)
    router = Router().add("GET", HOST, CANDLES, [httpx.Response(200, json={"candles": []})])
    with pytest.raises(SchemaError, match="'candlesticks'"):
        client_for(router).candlesticks("PRES-2024-DJT", **args)
    with pytest.raises(ValidationError, match="period"):
        client.candlesticks("PRES-2024-DJT", period=5, **args)


@settings(deadline=None, max_examples=100)
@given(
    yes=st.dictionaries(st.integers(1, 99), st.integers(1, 10_000), max_size=8),
    no=st.dictionaries(st.integers(1, 99), st.integers(1, 10_000), max_size=8),
)
def test_orderbook_sides_mirror_each_other(yes, no):
    # a book is consistent when the best YES bid is below the best YES ask (100 - best NO bid)
    assume(not (yes and no) or max(yes) + max(no) < 100)
    body = {"orderbook": {"yes": sorted(yes.items()), "no": sorted(no.items())}}
    book = parse_orderbook(Payload(body, "test"), "T", datetime.fromtimestamp(NOW, tz=UTC))
    assert book.yes.bid_prices.tolist() == [p / 100 for p in sorted(yes, reverse=True)]
    assert book.no.bid_prices.tolist() == [p / 100 for p in sorted(no, reverse=True)]
    assert book.yes.ask_prices.tolist() == pytest.approx(
        [1 - p / 100 for p in sorted(no, reverse=True)]
    )
    assert book.no.ask_prices.tolist() == pytest.approx(
        [1 - p / 100 for p in sorted(yes, reverse=True)]
    )
    assert book.yes.ask_sizes.tolist() == [no[p] for p in sorted(no, reverse=True)]
    if yes and no:
        assert book.yes.spread == pytest.approx(book.no.spread)
