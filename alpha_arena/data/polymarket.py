"""Polymarket's public data APIs on httpx: Gamma markets/events, CLOB prices and books, trades.

- Gamma (`gamma-api.polymarket.com`): `/markets` and `/events`, offset/limit pages. List
  fields (`outcomes`, `outcomePrices`, `clobTokenIds`) arrive as JSON-encoded strings.
- CLOB (`clob.polymarket.com`): `GET /prices-history` per token (long ranges are split
  into chunks the API accepts), `GET /book` and `POST /books`.
- Data API (`data-api.polymarket.com`): `/trades`, offset pages up to its offset cap.

Every payload is read through `Payload`, so schema drift raises `SchemaError` naming the
endpoint and the field. No credentials are needed; nothing here places orders.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import polars as pl

from alpha_arena.data.dataset import TRADE_COLUMNS
from alpha_arena.data.http import Clock, HttpClient, RateLimiter, RetryPolicy, Sleep
from alpha_arena.data.payload import Payload, objects, to_float
from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import NS_PER_SECOND, TimeLike, to_datetime
from alpha_arena.types import (
    TICK_SIZES,
    Market,
    OrderBook,
    Resolution,
    ResolutionState,
    Token,
    on_tick,
)

log = logging.getLogger(__name__)

GAMMA_URL = "https://gamma-api.polymarket.com"
CLOB_URL = "https://clob.polymarket.com"
DATA_URL = "https://data-api.polymarket.com"

GAMMA_PAGE = 100
"""Gamma page size (the largest `limit` it serves)."""
GAMMA_OFFSET_CAP = 10_000
"""Gamma refuses `offset` above this; narrow the filters to reach further."""
HISTORY_CHUNK = timedelta(days=14)
"""Longest startTs..endTs span asked of `/prices-history` in one request (the API refuses
long explicit windows at fine fidelity)."""
BOOKS_BATCH = 100
"""Tokens per `POST /books` request."""
TRADES_PAGE = 500
"""Trades per Data API page."""
TRADES_OFFSET_CAP = 10_000
"""The Data API refuses `offset` above this; deeper history is out of its reach."""
INTERVALS = ("1m", "1h", "6h", "1d", "1w", "max")
"""`interval` values `/prices-history` accepts instead of an explicit window."""


@dataclass(frozen=True)
class Event:
    """A Gamma event: a group of markets (a neg-risk event when `neg_risk`)."""

    event_id: str
    slug: str
    title: str
    neg_risk: bool
    markets: tuple[Market, ...]
    tags: tuple[str, ...] = field(default_factory=tuple)


def parse_market(item: Payload, event: Payload | None = None) -> Market | None:
    """A `Market` from one Gamma market object; None when it has no CLOB tokens.

    `event` is the enclosing event object when the market came from `/events` (Gamma
    omits the `events` back-reference there).
    """
    if "clobTokenIds" not in item.data:
        raise item.fail("clobTokenIds", "the market's CLOB token ids (field missing)")
    if item.data["clobTokenIds"] is None:
        return None  # an old AMM-only market: nothing to trade or fetch on the CLOB
    condition_id = item.str("conditionId")
    token_ids = item.json_list("clobTokenIds", length=2)
    outcomes = item.json_list("outcomes", length=2)
    tokens = tuple(
        Token(str(tid), str(label), condition_id)
        for tid, label in zip(token_ids, outcomes, strict=True)
    )
    if event is None:
        events = item.objects("events", default=[])
        event = events[0] if events else None
    tags = _tag_labels(event) if event is not None else []
    category = item.str("category", default="") or (tags[0] if tags else "other")
    start = item.time("startDate", default=None)
    end = item.time("endDate", default=None)
    if start is not None and end is not None and start >= end:
        start = None  # Gamma sometimes lists a start after the end; the end is what matters
    try:
        return Market(
            condition_id=condition_id,
            question=item.str("question"),
            tokens=tokens,
            slug=item.str("slug", default=""),
            category=category.lower(),
            event_id=None if event is None else event.str("id"),
            neg_risk=item.bool("negRisk", default=False),
            tick_size=item.float("orderPriceMinTickSize", default=0.01),
            min_order_size=item.float("orderMinSize", default=5.0),
            start_time=start,
            end_time=end,
            resolution=_resolution(item, outcomes),
            description=item.data.get("description") or "",
        )
    except ValidationError as exc:
        name = _GAMMA_NAMES.get(exc.field, exc.field)
        raise item.fail(name, exc.expected, exc.got) from exc


_GAMMA_NAMES = {
    "tick_size": "orderPriceMinTickSize",
    "min_order_size": "orderMinSize",
    "start_time": "startDate",
    "end_time": "endDate",
    "tokens": "clobTokenIds",
}
"""Gamma's name for each `Market` field, so validation errors point at the payload."""


def _tag_labels(event: Payload) -> list[str]:
    return [t.str("label") for t in event.objects("tags", default=[]) if t.has("label")]


def _resolution(item: Payload, outcomes: list[str]) -> Resolution:
    """Resolved when UMA settled it: the winner is the outcome priced 1 (0.5/0.5 is void)."""
    status = item.data.get("umaResolutionStatus")
    if not item.bool("closed", default=False) or status != "resolved":
        return Resolution()
    raw = item.json_list("outcomePrices", length=2)
    try:
        prices = [to_float(p) for p in raw]
    except ValueError as exc:
        raise item.fail("outcomePrices", "two numeric prices", raw) from exc
    when = item.time("closedTime", default=None) or item.time("endDate", default=None)
    if when is None:
        raise item.fail("closedTime", "the time a resolved market closed")
    if all(math.isclose(p, 0.5) for p in prices):
        return Resolution(ResolutionState.VOID, None, when)
    winners = [
        label
        for label, p in zip(outcomes, prices, strict=True)
        if math.isclose(p, 1.0, abs_tol=1e-3)
    ]
    if len(winners) != 1:
        raise item.fail("outcomePrices", "one outcome at 1 (or 0.5/0.5 if void)", prices)
    return Resolution(ResolutionState.RESOLVED, str(winners[0]), when)


def parse_book(item: Payload, tick_size: float | None = None) -> OrderBook:
    """An `OrderBook` from a CLOB book summary (levels come as price/size strings)."""
    token_id = item.str("asset_id")
    stamp_ms = item.float("timestamp")
    tick = item.float("tick_size", default=tick_size or 0.01)
    sides: dict[str, list[tuple[float, float]]] = {}
    for side in ("bids", "asks"):
        levels = item.objects(side, default=[])
        sides[side] = [(lv.float("price"), lv.float("size")) for lv in levels]
    tick = fitting_tick(tick, [p for levels in sides.values() for p, _ in levels])
    try:
        return OrderBook.from_levels(
            token_id,
            datetime.fromtimestamp(stamp_ms / 1000.0, tz=UTC),
            sides["bids"],
            sides["asks"],
            tick,
        )
    except ValidationError as exc:
        raise item.fail(exc.field, exc.expected, exc.got) from exc


def fitting_tick(stated: float, prices: list[float]) -> float:
    """The stated tick, or a finer one when resting orders sit between its steps.

    A market's tick gets finer near 0 and 1 and coarser again later; orders placed on the
    finer tick stay in the book, so the book's own tick is the coarsest that fits them all.
    """
    for tick in sorted((t for t in TICK_SIZES if t <= stated + 1e-12), reverse=True):
        if all(on_tick(p, tick) for p in prices):
            return tick
    return stated


def trades_frame(items: list[Payload]) -> pl.DataFrame:
    """Data API trade objects as the store's trades frame (ts ns, token, price, size, side)."""
    rows: dict[str, list] = {name: [] for name in TRADE_COLUMNS}
    for item in items:
        side = item.str("side")
        if side not in ("BUY", "SELL"):
            raise item.fail("side", "BUY or SELL", side)
        price = item.float("price")
        if not 0.0 <= price <= 1.0:
            raise item.fail("price", "a price in [0, 1]", price)
        size = item.float("size")
        if size < 0:
            raise item.fail("size", "a size >= 0", size)
        rows["ts"].append(int(item.float("timestamp")) * NS_PER_SECOND)
        rows["token_id"].append(item.str("asset"))
        rows["price"].append(price)
        rows["size"].append(size)
        rows["side"].append(side)
    return pl.DataFrame(rows, schema=TRADE_COLUMNS)


class PolymarketClient:
    """Public Polymarket data: markets and events (Gamma), prices and books (CLOB), trades.

    The three hosts share one rate limiter. Pass `transport` (e.g. `httpx.MockTransport`)
    and the base URLs to point the client elsewhere; `clock`/`sleep` make retries instant
    in tests.
    """

    def __init__(
        self,
        *,
        gamma_url: str = GAMMA_URL,
        clob_url: str = CLOB_URL,
        data_url: str = DATA_URL,
        rate_per_minute: float = 100.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.limiter = RateLimiter(rate_per_minute, clock=clock, sleep=sleep)
        common = {
            "limiter": self.limiter,
            "retry": retry,
            "transport": transport,
            "clock": clock,
            "sleep": sleep,
        }
        self.gamma = HttpClient(gamma_url, name="gamma", **common)
        self.clob = HttpClient(clob_url, name="clob", **common)
        self.data = HttpClient(data_url, name="data-api", **common)

    def __enter__(self) -> PolymarketClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection pool."""
        for client in (self.gamma, self.clob, self.data):
            client.close()

    @property
    def requests(self) -> int:
        """HTTP requests sent so far, over all three hosts."""
        return self.gamma.requests + self.clob.requests + self.data.requests

    # ----- Gamma ---------------------------------------------------------------------------

    def _pages(
        self, path: str, params: dict, limit: int | None, page_size: int
    ) -> Iterator[Payload]:
        if limit is not None and limit <= 0:
            raise ValidationError("limit", "a number of items > 0 or None", limit)
        offset = 0
        endpoint = self.gamma.endpoint("GET", path)
        while True:
            size = page_size if limit is None else min(page_size, limit - offset)
            page = self.gamma.get_json(path, {**params, "limit": size, "offset": offset})
            items = objects(page, endpoint)
            yield from items
            offset += len(items)
            if len(items) < size or (limit is not None and offset >= limit):
                return
            if offset >= GAMMA_OFFSET_CAP:
                log.warning("%s: stopped at the offset cap %d", endpoint, GAMMA_OFFSET_CAP)
                return

    def market_payloads(
        self, params: dict, *, limit: int | None = None, page_size: int = GAMMA_PAGE
    ) -> Iterator[Payload]:
        """Gamma `/markets` objects as read, every page, for readers of fields `Market` does
        not keep (volume, liquidity, tags); `params` are Gamma's own query names."""
        return self._pages("/markets", params, limit, page_size)

    def markets(
        self,
        *,
        active: bool | None = None,
        closed: bool | None = None,
        condition_ids: Iterable[str] | None = None,
        slugs: Iterable[str] | None = None,
        end_after: TimeLike | None = None,
        end_before: TimeLike | None = None,
        start_after: TimeLike | None = None,
        start_before: TimeLike | None = None,
        tag_id: int | None = None,
        limit: int | None = None,
        page_size: int = GAMMA_PAGE,
    ) -> list[Market]:
        """Gamma `/markets`, every page, filtered as asked; markets without CLOB tokens dropped."""
        params = {
            "active": active,
            "closed": closed,
            "condition_ids": list(condition_ids) if condition_ids is not None else None,
            "slug": list(slugs) if slugs is not None else None,
            "end_date_min": _iso(end_after, "end_after"),
            "end_date_max": _iso(end_before, "end_before"),
            "start_date_min": _iso(start_after, "start_after"),
            "start_date_max": _iso(start_before, "start_before"),
            "tag_id": tag_id,
        }
        parsed = (parse_market(item) for item in self._pages("/markets", params, limit, page_size))
        return [m for m in parsed if m is not None]

    def events(
        self,
        *,
        active: bool | None = None,
        closed: bool | None = None,
        slug: str | None = None,
        event_id: str | None = None,
        end_after: TimeLike | None = None,
        end_before: TimeLike | None = None,
        tag_id: int | None = None,
        limit: int | None = None,
        page_size: int = GAMMA_PAGE,
    ) -> list[Event]:
        """Gamma `/events` with their markets (neg-risk events carry one market per outcome)."""
        params = {
            "active": active,
            "closed": closed,
            "slug": slug,
            "id": event_id,
            "end_date_min": _iso(end_after, "end_after"),
            "end_date_max": _iso(end_before, "end_before"),
            "tag_id": tag_id,
        }
        out = []
        for item in self._pages("/events", params, limit, page_size):
            markets = (parse_market(m, event=item) for m in item.objects("markets", default=[]))
            out.append(
                Event(
                    event_id=item.str("id"),
                    slug=item.str("slug", default=""),
                    title=item.str("title", default=""),
                    neg_risk=item.bool("negRisk", default=False),
                    markets=tuple(m for m in markets if m is not None),
                    tags=tuple(_tag_labels(item)),
                )
            )
        return out

    # ----- CLOB ----------------------------------------------------------------------------

    def prices_history(
        self,
        token_id: str,
        *,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        interval: str | None = None,
        fidelity: int = 1,
        chunk: timedelta = HISTORY_CHUNK,
    ) -> tuple[np.ndarray, np.ndarray]:
        """`/prices-history` of one token: (ts ns int64, price float64), sorted, unique ts.

        Give either `start` and `end` (split into `chunk`-long requests) or `interval`
        (one of `INTERVALS`). `fidelity` is the sampling step in minutes.
        """
        if not isinstance(fidelity, int) or fidelity < 1:
            raise ValidationError("fidelity", "minutes >= 1", fidelity)
        if interval is not None:
            if start is not None or end is not None:
                raise ValidationError("interval", "either interval or start/end, not both")
            if interval not in INTERVALS:
                raise ValidationError("interval", f"one of {INTERVALS}", interval)
            windows = [{"interval": interval}]
        else:
            if start is None or end is None:
                raise ValidationError("start", "start and end (or an interval)")
            windows = [
                {"startTs": a, "endTs": b}
                for a, b in history_windows(
                    to_datetime(start, "start"), to_datetime(end, "end"), chunk
                )
            ]
        endpoint = self.clob.endpoint("GET", "/prices-history")
        ts: list[int] = []
        px: list[float] = []
        for window in windows:
            body = Payload(
                self.clob.get_json(
                    "/prices-history", {"market": token_id, "fidelity": fidelity, **window}
                ),
                endpoint,
            )
            for point in body.objects("history"):
                price = point.float("p")
                if not 0.0 <= price <= 1.0:
                    raise point.fail("p", "a price in [0, 1]", price)
                ts.append(int(point.float("t")))
                px.append(price)
        seconds = np.asarray(ts, dtype=np.int64)
        order = np.argsort(seconds, kind="stable")
        seconds, prices = seconds[order], np.asarray(px, dtype=np.float64)[order]
        keep = np.ones(seconds.size, dtype=bool)
        keep[:-1] = seconds[1:] != seconds[:-1]  # chunk edges overlap: keep the later point
        return seconds[keep] * NS_PER_SECOND, prices[keep]

    def book(self, token_id: str) -> OrderBook:
        """`GET /book` for one token."""
        endpoint = self.clob.endpoint("GET", "/book")
        return parse_book(Payload(self.clob.get_json("/book", {"token_id": token_id}), endpoint))

    def books(self, token_ids: Iterable[str]) -> dict[str, OrderBook]:
        """`POST /books` in batches: token id -> book (tokens without a book are absent)."""
        ids = list(dict.fromkeys(token_ids))
        endpoint = self.clob.endpoint("POST", "/books")
        out: dict[str, OrderBook] = {}
        for i in range(0, len(ids), BOOKS_BATCH):
            batch = ids[i : i + BOOKS_BATCH]
            answer = self.clob.post_json("/books", [{"token_id": t} for t in batch])
            for item in objects(answer, endpoint):
                book = parse_book(item)
                out[book.token_id] = book
        return out

    # ----- Data API ------------------------------------------------------------------------

    def trades(
        self,
        condition_id: str,
        *,
        since: TimeLike | None = None,
        taker_only: bool = True,
        page_size: int = TRADES_PAGE,
    ) -> pl.DataFrame:
        """Data API `/trades` of one market, newest first, paged until `since` or the cap.

        The API serves at most `TRADES_OFFSET_CAP` rows deep; when a market has more
        trades after `since`, the oldest are out of reach and a warning is logged.
        """
        if not 1 <= page_size <= TRADES_OFFSET_CAP:
            raise ValidationError("page_size", f"1..{TRADES_OFFSET_CAP}", page_size)
        floor = None if since is None else to_datetime(since, "since").timestamp()
        endpoint = self.data.endpoint("GET", "/trades")
        kept: list[Payload] = []
        offset = 0
        while True:
            params = {
                "market": condition_id,
                "limit": page_size,
                "offset": offset,
                "takerOnly": taker_only,
            }
            page = objects(self.data.get_json("/trades", params), endpoint)
            fresh = [p for p in page if floor is None or p.float("timestamp") > floor]
            kept.extend(fresh)
            offset += len(page)
            if len(page) < page_size or len(fresh) < len(page):
                break
            if offset + page_size > TRADES_OFFSET_CAP:
                log.warning(
                    "%s: %s has more than %d trades; older ones are beyond the offset cap",
                    endpoint,
                    condition_id,
                    TRADES_OFFSET_CAP,
                )
                break
        return trades_frame(kept).sort("ts")


def history_windows(start: datetime, end: datetime, chunk: timedelta) -> list[tuple[int, int]]:
    """[startTs, endTs] second windows covering start..end, each at most `chunk` long."""
    if chunk.total_seconds() < 60:
        raise ValidationError("chunk", "a window of at least a minute", chunk)
    lo, hi = int(start.timestamp()), int(end.timestamp())
    if lo > hi:
        raise ValidationError("end", f"at or after start {start.isoformat()}", end.isoformat())
    step = int(chunk.total_seconds())
    return [(a, min(a + step, hi)) for a in range(lo, hi, step)] or [(lo, hi)]


def _iso(value: TimeLike | None, name: str) -> str | None:
    if value is None:
        return None
    return to_datetime(value, name).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = [
    "CLOB_URL",
    "DATA_URL",
    "GAMMA_URL",
    "Event",
    "PolymarketClient",
    "history_windows",
    "parse_book",
    "parse_market",
    "trades_frame",
]
