"""Kalshi's public market data (Trade API v2) on httpx, for cross-venue work.

- `GET /markets`: cursor pagination (`limit` up to 1000, `cursor` until it comes back
  empty), filters status / event / series / tickers / close-time range.
- `GET /series/{series}/markets/{ticker}/candlesticks`: 1-minute, hourly or daily candles
  of the YES bid, ask and last price, at most 5000 a request (longer spans are split).
- `GET /markets/{ticker}/orderbook`: bids only, on both sides. The classic payload is
  `orderbook.yes` / `orderbook.no` as [price in cents, count] ladders; the newer one is
  `orderbook_fp.yes_dollars` / `no_dollars` as ["0.4500", "10.00"] strings. A YES bid at p
  is a NO ask at 1 - p, so each side's asks come from the other side's bids.

A Kalshi market becomes a `Market` whose condition id is the ticker and whose two tokens
are `<ticker>:yes` and `<ticker>:no`, so the Dataset machinery applies unchanged.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import numpy as np
import polars as pl

from alpha_arena.data.http import Clock, HttpClient, RateLimiter, RetryPolicy, Sleep
from alpha_arena.data.payload import Payload, iter_pairs
from alpha_arena.errors import SchemaError, ValidationError
from alpha_arena.timeutil import NS_PER_SECOND, TimeLike, to_datetime
from alpha_arena.types import Market, OrderBook, Resolution, ResolutionState, Token

KALSHI_URL = "https://api.elections.kalshi.com/trade-api/v2"
PERIODS = (1, 60, 1440)
"""Candle lengths (minutes) `/candlesticks` serves."""
MAX_CANDLES = 5000
"""The most candles one `/candlesticks` request may span."""
CANDLE_COLUMNS: dict[str, pl.DataType] = {
    "ts": pl.Int64,
    "yes_bid": pl.Float64,
    "yes_ask": pl.Float64,
    "price": pl.Float64,
    "volume": pl.Float64,
    "open_interest": pl.Float64,
}
"""Columns of `KalshiClient.candlesticks`: period end (ns), closing YES bid/ask and last
trade price in dollars (NaN when absent), contracts traded and open."""
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


def _close(candle: Payload, key: str) -> float:
    """A candle block's closing price in dollars: `close_dollars`, else `close` in cents."""
    if not candle.has(key):
        return math.nan
    block = candle.obj(key)
    if block.has("close_dollars"):
        return block.float("close_dollars")
    return block.float("close") / 100.0 if block.has("close") else math.nan


def parse_candles(body: Payload) -> pl.DataFrame:
    """A `/candlesticks` answer as a frame of `CANDLE_COLUMNS`."""
    rows: dict[str, list] = {name: [] for name in CANDLE_COLUMNS}
    for candle in body.objects("candlesticks"):
        rows["ts"].append(int(candle.float("end_period_ts")) * NS_PER_SECOND)
        rows["yes_bid"].append(_close(candle, "yes_bid"))
        rows["yes_ask"].append(_close(candle, "yes_ask"))
        rows["price"].append(_close(candle, "price"))
        rows["volume"].append(candle.float("volume", default=0.0))
        rows["open_interest"].append(candle.float("open_interest", default=0.0))
    frame = pl.DataFrame(rows, schema=CANDLE_COLUMNS)
    quotes = frame.select("yes_bid", "yes_ask", "price").to_numpy()
    bad = ~np.isnan(quotes) & ((quotes < 0) | (quotes > 1))
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise SchemaError(
            body.endpoint, f"candlesticks[{row}]", "prices between 0 and 1 dollar", quotes[row]
        )
    return frame


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

    def candlesticks(
        self,
        ticker: str,
        *,
        series_ticker: str,
        start: TimeLike,
        end: TimeLike,
        period: int = 60,
    ) -> pl.DataFrame:
        """Candles of one market from start to end (`CANDLE_COLUMNS`), sorted, unique ts.

        `period` is the candle length in minutes (1, 60 or 1440); spans longer than
        `MAX_CANDLES` candles are asked for in several requests.
        """
        if period not in PERIODS:
            raise ValidationError("period", f"one of {PERIODS} minutes", period)
        lo = int(to_datetime(start, "start").timestamp())
        hi = int(to_datetime(end, "end").timestamp())
        if lo > hi:
            raise ValidationError("end", "at or after start", (start, end))
        path = f"/series/{series_ticker}/markets/{ticker}/candlesticks"
        endpoint = self.http.endpoint("GET", path)
        step = MAX_CANDLES * period * 60
        frames = [
            parse_candles(
                Payload(
                    self.http.get_json(
                        path,
                        {"start_ts": a, "end_ts": min(a + step, hi), "period_interval": period},
                    ),
                    endpoint,
                )
            )
            for a in range(lo, hi, step) or [lo]
        ]
        return pl.concat(frames).unique("ts", keep="last").sort("ts")

    def orderbook(self, ticker: str, *, depth: int | None = None, tick: float = 0.01) -> KalshiBook:
        """`GET /markets/{ticker}/orderbook`, stamped with the time it was read."""
        path = f"/markets/{ticker}/orderbook"
        body = Payload(self.http.get_json(path, {"depth": depth}), self.http.endpoint("GET", path))
        when = datetime.fromtimestamp(self._wall_clock(), tz=UTC)
        return parse_orderbook(body, ticker, when, tick)


def _epoch(value: TimeLike | None, name: str) -> int | None:
    return None if value is None else int(to_datetime(value, name).timestamp())


__all__ = [
    "CANDLE_COLUMNS",
    "KALSHI_URL",
    "KalshiBook",
    "KalshiClient",
    "parse_candles",
    "parse_market",
    "parse_orderbook",
    "token_ids",
]
