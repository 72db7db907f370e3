"""`LiveFeed`: the engine's Feed from Polymarket, polled every `interval` seconds.

Each poll asks the CLOB for the midpoints (the price panel's row) and the books of the
configured markets' tokens and appends them to a rolling `Dataset`, the same shape the
historical feed replays: grid rows at poll times, a book row whenever a book's timestamp
moved. Books come from `POST /books`, or, with `ws_url`, from the market WebSocket
(`MarketStream`): then REST is asked only for the tokens the stream has no current book
of (no snapshot since a reconnect, or the connection did not answer this cycle's PING).
The Dataset keeps the last `history_rows` grid rows and `book_rows` book rows, so a
process running for weeks holds a flat amount of memory.

A token without a fresh book for `stale_after` polls is stale: the runner takes no new
orders on it and `on_stale(token_id, seconds)` is called once per episode. A REST book is
fresh when its timestamp moved; a stream book is fresh while the stream is connected and
answers (a quiet market sends nothing, yet its book is current).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import polars as pl

from alpha_arena.data import BookPanel, Dataset, markets_frame, tokens_frame
from alpha_arena.data.dataset import TRADE_COLUMNS
from alpha_arena.data.polymarket import PolymarketClient
from alpha_arena.engine.feed import Snapshot
from alpha_arena.errors import AlphaArenaError, ValidationError
from alpha_arena.live.market_stream import MarketStream
from alpha_arena.timeutil import NS_PER_SECOND, to_ns
from alpha_arena.types import OrderBook

log = logging.getLogger(__name__)

BATCH = 100
"""Tokens per `POST /midpoints` request (as for `/books`)."""

HISTORY_ROWS = 20_000
"""Grid rows kept by default: 13.9 days at 60 s, ~14x the slowest reference lookback
(momentum's 1440-step EMA), so warm-up effects at the window's start have died out."""

BOOK_ROWS = 256
"""Book rows kept by default: strategies read the latest book, the paper broker the rows
since its last cycle; each row is 4 x tokens x levels floats (64 kB for 100 markets)."""


def server_clock(client: PolymarketClient) -> Callable[[], int]:
    """A clock reading the CLOB's `GET /time` (unix seconds), as ns."""
    return lambda: int(client.clob.get_json("/time")) * NS_PER_SECOND


class RollingRows:
    """An array of rows of one shape, appended at the end, the last `limit` kept.

    `view` is a contiguous slice of a buffer of up to `limit + limit // 4 + 1` rows; when
    the buffer is full the kept rows move to a new buffer (so views handed out earlier never
    change under their holders), which costs O(1) amortised per appended row.
    """

    def __init__(self, shape: tuple[int, ...], limit: int, dtype: type = np.float64) -> None:
        self.limit = limit
        self._buf = np.empty((min(64, limit + limit // 4 + 1), *shape), dtype=dtype)
        self._lo = 0
        self._hi = 0

    def append(self, row: np.ndarray | float) -> None:
        """Add a row at the end (dropping the oldest beyond `limit`)."""
        if self._hi == len(self._buf):
            kept = self._buf[self._lo : self._hi]
            cap = self.limit + self.limit // 4 + 1
            capacity = max(len(self._buf), min(2 * len(self._buf), cap))
            buf = np.empty((capacity, *self._buf.shape[1:]), dtype=self._buf.dtype)
            buf[: len(kept)] = kept
            self._buf, self._lo, self._hi = buf, 0, len(kept)
        self._buf[self._hi] = row
        self._hi += 1
        self._lo = max(self._lo, self._hi - self.limit)

    @property
    def view(self) -> np.ndarray:
        """The kept rows, oldest first."""
        return self._buf[self._lo : self._hi]

    def __len__(self) -> int:
        return self._hi - self._lo

    @property
    def nbytes(self) -> int:
        """Bytes held by the buffer."""
        return int(self._buf.nbytes)


class LiveFeed:
    """Snapshots of `markets` (condition ids) polled from `client` every `interval` seconds.

    With `ws_url` the books come from the market WebSocket (`sync_timeout`: how long a
    cycle waits for the stream's PONG; `stream_options`: passed to `MarketStream`), with
    REST `/books` for the tokens it has no current book of. `trades=True` keeps the
    stream's `last_trade_price` events as the Dataset's trades (off by default: with
    trades the paper broker fills resting orders from trades, not from books).
    """

    def __init__(
        self,
        client: PolymarketClient,
        markets: Iterable[str],
        *,
        interval: float = 60.0,
        stale_after: int = 3,
        levels: int = 10,
        clock: Callable[[], int] = time.time_ns,
        on_stale: Callable[[str, float], None] | None = None,
        history_rows: int = HISTORY_ROWS,
        book_rows: int = BOOK_ROWS,
        ws_url: str | None = None,
        sync_timeout: float = 5.0,
        trades: bool = False,
        stream_options: dict | None = None,
    ) -> None:
        wanted = list(dict.fromkeys(markets))
        if not wanted:
            raise ValidationError("markets", "at least one condition id", wanted)
        if not interval >= 0:
            raise ValidationError("interval", "seconds >= 0", interval)
        if not (isinstance(stale_after, int) and stale_after >= 1):
            raise ValidationError("stale_after", "a number of intervals >= 1", stale_after)
        for name, rows in (("history_rows", history_rows), ("book_rows", book_rows)):
            if not (isinstance(rows, int) and rows >= 1):
                raise ValidationError(name, "a number of rows >= 1", rows)
        if not sync_timeout > 0:
            raise ValidationError("sync_timeout", "seconds > 0", sync_timeout)
        self.client = client
        self.interval = float(interval)
        self.stale_after = stale_after
        self.levels = levels
        self.clock = clock
        self.on_stale = on_stale
        self.sync_timeout = float(sync_timeout)
        found = {m.condition_id: m for m in client.markets(condition_ids=wanted)}
        missing = [m for m in wanted if m not in found]
        if missing:
            raise ValidationError("markets", "condition ids Gamma knows", missing[:5])
        listed = [found[m] for m in wanted]
        self._markets = markets_frame(listed)
        self._tokens = tokens_frame(listed)
        self.token_ids: list[str] = list(self._tokens.index)
        self._column = {t: i for i, t in enumerate(self.token_ids)}
        n = len(self.token_ids)
        self._end = self._end_ns()
        self._times = RollingRows((), history_rows, np.int64)
        self._prices = RollingRows((n,), history_rows)
        self._book_times = RollingRows((), book_rows, np.int64)
        self._book_arrays = [RollingRows((n, levels), book_rows) for _ in range(4)]
        self._row = np.empty((4, n, levels))
        self._row[0::2] = np.nan
        self._row[1::2] = 0.0
        self._last_prices = np.full(n, np.nan)
        self._book_seen = np.full(n, -1, dtype=np.int64)
        self._fresh_poll = np.full(n, -1, dtype=np.int64)
        self._fresh_ns = np.full(n, -1, dtype=np.int64)
        self._stale = np.zeros(n, dtype=bool)
        self._polls = 0
        self._first_ns = -1
        self._trades: pl.DataFrame | None = pl.DataFrame(schema=TRADE_COLUMNS) if trades else None
        self._dataset: Dataset | None = None
        self._stop = threading.Event()
        self.errors = 0
        self.rest_books = 0
        """Tokens whose book was asked of REST `/books`, summed over polls."""
        self.stream: MarketStream | None = None
        if ws_url:
            order = self._markets.index.get_indexer(self._tokens["market_id"])
            ticks = dict(
                zip(self.token_ids, self._markets["tick_size"].to_numpy()[order], strict=True)
            )
            options = {"ticks": ticks, **(stream_options or {})}
            self.stream = MarketStream(ws_url, self.token_ids, **options)
            self.stream.start(wait=self.sync_timeout)

    # ----- the Feed protocol ------------------------------------------------------------------

    @property
    def dataset(self) -> Dataset:
        """The rolling window of what was polled (the last `history_rows` polls)."""
        if self._dataset is None:
            raise ValidationError("dataset", "at least one poll (call poll() first)")
        return self._dataset

    def __iter__(self) -> Iterator[Snapshot]:
        """Poll every `interval` seconds until `stop()`; API failures skip a cycle."""
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                snapshot = self.poll()
            except AlphaArenaError as exc:
                self.errors += 1
                log.warning("live feed: poll failed, skipping this cycle: %s", exc)
                snapshot = None
            if snapshot is not None:
                yield snapshot
            next_at += self.interval
            if self._stop.wait(max(0.0, next_at - time.monotonic())):
                return

    def stop(self) -> None:
        """End the iteration after the current cycle (safe from a signal handler)."""
        self._stop.set()

    def close(self) -> None:
        """Stop, and close the WebSocket (its thread ends)."""
        self.stop()
        if self.stream is not None:
            self.stream.close()

    # ----- polling ------------------------------------------------------------------------------

    def poll(self) -> Snapshot | None:
        """Fetch one snapshot; None when the clock has not moved since the last one."""
        now = int(self.clock())
        times = self._times.view
        if len(times) and now <= times[-1]:
            return None
        mids = self._midpoints()
        books, live = self._books()
        self._append_prices(now, mids)
        self._append_books(books, live)
        self._check_stale(now)
        self._dataset = Dataset(
            markets=self._markets,
            tokens=self._tokens,
            times=self._times.view,
            prices=self._prices.view,
            books=self._panel(),
            trades=self._take_trades(),
            source="live",
        )
        return Snapshot(len(self._times) - 1, now)

    def _books(self) -> tuple[dict[str, OrderBook], set[str]]:
        """Books of every token, and the tokens whose book came from a live stream."""
        books: dict[str, OrderBook] = {}
        if self.stream is not None and self.stream.sync(self.sync_timeout):
            books = self.stream.books()
        live = set(books)
        missing = [t for t in self.token_ids if t not in live]
        if missing:
            self.rest_books += len(missing)
            books.update(self.client.books(missing))
        return books, live

    def _midpoints(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for i in range(0, len(self.token_ids), BATCH):
            batch = [{"token_id": t} for t in self.token_ids[i : i + BATCH]]
            answer = self.client.clob.post_json("/midpoints", batch)
            if not isinstance(answer, dict):
                raise ValidationError("POST /midpoints", "an object token_id -> price", answer)
            out.update({str(k): float(v) for k, v in answer.items()})
        return out

    def _append_prices(self, now: int, mids: dict[str, float]) -> None:
        row = np.array([mids.get(t, np.nan) for t in self.token_ids])
        row = np.where(np.isnan(row), self._last_prices, row)
        self._last_prices = row.copy()
        row[self._end <= now] = np.nan
        self._times.append(now)
        self._prices.append(row)
        self._polls += 1
        if self._first_ns < 0:
            self._first_ns = now

    def _end_ns(self) -> np.ndarray:
        ends = self._markets["end_time"]
        ns = ends.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        ns[ends.isna().to_numpy()] = np.iinfo(np.int64).max
        order = self._markets.index.get_indexer(self._tokens["market_id"])
        return ns[order]

    def _append_books(self, books: dict[str, OrderBook], live: set[str]) -> None:
        row, depth = self._row, self.levels
        poll = self._polls - 1
        fresh_times = []
        for token in live:
            col = self._column[token]
            self._fresh_poll[col] = poll
            self._fresh_ns[col] = self._times.view[-1]
        for col, token in enumerate(self.token_ids):
            book = books.get(token)
            if book is None:
                continue
            stamp = to_ns(book.timestamp)
            if stamp <= self._book_seen[col]:
                continue
            self._book_seen[col] = stamp
            self._fresh_poll[col] = poll
            self._fresh_ns[col] = self._times.view[-1]
            fresh_times.append(stamp)
            for i, (px, sz) in enumerate(
                ((book.bid_prices, book.bid_sizes), (book.ask_prices, book.ask_sizes))
            ):
                k = min(depth, px.size)
                row[2 * i, col] = np.nan
                row[2 * i + 1, col] = 0.0
                row[2 * i, col, :k] = px[:k]
                row[2 * i + 1, col, :k] = sz[:k]
        if not fresh_times:
            return
        stamp = max(fresh_times)
        last = self._book_times.view
        if len(last) and stamp <= last[-1]:
            stamp = int(last[-1]) + 1
        self._book_times.append(stamp)
        for array, part in zip(self._book_arrays, row, strict=True):
            array.append(part)

    def _panel(self) -> BookPanel | None:
        if not len(self._book_times):
            return None
        return BookPanel(self._book_times.view, *(a.view for a in self._book_arrays))

    def _take_trades(self) -> pl.DataFrame | None:
        """The stream's new trades appended to the window's (older than the window dropped)."""
        if self._trades is None:
            return None
        new = self.stream.take_trades() if self.stream is not None else []
        if new:
            frame = pl.DataFrame(
                {
                    "ts": [t.ts_ns for t in new],
                    "token_id": [t.token_id for t in new],
                    "price": [t.price for t in new],
                    "size": [t.size for t in new],
                    "side": [t.side for t in new],
                },
                schema=TRADE_COLUMNS,
            )
            self._trades = pl.concat([self._trades, frame]).sort("ts", maintain_order=True)
        start = int(self._times.view[0])
        self._trades = self._trades.filter(pl.col("ts") >= start)
        return self._trades

    @property
    def nbytes(self) -> int:
        """Bytes held by the rolling window's buffers (flat once the window is full)."""
        arrays = [self._times, self._prices, self._book_times, *self._book_arrays]
        trades = 0 if self._trades is None else int(self._trades.estimated_size())
        return sum(a.nbytes for a in arrays) + trades

    # ----- staleness ------------------------------------------------------------------------------

    def _check_stale(self, now: int) -> None:
        polls = self._polls
        never = self._fresh_poll < 0
        stale = np.where(
            never, polls > self.stale_after, polls - 1 - self._fresh_poll >= self.stale_after
        )
        for col in np.flatnonzero(stale & ~self._stale):
            since = self._first_ns if never[col] else int(self._fresh_ns[col])
            age = (now - since) / NS_PER_SECOND
            log.warning("live feed: no fresh book for %s in %.0f s", self.token_ids[col], age)
            if self.on_stale is not None:
                self.on_stale(self.token_ids[col], float(age))
        self._stale = stale

    def stale_tokens(self) -> set[str]:
        """Tokens without a fresh book for `stale_after` intervals (no new orders on them)."""
        return {self.token_ids[c] for c in np.flatnonzero(self._stale)}
