"""Polymarket client against recorded payloads: every endpoint, pages, chunks, schema drift."""

import copy
import json
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import pytest

from alpha_arena.data.http import RetryPolicy
from alpha_arena.data.polymarket import (
    TRADES_OFFSET_CAP,
    PolymarketClient,
    history_windows,
)
from alpha_arena.errors import SchemaError, ValidationError
from alpha_arena.types import ResolutionState
from tests.fixtures.http_fakes import FakeClock, Router, fixture

GAMMA, CLOB, DATA = "gamma-api.polymarket.com", "clob.polymarket.com", "data-api.polymarket.com"


def client_for(router: Router) -> PolymarketClient:
    clock = FakeClock()
    return PolymarketClient(
        transport=router.transport(),
        rate_per_minute=6000,
        retry=RetryPolicy(max_attempts=3),
        clock=clock,
        sleep=clock.sleep,
    )


def paged(items):
    """A Gamma-style offset/limit handler over a list."""

    def handler(request):
        offset = int(request.url.params.get("offset", 0))
        limit = int(request.url.params.get("limit", 100))
        return httpx.Response(200, json=items[offset : offset + limit])

    return handler


def test_markets_parse_every_field():
    router = Router().add(
        "GET",
        GAMMA,
        "/markets",
        [httpx.Response(200, json=fixture("polymarket/gamma_markets.json"))],
    )
    markets = client_for(router).markets()
    assert len(markets) == 3  # the AMM-only market without CLOB tokens is dropped
    trump, harris, fed = markets
    assert trump.condition_id.startswith("0x0f49db97")
    assert trump.yes.token_id.startswith("2174263314")
    assert trump.yes.outcome == "Yes"
    assert trump.no.outcome == "No"
    assert trump.neg_risk
    assert trump.event_id == "903193"
    assert trump.category == "politics"  # from the event's first tag
    assert trump.resolution.state is ResolutionState.RESOLVED
    assert trump.resolution.winning_outcome == "Yes"
    assert trump.resolution.time == datetime(2024, 11, 6, 13, 32, 14, tzinfo=UTC)
    assert harris.resolution.winning_outcome == "No"
    assert fed.tick_size == 0.001
    assert fed.min_order_size == 5.0
    assert fed.category == "economics"
    assert fed.resolution.state is ResolutionState.UNRESOLVED
    assert fed.end_time == datetime(2024, 12, 18, 19, tzinfo=UTC)
    assert not fed.neg_risk


def test_markets_paginate_and_pass_filters():
    items = fixture("polymarket/gamma_markets.json")[:3] * 3  # 9 items
    router = Router().add("GET", GAMMA, "/markets", paged(items))
    markets = client_for(router).markets(
        active=True, closed=False, end_after="2024-11-01T00:00Z", page_size=4
    )
    assert len(markets) == 9
    sent = router.params(GAMMA, "/markets")
    assert [p["offset"] for p in sent] == ["0", "4", "8"]
    assert sent[0]["active"] == "true"
    assert sent[0]["closed"] == "false"
    assert sent[0]["end_date_min"] == "2024-11-01T00:00:00Z"


def test_markets_limit_stops_early():
    items = fixture("polymarket/gamma_markets.json")[:3] * 5
    router = Router().add("GET", GAMMA, "/markets", paged(items))
    assert len(client_for(router).markets(limit=5, page_size=4)) == 5
    assert [p["limit"] for p in router.params(GAMMA, "/markets")] == ["4", "1"]


def test_markets_by_condition_id_repeat_the_param():
    router = Router().add("GET", GAMMA, "/markets", paged([]))
    client_for(router).markets(condition_ids=["0xa", "0xb"])
    assert router.params(GAMMA, "/markets")[0].get_list("condition_ids") == ["0xa", "0xb"]


def test_events_carry_their_markets():
    router = Router().add("GET", GAMMA, "/events", paged(fixture("polymarket/gamma_events.json")))
    (event,) = client_for(router).events(slug="presidential-election-winner-2024")
    assert event.neg_risk
    assert event.tags == ("Politics", "Elections")
    assert [m.event_id for m in event.markets] == ["903193", "903193"]
    assert all(m.neg_risk for m in event.markets)
    assert router.params(GAMMA, "/events")[0]["slug"] == "presidential-election-winner-2024"


def test_prices_history_splits_long_ranges_into_chunks():
    def handler(request):
        lo = int(request.url.params["startTs"])
        hi = int(request.url.params["endTs"])
        points = [{"t": t, "p": 0.5} for t in range(lo, hi + 1, 86_400)]
        return httpx.Response(200, json={"history": points})

    router = Router().add("GET", CLOB, "/prices-history", handler)
    start = datetime(2024, 10, 1, tzinfo=UTC)
    ts, px = client_for(router).prices_history(
        "tok", start=start, end=start + timedelta(days=30), fidelity=60
    )
    sent = router.params(CLOB, "/prices-history")
    assert len(sent) == 3  # 14 + 14 + 2 days
    assert all(p["market"] == "tok" and p["fidelity"] == "60" for p in sent)
    windows = [(int(p["startTs"]), int(p["endTs"])) for p in sent]
    assert windows[0][0] == int(start.timestamp())
    assert windows[-1][1] == int((start + timedelta(days=30)).timestamp())
    assert all(b - a <= 14 * 86_400 for a, b in windows)
    assert all(windows[i][1] == windows[i + 1][0] for i in range(2))
    # chunk edges overlap on one point: merged series is strictly increasing, one a day
    assert np.all(np.diff(ts) == 86_400 * 10**9)
    assert ts.size == 31
    assert np.all(px == 0.5)


def test_prices_history_parses_fixture_and_interval():
    router = Router().add(
        "GET",
        CLOB,
        "/prices-history",
        [httpx.Response(200, json=fixture("polymarket/prices_history.json"))],
    )
    ts, px = client_for(router).prices_history("tok", interval="1d", fidelity=1)
    assert ts[0] == 1730700000 * 10**9
    assert px[-1] == pytest.approx(0.559)
    assert router.params(CLOB, "/prices-history")[0]["interval"] == "1d"
    with pytest.raises(ValidationError, match="interval"):
        client_for(router).prices_history("tok", interval="3d")
    with pytest.raises(ValidationError, match="start"):
        client_for(router).prices_history("tok")


def test_history_windows_cover_the_range_exactly():
    start = datetime(2024, 1, 1, tzinfo=UTC)
    windows = history_windows(start, start + timedelta(days=1), timedelta(hours=5))
    assert windows[0][0] == int(start.timestamp())
    assert windows[-1][1] == int(start.timestamp()) + 86_400
    assert len(windows) == 5
    assert history_windows(start, start, timedelta(days=1)) == [(int(start.timestamp()),) * 2]


def test_book_is_sorted_best_first():
    router = Router().add(
        "GET", CLOB, "/book", [httpx.Response(200, json=fixture("polymarket/book.json"))]
    )
    book = client_for(router).book(
        "69236923620077691027083946871148646972011131466059644796654161903044970987404"
    )
    assert book.best_bid == 0.034
    assert book.best_ask == 0.036
    assert list(book.bid_sizes) == [250.0, 800.0, 1520.5]
    assert book.tick_size == 0.001
    assert book.timestamp == datetime.fromtimestamp(1733500000.123, tz=UTC)
    assert router.params(CLOB, "/book")[0]["token_id"].startswith("6923")


def test_books_post_in_batches():
    payload = fixture("polymarket/books.json")

    def handler(request):
        wanted = [item["token_id"] for item in json.loads(request.read())]
        return httpx.Response(200, json=[b for b in payload if b["asset_id"] in wanted])

    router = Router().add("POST", CLOB, "/books", handler)
    ids = [b["asset_id"] for b in payload]
    books = client_for(router).books(ids + ["unknown"] * 2)
    assert set(books) == set(ids)
    assert books[ids[1]].best_bid == 0.963
    assert router.counts[(CLOB, "/books")] == 1


def test_trades_page_until_short_page():
    rows = fixture("polymarket/trades.json")
    router = Router().add("GET", DATA, "/trades", lambda r: _trade_page(r, rows))
    frame = client_for(router).trades(rows[0]["conditionId"], page_size=2)
    assert frame.height == 5
    assert frame["ts"].is_sorted()
    assert set(frame["side"]) == {"BUY", "SELL"}
    sent = router.params(DATA, "/trades")
    assert [p["offset"] for p in sent] == ["0", "2", "4"]
    assert sent[0]["takerOnly"] == "true"
    assert sent[0]["market"] == rows[0]["conditionId"]


def test_trades_stop_at_since():
    rows = fixture("polymarket/trades.json")  # newest first, 37 s apart
    router = Router().add("GET", DATA, "/trades", lambda r: _trade_page(r, rows))
    since = datetime.fromtimestamp(rows[2]["timestamp"], tz=UTC)
    frame = client_for(router).trades("c", since=since, page_size=2)
    assert frame.height == 2  # only trades strictly after `since`
    assert router.counts[(DATA, "/trades")] == 2


def test_trades_stop_at_the_offset_cap(caplog):
    row = fixture("polymarket/trades.json")[0]

    def endless(request):
        return httpx.Response(200, json=[row] * int(request.url.params["limit"]))

    router = Router().add("GET", DATA, "/trades", endless)
    frame = client_for(router).trades("c", page_size=2500)
    assert frame.height == TRADES_OFFSET_CAP
    assert max(int(p["offset"]) for p in router.params(DATA, "/trades")) < TRADES_OFFSET_CAP
    assert "offset cap" in caplog.text


def _trade_page(request, rows):
    offset = int(request.url.params["offset"])
    return httpx.Response(200, json=rows[offset : offset + int(request.url.params["limit"])])


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda m: m.pop("clobTokenIds"), "clobTokenIds"),
        (lambda m: m.__setitem__("condition_id", m.pop("conditionId")), "conditionId"),
        (lambda m: m.__setitem__("outcomes", '["Yes"]'), "outcomes"),
        (lambda m: m.__setitem__("clobTokenIds", "[1, 2"), "clobTokenIds"),
        (lambda m: m.__setitem__("orderPriceMinTickSize", 0.05), "orderPriceMinTickSize"),
        (lambda m: m.__setitem__("endDate", "next tuesday"), "endDate"),
        (lambda m: m.__setitem__("negRisk", "maybe"), "negRisk"),
    ],
)
def test_gamma_schema_drift_names_the_field(mutate, field):
    _expect_market_drift(mutate, field, index=2)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda m: m.__setitem__("outcomePrices", '["one", "0"]'), "outcomePrices"),
        (lambda m: m.__setitem__("outcomePrices", '["0.7", "0.3"]'), "outcomePrices"),
        (lambda m: (m.pop("closedTime"), m.pop("endDate")), "closedTime"),
    ],
)
def test_resolved_market_drift(mutate, field):
    _expect_market_drift(mutate, field, index=0)


def _expect_market_drift(mutate, field, index):
    items = copy.deepcopy(fixture("polymarket/gamma_markets.json"))
    mutate(items[index])
    router = Router().add("GET", GAMMA, "/markets", [httpx.Response(200, json=items)])
    with pytest.raises(SchemaError, match="gamma GET /markets") as info:
        client_for(router).markets()
    assert field in str(info.value)
    assert f"[{index}]" in info.value.field


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/prices-history", {"hist": []}, "history"),
        ("/prices-history", {"history": [{"t": 1, "p": 1.5}]}, "history[0].p"),
        ("/prices-history", {"history": [{"t": "x", "p": 0.5}]}, "history[0].t"),
        ("/prices-history", [], "<body>"),
    ],
)
def test_prices_history_drift(path, payload, field):
    router = Router().add("GET", CLOB, path, [httpx.Response(200, json=payload)])
    with pytest.raises(SchemaError, match="clob GET /prices-history") as info:
        client_for(router).prices_history("tok", interval="1d")
    assert info.value.field == field


def test_book_drift_and_crossed_book():
    bad = fixture("polymarket/book.json")
    bad["bids"][0] = {"px": "0.031", "size": "1"}
    router = Router().add("GET", CLOB, "/book", [httpx.Response(200, json=bad)])
    with pytest.raises(SchemaError, match=r"bids\[0\]\.price"):
        client_for(router).book("t")
    crossed = fixture("polymarket/book.json")
    crossed["bids"].append({"price": "0.040", "size": "5"})
    router = Router().add("GET", CLOB, "/book", [httpx.Response(200, json=crossed)])
    with pytest.raises(SchemaError, match="bid_prices"):
        client_for(router).book("t")


def test_trades_drift():
    rows = fixture("polymarket/trades.json")
    rows[1]["side"] = "HOLD"
    router = Router().add("GET", DATA, "/trades", [httpx.Response(200, json=rows)])
    with pytest.raises(SchemaError, match=r"data-api GET /trades: field '\[1\]\.side'"):
        client_for(router).trades("c")


def test_malformed_json_mid_pagination_raises():
    items = fixture("polymarket/gamma_markets.json")[:3]
    router = Router().add(
        "GET",
        GAMMA,
        "/markets",
        [httpx.Response(200, json=items[:2]), httpx.Response(200, text="<html>oops")],
    )
    with pytest.raises(SchemaError, match="<body>"):
        client_for(router).markets(page_size=2)


def test_gamma_pages_stop_at_the_offset_cap(monkeypatch, caplog):
    from alpha_arena.data import polymarket

    monkeypatch.setattr(polymarket, "GAMMA_OFFSET_CAP", 8)
    items = fixture("polymarket/gamma_markets.json")[:3] * 10
    router = Router().add("GET", GAMMA, "/markets", paged(items))
    assert len(client_for(router).markets(page_size=4)) == 8
    assert [p["offset"] for p in router.params(GAMMA, "/markets")] == ["0", "4"]
    assert "offset cap" in caplog.text


def test_book_with_orders_left_on_a_finer_tick():
    payload = fixture("polymarket/book.json")
    payload["tick_size"] = "0.01"  # the market went back to a cent tick; old orders remain
    router = Router().add("GET", CLOB, "/book", [httpx.Response(200, json=payload)])
    book = client_for(router).book("t")
    assert book.tick_size == 0.001
    assert book.best_bid == 0.034
    payload["bids"] = [{"price": "0.0305", "size": "1"}]
    router = Router().add("GET", CLOB, "/book", [httpx.Response(200, json=payload)])
    assert client_for(router).book("t").tick_size == 0.0001
