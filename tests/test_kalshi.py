"""Kalshi client against recorded payloads: cursor pages, both book forms, schema drift."""

import copy
from datetime import UTC, datetime

import httpx
import pytest

from alpha_arena.data.http import RetryPolicy
from alpha_arena.data.kalshi import KalshiClient, token_ids
from alpha_arena.errors import SchemaError
from alpha_arena.types import ResolutionState
from tests.fixtures.http_fakes import FakeClock, Router, fixture

HOST = "api.elections.kalshi.com"
MARKETS = "/trade-api/v2/markets"
NOW = 1_733_500_000.0


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
