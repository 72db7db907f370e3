"""`MarketStream`: the CLOB market WebSocket channel, kept as an L2 book per token.

The venue pushes `book` (a full snapshot) when a token is subscribed and after trades,
`price_change` (a level's new size; size "0" removes the level) on every order placed or
cancelled, and `tick_size_change`, `last_trade_price`, `best_bid_ask`. Every message is
checked field by field (`SchemaError` naming the event and the field's path); a malformed
message is counted and skipped, and the tokens it names lose their book until the next
snapshot, so a missed delta can never leave a wrong book in use.

The stream runs in a background thread with its own asyncio loop; the synchronous runner
calls `sync()` once a cycle (a PING/PONG round trip: everything the venue sent before the
PONG has been applied, and the connection is proven alive) and then reads `books()`.
A dropped connection is reopened with exponential backoff and full jitter (the REST
`RetryPolicy`'s), the subscription is sent again, and every book is unusable until a
fresh snapshot arrives on the new connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alpha_arena.data.http import RetryPolicy
from alpha_arena.data.payload import Payload
from alpha_arena.data.polymarket import fitting_tick
from alpha_arena.errors import SchemaError, ValidationError
from alpha_arena.types import OrderBook

log = logging.getLogger(__name__)

ENDPOINT = "WS market"
SIDES = {"BUY": "bids", "SELL": "asks"}
RECONNECT = RetryPolicy(base_delay=0.5, max_delay=30.0)
"""Backoff between reconnects: U(0, min(30 s, 0.5 s · 2^(attempt-1)))."""


@dataclass
class Trade:
    """One `last_trade_price` event: a trade on the venue."""

    ts_ns: int
    token_id: str
    price: float
    size: float
    side: str


@dataclass
class LevelBook:
    """One token's book as price -> size per side, the time of its last change, its tick."""

    bids: dict[float, float] = field(default_factory=dict)
    asks: dict[float, float] = field(default_factory=dict)
    stamp_ms: float = 0.0
    tick: float = 0.01

    def to_order_book(self, token_id: str) -> OrderBook:
        """The book as an `OrderBook` (levels sorted best first; its tick the market's, or a
        finer one when resting orders sit between its steps, as REST books are read)."""
        return OrderBook.from_levels(
            token_id,
            datetime.fromtimestamp(self.stamp_ms / 1000.0, tz=UTC),
            list(self.bids.items()),
            list(self.asks.items()),
            fitting_tick(self.tick, [*self.bids, *self.asks]),
        )


def _levels(item: Payload, side: str) -> dict[float, float]:
    out: dict[float, float] = {}
    for level in item.objects(side, default=[]):
        price, size = level.float("price"), level.float("size")
        if not 0.0 <= price <= 1.0:
            raise level.fail("price", "a probability in [0, 1]", price)
        if size < 0:
            raise level.fail("size", "shares >= 0", size)
        if size > 0:
            out[price] = size
    return out


def _price(item: Payload, key: str) -> float:
    value = item.float(key)
    if not 0.0 <= value <= 1.0:
        raise item.fail(key, "a probability in [0, 1]", value)
    return value


def _side(item: Payload, key: str = "side") -> str:
    side = item.str(key)
    if side not in SIDES:
        raise item.fail(key, "BUY or SELL", side)
    return side


@dataclass
class Update:
    """A checked message, ready to apply: what it does to which token."""

    kind: str
    token_id: str
    stamp_ms: float
    levels: dict[str, dict[float, float]] = field(default_factory=dict)
    tick: float | None = None
    trade: Trade | None = None


def parse_event(data: Any) -> list[Update]:
    """The updates of one event object; a `SchemaError` naming the event and path if malformed.

    Unknown event types (the venue adds some, e.g. `new_market`) give no update.
    """
    if not isinstance(data, dict):
        raise SchemaError(ENDPOINT, "<message>", "a JSON object", type(data).__name__)
    kind = data.get("event_type")
    if not isinstance(kind, str) or not kind:
        raise SchemaError(ENDPOINT, "event_type", "an event type string", kind)
    item = Payload(data, f"{ENDPOINT} {kind}")
    if kind == "book":
        return [
            Update(
                "book",
                item.str("asset_id"),
                item.float("timestamp"),
                {"bids": _levels(item, "bids"), "asks": _levels(item, "asks")},
            )
        ]
    if kind == "price_change":
        return _price_changes(item)
    if kind == "tick_size_change":
        tick = item.float("new_tick_size")
        if not 0.0 < tick < 1.0:
            raise item.fail("new_tick_size", "a tick in (0, 1)", tick)
        return [Update("tick", item.str("asset_id"), item.float("timestamp"), tick=tick)]
    if kind == "last_trade_price":
        token, stamp = item.str("asset_id"), item.float("timestamp")
        size = item.float("size")
        if size <= 0:
            raise item.fail("size", "shares > 0", size)
        trade = Trade(int(stamp * 1_000_000), token, _price(item, "price"), size, _side(item))
        return [Update("trade", token, stamp, trade=trade)]
    if kind == "best_bid_ask":
        _price(item, "best_bid")
        _price(item, "best_ask")
        item.str("asset_id")
        return []
    return []


def _price_changes(item: Payload) -> list[Update]:
    """Both shapes: `price_changes: [{asset_id, price, size, side, ...}]` (since 2025-09)
    and the older `asset_id` + `changes: [{price, size, side}]`."""
    stamp = item.float("timestamp")
    if item.has("price_changes"):
        entries = [(e.str("asset_id"), e) for e in item.objects("price_changes")]
    else:
        token = item.str("asset_id")
        entries = [(token, e) for e in item.objects("changes")]
    out: dict[str, Update] = {}
    for token, entry in entries:
        price, size = _price(entry, "price"), entry.float("size")
        if size < 0:
            raise entry.fail("size", "shares >= 0", size)
        update = out.setdefault(token, Update("delta", token, stamp, {"bids": {}, "asks": {}}))
        update.levels[SIDES[_side(entry)]][price] = size
    return list(out.values())


def _named_tokens(data: Any) -> set[str]:
    """Token ids a (possibly malformed) message names, to drop their books."""
    if not isinstance(data, dict):
        return set()
    names = {data.get("asset_id")}
    changes = data.get("price_changes")
    if isinstance(changes, list):
        names |= {c.get("asset_id") for c in changes if isinstance(c, dict)}
    return {str(n) for n in names if isinstance(n, (str, int)) and not isinstance(n, bool)}


class MarketStream:
    """L2 books of `token_ids` from the market channel at `url`, maintained in a thread.

    `sleep(seconds)` (async) waits between reconnects and `rng` draws the jitter, both
    injectable for tests; `ping_interval` is the keepalive ("PING" text every 10 s, as the
    venue asks) and `silence_timeout` closes a connection that sent nothing (not even a
    PONG) for that long, which then reconnects. `ticks` are the markets' ticks per token
    (from Gamma; `tick_size_change` events update them).
    """

    def __init__(
        self,
        url: str,
        token_ids: Iterable[str],
        *,
        backoff: RetryPolicy = RECONNECT,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        rng: random.Random | None = None,
        ping_interval: float = 10.0,
        silence_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        max_errors: int = 100,
        ticks: Mapping[str, float] | None = None,
    ) -> None:
        self.url = url
        self.token_ids = list(dict.fromkeys(str(t) for t in token_ids))
        if not self.token_ids:
            raise ValidationError("token_ids", "at least one token to subscribe to", [])
        self.backoff = backoff
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.ping_interval = ping_interval
        self.silence_timeout = silence_timeout
        self.clock = clock
        self._wanted = set(self.token_ids)
        self._lock = threading.Lock()
        self._books: dict[str, LevelBook] = {}
        self._ticks: dict[str, float] = {str(t): float(v) for t, v in (ticks or {}).items()}
        self._trades: list[Trade] = []
        self.errors: deque[SchemaError] = deque(maxlen=max_errors)
        """The latest malformed messages (each counted in `malformed`)."""
        self.malformed = 0
        self.connects = 0
        self.delays: list[float] = []
        """Every reconnect delay waited, in order."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ws: Any = None
        self._pongs: deque[asyncio.Future] = deque()
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_message = clock()
        self._received = False
        self._closing: asyncio.Future | None = None

    # ----- the runner's side (any thread) ---------------------------------------------------------

    def start(self, wait: float = 0.0) -> MarketStream:
        """Connect and subscribe in a background thread; wait up to `wait` s for the first
        connection (not connecting in time is no error: the runner falls back to REST)."""
        self._thread = threading.Thread(target=self._run, name="market-stream", daemon=True)
        self._thread.start()
        self._ready.wait(5.0)
        self._connected.wait(wait)
        return self

    def sync(self, timeout: float) -> bool:
        """PING and wait up to `timeout` s for the PONG: True when the connection is alive, and
        then every message the venue sent before answering has been applied. No PONG in time
        closes the connection (it reconnects); False at once while disconnected."""
        loop = self._loop
        if loop is None or self._ws is None or not self.running:
            return False
        try:
            future = asyncio.run_coroutine_threadsafe(self._ping(wait=True), loop)
            return bool(future.result(timeout))
        except (TimeoutError, asyncio.CancelledError):
            future.cancel()
            # no PONG in time: the connection is broken; reopen it (and wait for snapshots)
            with contextlib.suppress(RuntimeError):  # unless the loop closed meanwhile
                loop.call_soon_threadsafe(self._abort)
            return False
        except RuntimeError:  # the loop closed meanwhile (the stream is shutting down)
            return False

    def books(self) -> dict[str, OrderBook]:
        """Token -> book for every token with a snapshot on the current connection."""
        with self._lock:
            items = list(self._books.items())
        out = {}
        for token, book in items:
            try:
                out[token] = book.to_order_book(token)
            except ValidationError as exc:  # e.g. a level off a tick that changed
                self._reject(SchemaError(ENDPOINT, f"book {token}", exc.expected, exc.got), token)
        return out

    def take_trades(self) -> list[Trade]:
        """Trades received since the last call (oldest first)."""
        with self._lock:
            trades, self._trades = self._trades, []
        return trades

    def close(self, timeout: float = 5.0) -> None:
        """Close the connection and end the thread (idempotent)."""
        loop, thread = self._loop, self._thread
        if loop is not None and self._stop is not None:
            loop.call_soon_threadsafe(self._stop.set)
        if thread is not None:
            thread.join(timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        """True while the background thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    # ----- applying messages (the stream's thread) ------------------------------------------------

    def handle(self, text: str) -> None:
        """Apply one text frame: PONG, one event object, or a JSON array of them."""
        self._last_message = self.clock()
        if text == "PONG":
            if self._pongs:  # one PONG per PING, in order (a timed-out sync's is consumed too)
                pong = self._pongs.popleft()
                if not pong.done():
                    pong.set_result(True)
            return
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            self._reject(SchemaError(ENDPOINT, "<message>", "JSON or PONG", text), None)
            return
        for event in data if isinstance(data, list) else [data]:
            try:
                updates = parse_event(event)
            except SchemaError as exc:
                self._reject(exc, event)
                continue
            with self._lock:
                for update in updates:
                    self._apply(update)

    def _apply(self, update: Update) -> None:
        token = update.token_id
        if token not in self._wanted:
            return
        if update.kind == "tick":
            self._ticks[token] = update.tick or 0.01
            if token in self._books:
                self._books[token].tick = self._ticks[token]
            return
        if update.kind == "trade":
            if update.trade is not None:
                self._trades.append(update.trade)
            return
        if update.kind == "book":
            tick = self._ticks.get(token, 0.01)
            self._books[token] = LevelBook(
                update.levels["bids"], update.levels["asks"], update.stamp_ms, tick
            )
            return
        book = self._books.get(token)
        if book is None:  # a delta without a snapshot on this connection: nothing to apply to
            return
        for side, changes in update.levels.items():
            levels = getattr(book, side)
            for price, size in changes.items():
                if size > 0:
                    levels[price] = size
                else:
                    levels.pop(price, None)
        book.stamp_ms = max(book.stamp_ms, update.stamp_ms)

    def _reject(self, error: SchemaError, event: Any) -> None:
        self.malformed += 1
        self.errors.append(error)
        log.warning("market stream: skipped a malformed message: %s", error)
        names = {event} if isinstance(event, str) and event in self._wanted else set()
        names |= _named_tokens(event)
        with self._lock:
            for token in names:
                self._books.pop(token, None)

    # ----- the connection loop ------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._ready.set()
        attempt = 0
        subscribe = json.dumps(
            {"assets_ids": self.token_ids, "type": "market", "custom_feature_enabled": True}
        )
        while not self._stop.is_set():
            received = False
            try:
                async with connect(self.url, ping_interval=None, max_size=None) as ws:
                    self.connects += 1
                    await ws.send(subscribe)
                    self._ws = ws
                    self._connected.set()
                    self._last_message = self.clock()
                    received = await self._serve(ws)
            except (OSError, TimeoutError, WebSocketException) as exc:
                log.warning("market stream: connection failed or lost: %s", exc)
            finally:
                self._drop_connection()
            if self._stop.is_set():
                break
            attempt = 1 if received else attempt + 1
            delay = self.backoff.backoff(attempt, self._rng)
            self.delays.append(delay)
            await self._wait(delay)

    async def _serve(self, ws: Any) -> bool:
        """Read until the connection ends or the stream stops; True if anything arrived."""
        reader = asyncio.ensure_future(self._read(ws))
        stop = asyncio.ensure_future(self._stop.wait())  # type: ignore[union-attr]
        try:
            while not reader.done() and not stop.done():
                await asyncio.wait(
                    {reader, stop},
                    timeout=self.ping_interval,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if reader.done() or stop.done():
                    break
                if self.clock() - self._last_message > self.silence_timeout:
                    log.warning(
                        "market stream: silent for %.0f s, reconnecting", self.silence_timeout
                    )
                    break
                await self._ping(wait=False)
        finally:
            stop.cancel()
            if not reader.done():
                reader.cancel()
            await ws.close()
        if reader.done() and not reader.cancelled() and reader.exception() is not None:
            log.warning("market stream: connection lost: %s", reader.exception())
        return self._received

    async def _read(self, ws: Any) -> None:
        self._received = False
        async for message in ws:
            self._received = True
            self.handle(message if isinstance(message, str) else message.decode())

    async def _ping(self, wait: bool) -> bool:
        ws = self._ws
        if ws is None:
            return False
        pong = asyncio.get_running_loop().create_future()
        self._pongs.append(pong)
        from websockets.exceptions import ConnectionClosed

        try:
            await ws.send("PING")
        except ConnectionClosed:  # the connection loop reconnects
            return False
        if not wait:
            return True
        return bool(await pong)

    def _abort(self) -> None:
        if self._ws is not None:
            self._closing = asyncio.ensure_future(self._ws.close(1001, "no PONG"))

    def _drop_connection(self) -> None:
        """After a disconnect: no usable book until a fresh snapshot; pending syncs fail."""
        self._ws = None
        while self._pongs:
            pong = self._pongs.popleft()
            if not pong.done():
                pong.set_result(False)
        with self._lock:
            self._books.clear()

    async def _wait(self, delay: float) -> None:
        if self._sleep is not None:
            await self._sleep(delay)
            return
        try:
            await asyncio.wait_for(self._stop.wait(), delay)  # type: ignore[union-attr]
        except TimeoutError:
            return
