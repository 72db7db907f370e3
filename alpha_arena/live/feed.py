"""`LiveFeed`: the engine's Feed from Polymarket's REST APIs, polled every `interval` seconds.

Each poll asks the CLOB for the midpoints (the price panel's row) and the books of the
configured markets' tokens and appends them to a growing `Dataset`, the same shape the
historical feed replays: grid rows at poll times, a book row whenever a book's timestamp
moved. A token whose book has not moved for `stale_after` polls is stale: the runner
takes no new orders on it and `on_stale(token_id, seconds)` is called once per episode.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from alpha_arena.data import BookPanel, Dataset, markets_frame, tokens_frame
from alpha_arena.data.polymarket import PolymarketClient
from alpha_arena.engine.feed import Snapshot
from alpha_arena.errors import AlphaArenaError, ValidationError
from alpha_arena.timeutil import NS_PER_SECOND, to_ns

log = logging.getLogger(__name__)

BATCH = 100
"""Tokens per `POST /midpoints` request (as for `/books`)."""


def server_clock(client: PolymarketClient) -> Callable[[], int]:
    """A clock reading the CLOB's `GET /time` (unix seconds), as ns."""
    return lambda: int(client.clob.get_json("/time")) * NS_PER_SECOND


class LiveFeed:
    """Snapshots of `markets` (condition ids) polled from `client` every `interval` seconds."""

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
    ) -> None:
        wanted = list(dict.fromkeys(markets))
        if not wanted:
            raise ValidationError("markets", "at least one condition id", wanted)
        if not interval >= 0:
            raise ValidationError("interval", "seconds >= 0", interval)
        if not (isinstance(stale_after, int) and stale_after >= 1):
            raise ValidationError("stale_after", "a number of intervals >= 1", stale_after)
        self.client = client
        self.interval = float(interval)
        self.stale_after = stale_after
        self.levels = levels
        self.clock = clock
        self.on_stale = on_stale
        found = {m.condition_id: m for m in client.markets(condition_ids=wanted)}
        missing = [m for m in wanted if m not in found]
        if missing:
            raise ValidationError("markets", "condition ids Gamma knows", missing[:5])
        listed = [found[m] for m in wanted]
        self._markets = markets_frame(listed)
        self._tokens = tokens_frame(listed)
        self.token_ids: list[str] = list(self._tokens.index)
        n = len(self.token_ids)
        self._times: list[int] = []
        self._prices: list[np.ndarray] = []
        self._book_times: list[int] = []
        self._book_rows: list[np.ndarray] = []
        self._book_seen = np.full(n, -1, dtype=np.int64)
        self._fresh_at = np.full(n, -1, dtype=np.int64)
        self._stale = np.zeros(n, dtype=bool)
        self._dataset: Dataset | None = None
        self._stop = threading.Event()
        self.errors = 0

    # ----- the Feed protocol ------------------------------------------------------------------

    @property
    def dataset(self) -> Dataset:
        """Everything polled so far."""
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

    # ----- polling ------------------------------------------------------------------------------

    def poll(self) -> Snapshot | None:
        """Fetch one snapshot; None when the clock has not moved since the last one."""
        now = int(self.clock())
        if self._times and now <= self._times[-1]:
            return None
        mids = self._midpoints()
        books = self.client.books(self.token_ids)
        self._append_prices(now, mids)
        self._append_books(books)
        self._check_stale(now)
        self._dataset = Dataset(
            markets=self._markets,
            tokens=self._tokens,
            times=np.array(self._times, dtype=np.int64),
            prices=np.vstack(self._prices),
            books=self._panel(),
            source="live",
        )
        return Snapshot(len(self._times) - 1, now)

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
        last = self._prices[-1] if self._prices else np.full(len(self.token_ids), np.nan)
        row = np.array([mids.get(t, np.nan) for t in self.token_ids])
        row = np.where(np.isnan(row), last, row)
        ended = self._end_ns() <= now
        row[ended] = np.nan
        self._times.append(now)
        self._prices.append(row)

    def _end_ns(self) -> np.ndarray:
        ends = self._markets["end_time"]
        ns = ends.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        ns[ends.isna().to_numpy()] = np.iinfo(np.int64).max
        order = self._markets.index.get_indexer(self._tokens["market_id"])
        return ns[order]

    def _append_books(self, books: dict) -> None:
        n, depth = len(self.token_ids), self.levels
        if self._book_rows:
            row = self._book_rows[-1].copy()
        else:
            row = np.empty((4, n, depth))
            row[0::2] = np.nan
            row[1::2] = 0.0
        fresh_times = []
        for col, token in enumerate(self.token_ids):
            book = books.get(token)
            if book is None:
                continue
            stamp = to_ns(book.timestamp)
            if stamp <= self._book_seen[col]:
                continue
            self._book_seen[col] = stamp
            self._fresh_at[col] = len(self._times) - 1
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
        if self._book_times and stamp <= self._book_times[-1]:
            stamp = self._book_times[-1] + 1
        self._book_times.append(stamp)
        self._book_rows.append(row)

    def _panel(self) -> BookPanel | None:
        if not self._book_rows:
            return None
        stacked = np.stack(self._book_rows)
        return BookPanel(
            np.array(self._book_times, dtype=np.int64),
            stacked[:, 0],
            stacked[:, 1],
            stacked[:, 2],
            stacked[:, 3],
        )

    # ----- staleness ------------------------------------------------------------------------------

    def _check_stale(self, now: int) -> None:
        polls = len(self._times)
        last = np.where(self._fresh_at < 0, 0, self._fresh_at)
        stale = (polls - 1 - last >= self.stale_after) | (
            (self._fresh_at < 0) & (polls > self.stale_after)
        )
        for col in np.flatnonzero(stale & ~self._stale):
            age = (now - self._times[int(last[col])]) / NS_PER_SECOND
            log.warning("live feed: no fresh book for %s in %.0f s", self.token_ids[col], age)
            if self.on_stale is not None:
                self.on_stale(self.token_ids[col], float(age))
        self._stale = stale

    def stale_tokens(self) -> set[str]:
        """Tokens without a fresh book for `stale_after` intervals (no new orders on them)."""
        return {self.token_ids[c] for c in np.flatnonzero(self._stale)}
