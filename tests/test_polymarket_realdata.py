"""The CLOB book parser on real Polymarket books (MLB WebSocket `book` snapshots).

Each full-depth snapshot of the shared capture is served as a `GET /book` answer (the same
price/size level objects the REST endpoint sends) and must parse into an `OrderBook` whose
levels are exactly the captured ones, best first. Skipped when the data is absent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pandas as pd
import pytest

from alpha_arena.data.http import RetryPolicy
from alpha_arena.data.polymarket import PolymarketClient
from tests.fixtures.http_fakes import FakeClock

EVENTS = (
    Path(__file__).resolve().parents[2]
    / "shared/data/mlb-books-2025/data/20250701_mlb-hou-col-2025-07-01_polymarket-market-events.csv"
)
SIDES = {"BUY": "bids", "bid": "bids", "SELL": "asks", "ask": "asks"}
MAX_SNAPSHOTS = 400

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not EVENTS.exists(), reason="shared MLB book data not present"),
]


@pytest.fixture(scope="module")
def payloads() -> list[dict]:
    """The file's book snapshots as `/book` payloads (prices and sizes as sent: strings)."""
    raw = pd.read_csv(EVENTS, on_bad_lines="skip", dtype=str)
    books = raw[raw["event_type"] == "book"]
    out = []
    for (asset, stamp, digest), rows in books.groupby(["asset_id", "timestamp", "hash"]):
        payload = {
            "market": rows["market_id"].iloc[0],
            "asset_id": asset,
            "timestamp": stamp,
            "hash": digest,
            "bids": [],
            "asks": [],
            "min_order_size": "5",
            "tick_size": "0.01",
            "neg_risk": False,
        }
        for side, price, size in rows[["side", "price", "size"]].itertuples(index=False):
            payload[SIDES[side]].append({"price": price, "size": size})
        out.append(payload)
    return out[:MAX_SNAPSHOTS]


def test_real_books_parse_level_for_level(payloads):
    assert len(payloads) > 50
    served = iter(payloads)
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=next(served)))
    clock = FakeClock()
    client = PolymarketClient(
        transport=transport,
        rate_per_minute=1e6,
        retry=RetryPolicy(max_attempts=1),
        clock=clock,
        sleep=clock.sleep,
    )
    for payload in payloads:
        book = client.book(payload["asset_id"])
        bids = sorted(
            ((float(b["price"]), float(b["size"])) for b in payload["bids"]), reverse=True
        )
        asks = sorted((float(a["price"]), float(a["size"])) for a in payload["asks"])
        assert book.token_id == payload["asset_id"]
        assert book.timestamp == datetime.fromtimestamp(int(payload["timestamp"]) / 1000, tz=UTC)
        assert list(zip(book.bid_prices, book.bid_sizes, strict=True)) == bids
        assert list(zip(book.ask_prices, book.ask_sizes, strict=True)) == asks
        if bids and asks:
            assert book.best_bid < book.best_ask
