"""Kalshi's public market data (Trade API v2) on httpx, for cross-venue work.

- `GET /markets`: cursor pagination (`limit` up to 1000, `cursor` until it comes back
  empty), filters status / event / series / tickers / close-time range.
- `GET /markets/{ticker}/orderbook`: bids only, on both sides. The classic payload is
  `orderbook.yes` / `orderbook.no` as [price in cents, count] ladders; the newer one is
  `orderbook_fp.yes_dollars` / `no_dollars` as ["0.4500", "10.00"] strings. A YES bid at p
  is a NO ask at 1 - p, so each side's asks come from the other side's bids.

A Kalshi market becomes a `Market` whose condition id is the ticker and whose two tokens
are `<ticker>:yes` and `<ticker>:no`, so the Dataset machinery applies unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from alpha_arena.data.http import Clock, HttpClient, RateLimiter, RetryPolicy, Sleep
from alpha_arena.data.payload import Payload, iter_pairs
from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import TimeLike, to_datetime
from alpha_arena.types import Market, OrderBook, Resolution, ResolutionState, Token

KALSHI_URL = "https://api.elections.kalshi.com/trade-api/v2"
MARKETS_PAGE = 1000
"""The largest `limit` `/markets` accepts."""
SETTLED_STATUSES = frozenset({"settled", "finalized", "determined"})
"""Statuses whose `result` is final."""


def token_ids(ticker: str) -> tuple[str, str]:
    """The (YES, NO) token ids this library gives a Kalshi market."""
    return f"{ticker}:yes", f"{ticker}:no"


@dataclass(frozen=True)
class KalshiBook:
    """Both sides of a Kalshi market's book, as YES and NO `OrderBook`s (prices in dollars)."""

    ticker: str
    yes: OrderBook
    no: OrderBook


def parse_market(item: Payload) -> Market:
    """A `Market` from one Kalshi market object."""
    ticker = item.str("ticker")
    yes_id, no_id = token_ids(ticker)
    tick_cents = item.float("tick_size", default=1.0)
    status = item.str("status")
    result = (item.data.get("result") or "").lower()
    resolution = Resolution()
    if status in SETTLED_STATUSES and result in ("yes", "no"):
        when = (
            item.time("settlement_ts", default=None)
            or item.time("expiration_time", default=None)
            or item.time("close_time")
        )
        resolution = Resolution(ResolutionState.RESOLVED, result.capitalize(), when)
    try:
        return Market(
            condition_id=ticker,
            question=item.str("title"),
            tokens=(Token(yes_id, "Yes", ticker), Token(no_id, "No", ticker)),
            slug=ticker,
            category=str(item.data.get("category") or "other").lower(),
            event_id=item.str("event_ticker", default=None),
            tick_size=tick_cents / 100.0,
            min_order_size=1.0,
            start_time=item.time("open_time", default=None),
            end_time=item.time("close_time", default=None),
            resolution=resolution,
            description=str(item.data.get("rules_primary") or ""),
        )
    except ValidationError as exc:
        raise item.fail(exc.field, exc.expected, exc.got) from exc


def parse_orderbook(body: Payload, ticker: str, when: datetime, tick: float = 0.01) -> KalshiBook:
    """A `KalshiBook` from an orderbook answer (cents or dollar-string form)."""
    if body.has("orderbook_fp"):
        book = body.obj("orderbook_fp")
        keys, scale = ("yes_dollars", "no_dollars"), 1.0
    else:
        book = body.obj("orderbook")
        keys, scale = ("yes", "no"), 100.0
        if not any(k in book.data for k in keys):
            raise book.fail("yes", "the yes/no bid ladders (fields missing)")
    ladders = []
    for key in keys:
        levels = [
            (round(p / scale, 6), q)
            for p, q in iter_pairs(book.data.get(key), body.endpoint, book.where(key))
        ]
        for price, _ in levels:
            if not 0.0 <= price <= 1.0:
                raise book.fail(key, "prices between 0 and 1 dollar", price)
        ladders.append(levels)
    yes_bids, no_bids = ladders
    yes_id, no_id = token_ids(ticker)

    def side(token: str, bids: list, other: list) -> OrderBook:
        asks = [(round(1.0 - p, 6), q) for p, q in other]
        return OrderBook.from_levels(token, when, bids, asks, tick)

    try:
        return KalshiBook(ticker, side(yes_id, yes_bids, no_bids), side(no_id, no_bids, yes_bids))
    except ValidationError as exc:
        raise book.fail(exc.field, exc.expected, exc.got) from exc


class KalshiClient:
    """Kalshi public market data: markets (cursor pages) and order books. No credentials."""

    def __init__(
        self,
        *,
        base_url: str = KALSHI_URL,
        rate_per_minute: float = 100.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        wall_clock: Clock = time.time,
    ) -> None:
        self.limiter = RateLimiter(rate_per_minute, clock=clock, sleep=sleep)
        self._wall_clock = wall_clock
        self.http = HttpClient(
            base_url,
            name="kalshi",
            limiter=self.limiter,
            retry=retry,
            transport=transport,
            clock=clock,
            sleep=sleep,
            wall_clock=wall_clock,
        )

    def __enter__(self) -> KalshiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def markets(
        self,
        *,
        status: str | None = None,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
        tickers: Iterable[str] | None = None,
        close_after: TimeLike | None = None,
        close_before: TimeLike | None = None,
        limit: int | None = None,
        page_size: int = MARKETS_PAGE,
    ) -> list[Market]:
        """`GET /markets`, following `cursor` until it is empty (or `limit` markets)."""
        if not 1 <= page_size <= MARKETS_PAGE:
            raise ValidationError("page_size", f"1..{MARKETS_PAGE}", page_size)
        if limit is not None and limit <= 0:
            raise ValidationError("limit", "a number of markets > 0 or None", limit)
        params = {
            "status": status,
            "event_ticker": event_ticker,
            "series_ticker": series_ticker,
            "tickers": ",".join(tickers) if tickers is not None else None,
            "min_close_ts": _epoch(close_after, "close_after"),
            "max_close_ts": _epoch(close_before, "close_before"),
        }
        endpoint = self.http.endpoint("GET", "/markets")
        out: list[Market] = []
        cursor = None
        while True:
            size = page_size if limit is None else min(page_size, limit - len(out))
            body = Payload(
                self.http.get_json("/markets", {**params, "limit": size, "cursor": cursor}),
                endpoint,
            )
            out.extend(parse_market(item) for item in body.objects("markets"))
            cursor = body.data.get("cursor") or None
            if cursor is None or (limit is not None and len(out) >= limit):
                return out

    def orderbook(self, ticker: str, *, depth: int | None = None, tick: float = 0.01) -> KalshiBook:
        """`GET /markets/{ticker}/orderbook`, stamped with the time it was read."""
        path = f"/markets/{ticker}/orderbook"
        body = Payload(self.http.get_json(path, {"depth": depth}), self.http.endpoint("GET", path))
        when = datetime.fromtimestamp(self._wall_clock(), tz=UTC)
        return parse_orderbook(body, ticker, when, tick)


def _epoch(value: TimeLike | None, name: str) -> int | None:
    return None if value is None else int(to_datetime(value, name).timestamp())


__all__ = [
    "KALSHI_URL",
    "KalshiBook",
    "KalshiClient",
    "parse_market",
    "parse_orderbook",
    "token_ids",
]
