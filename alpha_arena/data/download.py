"""Fill a data store from Polymarket's (or Kalshi's) public APIs, incrementally and atomically.

`download(out, client, markets=... | event=... | active=True, days=30)` writes the store
format of `alpha_arena.data.store` (so `alpha_arena.data.load(out)` reads it back):
the markets table, each token's price series, a book snapshot of each open market and
each market's trades.

Incremental: `out/download.json` records, per token and fidelity, the time window of
prices already fetched, per market the trades window, the minute of the last book
snapshot, and the markets each event holds. A second download of the same range sends no
request for what is cached; a longer range asks only for the missing ends.

Atomic: each market is fetched completely (prices, book, trades) and validated before
any of its files is written; every file is written to a temporary name and renamed, and
the state file is written last. A malformed payload raises before the market's files
change, so the previous cache stays intact.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from alpha_arena.data.dataset import Dataset, markets_frame, tokens_frame
from alpha_arena.data.kalshi import KalshiClient
from alpha_arena.data.polymarket import PolymarketClient
from alpha_arena.data.sources import Source, as_source
from alpha_arena.data.store import (
    BOOK_COLUMNS,
    atomic_write_text,
    read_meta,
    read_tables,
    token_file,
    write_books,
    write_markets,
    write_meta,
    write_prices,
    write_trades,
)
from alpha_arena.errors import DataError, ValidationError
from alpha_arena.timeutil import NS_PER_MINUTE, NS_PER_SECOND, TimeLike, to_datetime
from alpha_arena.types import Market, OrderBook, ResolutionState

STATE_FILE = "download.json"
BOOK_DEPTH = 20
"""Book levels kept per side."""


@dataclass
class DownloadReport:
    """What one download did: markets touched, what was fetched and what was already cached."""

    out: Path
    markets: int = 0
    series_fetched: int = 0
    series_cached: int = 0
    points: int = 0
    books: int = 0
    trades: int = 0
    requests: int = 0

    def __str__(self) -> str:
        return (
            f"{self.out}: {self.markets} markets, {self.series_fetched} price series fetched "
            f"({self.points} points), {self.series_cached} already cached, {self.books} books, "
            f"{self.trades} trades, {self.requests} requests"
        )


@dataclass
class _Fetched:
    """One market's new data, complete and validated, waiting to be written."""

    market: Market
    prices: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    coverage: dict[str, list[int]] = field(default_factory=dict)
    books: list[OrderBook] = field(default_factory=list)
    trades: pl.DataFrame | None = None
    trade_window: list[int] | None = None


def read_state(root: Path) -> dict[str, Any]:
    """The download state of a store (empty for a new one)."""
    path = Path(root) / STATE_FILE
    if not path.exists():
        return {"prices": {}, "trades": {}, "books": {}, "events": {}, "fetched": {}}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: unreadable download state ({exc})") from exc
    for key in ("prices", "trades", "books", "events", "fetched"):
        state.setdefault(key, {})
    return state


def _write_state(root: Path, state: dict[str, Any]) -> None:
    atomic_write_text(json.dumps(state, indent=1, sort_keys=True), Path(root) / STATE_FILE)


def _cached_markets(root: Path) -> dict[str, Market]:
    """Markets already in the store, by condition id (with their slugs for look-up)."""
    if not (Path(root) / "markets.parquet").exists():
        return {}
    markets, tokens = read_tables(Path(root))
    if markets.empty:
        return {}
    skeleton = Dataset(markets, tokens, np.zeros(0, dtype=np.int64), np.zeros((0, len(tokens))))
    return {cid: skeleton.market(cid) for cid in markets.index}


def gaps(want: tuple[int, int], have: list[int] | None) -> list[tuple[int, int]]:
    """The parts of the window `want` (seconds) not inside the covered window `have`."""
    lo, hi = want
    if have is None:
        return [(lo, hi)] if lo <= hi else []
    c_lo, c_hi = have
    if hi < c_lo or lo > c_hi:
        return [(lo, hi)]  # disjoint: fetch it all (the coverage becomes its hull)
    out = []
    if lo < c_lo:
        out.append((lo, c_lo))
    if hi > c_hi:
        out.append((c_hi, hi))
    return out


def _hull(have: list[int] | None, lo: int, hi: int) -> list[int]:
    return [lo, hi] if have is None else [min(have[0], lo), max(have[1], hi)]


def market_window(market: Market, now: datetime, days: float, fidelity: int) -> tuple[int, int]:
    """The [start, end] seconds to hold for a market: the last `days` of its life up to now."""
    end = now if market.resolution.time is None else min(now, market.resolution.time)
    start = end - timedelta(days=days)
    if market.start_time is not None:
        start = max(start, market.start_time)
    step = 60 * fidelity
    lo = int(start.timestamp()) // step * step
    hi = int(end.timestamp()) // step * step
    return lo, max(lo, hi)


def book_rows(book: OrderBook, depth: int = BOOK_DEPTH) -> pl.DataFrame:
    """A snapshot as the store's book rows: one row per level, NaN/0 where a side is short."""
    n = min(depth, max(book.bid_prices.size, book.ask_prices.size))

    def pad(values: np.ndarray, fill: float) -> np.ndarray:
        out = np.full(n, fill)
        k = min(n, values.size)
        out[:k] = values[:k]
        return out

    ts = int(book.timestamp.timestamp() * 1000) * 1_000_000
    return pl.DataFrame(
        {
            "ts": np.full(n, ts, dtype=np.int64),
            "level": np.arange(n, dtype=np.int16),
            "bid_px": pad(book.bid_prices, math.nan),
            "bid_sz": pad(book.bid_sizes, 0.0),
            "ask_px": pad(book.ask_prices, math.nan),
            "ask_sz": pad(book.ask_sizes, 0.0),
        }
    ).select(BOOK_COLUMNS)


class Downloader:
    """One download session into a store directory (see the module docstring)."""

    def __init__(
        self,
        out: Path | str,
        source: Source,
        *,
        days: float = 30.0,
        fidelity: int = 1,
        books: bool = True,
        trades: bool = True,
        now: TimeLike | None = None,
    ) -> None:
        if not (isinstance(days, (int, float)) and days > 0):
            raise ValidationError("days", "a number of days > 0", days)
        if not (isinstance(fidelity, int) and fidelity >= 1):
            raise ValidationError("fidelity", "minutes >= 1", fidelity)
        self.root = Path(out)
        self.source = source
        self.days = float(days)
        self.fidelity = fidelity
        self.want_books = books
        self.want_trades = trades
        self.now = datetime.now(UTC) if now is None else to_datetime(now, "now")
        self.now_s = int(self.now.timestamp())
        self.state = read_state(self.root)
        self.cached = _cached_markets(self.root)
        self.report = DownloadReport(self.root)

    # ----- choosing markets ----------------------------------------------------------------

    def _stale(self, market: Market) -> bool:
        """A cached market that was still open when last fetched and has ended since."""
        if market.resolution.state is not ResolutionState.UNRESOLVED or market.end_time is None:
            return False
        fetched = self.state["fetched"].get(market.condition_id, 0)
        return fetched < market.end_time.timestamp() <= self.now_s

    def resolve_markets(self, wanted: Iterable[str]) -> list[Market]:
        """Markets named by id or slug, from the cache when fresh, else from the venue."""
        wanted = list(dict.fromkeys(wanted))
        by_slug = {m.slug: m for m in self.cached.values() if m.slug}
        found: dict[str, Market] = {}
        missing = []
        for name in wanted:
            market = self.cached.get(name) or by_slug.get(name)
            if market is None or self._stale(market):
                missing.append(name)
            else:
                found[name] = market
        for market in self.source.lookup(missing) if missing else []:
            for name in (market.condition_id, market.slug):
                if name in missing:
                    found[name] = market
        absent = [n for n in wanted if n not in found]
        if absent:
            raise ValidationError("markets", f"ids or slugs {self.source.venue} knows", absent[:5])
        return list({m.condition_id: m for m in (found[n] for n in wanted)}.values())

    def resolve_event(self, event: str) -> list[Market]:
        """The markets of an event, from the cache when all of them are there."""
        known = self.state["events"].get(event)
        if known and all(c in self.cached and not self._stale(self.cached[c]) for c in known):
            return [self.cached[c] for c in known]
        markets = self.source.event(event)
        if not markets:
            raise ValidationError("event", f"an event {self.source.venue} knows", event)
        self.state["events"][event] = [m.condition_id for m in markets]
        return markets

    # ----- fetching and writing one market --------------------------------------------------

    def _fetch(self, market: Market) -> _Fetched:
        out = _Fetched(market)
        lo, hi = market_window(market, self.now, self.days, self.fidelity)
        for token in market.tokens:
            key = f"{token.token_id}@{self.fidelity}"
            have = self.state["prices"].get(key)
            todo = gaps((lo, hi), have)
            if not todo:
                self.report.series_cached += 1
                continue
            parts = [
                self.source.history(market, token.token_id, a, b, self.fidelity) for a, b in todo
            ]
            ts = np.concatenate([p[0] for p in parts])
            px = np.concatenate([p[1] for p in parts])
            out.prices[token.token_id] = (ts, px)
            out.coverage[key] = _hull(have, lo, hi)
        is_open = market.resolution.state is ResolutionState.UNRESOLVED and (
            market.end_time is None or market.end_time > self.now
        )
        minute = self.now_s // 60
        booked = all(self.state["books"].get(t.token_id) == minute for t in market.tokens)
        if self.want_books and is_open and not booked:
            out.books = self.source.books(market)
        if self.want_trades:
            have = self.state["trades"].get(market.condition_id)
            if gaps((lo, hi), have):
                # the API pages newest first: extending back means reading from `lo` again
                # (rows already cached are deduplicated on write); `since` is exclusive
                since = have[1] if have is not None and have[0] <= lo <= have[1] else lo - 1
                frame = self.source.trades(market, since)
                if frame is not None:
                    out.trades = frame.filter(pl.col("ts") <= hi * NS_PER_SECOND)
                    out.trade_window = _hull(have, lo, hi)
        return out

    def _commit(self, new: _Fetched) -> None:
        market = new.market
        write_markets(self.root, markets_frame([market]), tokens_frame([market]))
        for token_id, (ts, px) in new.prices.items():
            if ts.size:
                write_prices(self.root, token_id, ts, px)
            self.report.series_fetched += 1
            self.report.points += int(ts.size)
        for book in new.books:
            rows = book_rows(book)
            if rows.height:
                write_books(self.root, book.token_id, rows)
            self.state["books"][book.token_id] = self.now_s // 60
            self.report.books += 1
        if new.trades is not None:
            for (token_id,), rows in new.trades.group_by(["token_id"]):
                write_trades(self.root, str(token_id), rows)
            self.report.trades += new.trades.height
            self.state["trades"][market.condition_id] = new.trade_window
        self.state["prices"].update(new.coverage)
        self.state["fetched"][market.condition_id] = self.now_s
        write_meta(
            self.root,
            source=self.source.venue,
            synthetic=False,
            step_ns=self.fidelity * NS_PER_MINUTE,
        )
        _write_state(self.root, self.state)
        self.cached[market.condition_id] = market
        self.report.markets += 1

    def run(self, markets: list[Market]) -> DownloadReport:
        """Fetch then write each market in turn; the first failure stops the download."""
        before = self.source.requests
        try:
            for market in markets:
                self._commit(self._fetch(market))
        finally:
            self.report.requests = self.source.requests - before
        return self.report


def download(
    out: Path | str,
    client: PolymarketClient | KalshiClient | Source,
    *,
    markets: Iterable[str] | None = None,
    event: str | None = None,
    active: bool = False,
    limit: int | None = None,
    days: float = 30.0,
    fidelity: int = 1,
    books: bool = True,
    trades: bool = True,
    now: TimeLike | None = None,
) -> DownloadReport:
    """Download markets (by id/slug), an event's markets, or the active markets into `out`.

    `client` is a `PolymarketClient` or a `KalshiClient` (or any `Source`); Kalshi markets
    are named by ticker and events by event ticker, and its `fidelity` is 1, 60 or 1440.
    """
    chosen = [markets is not None, event is not None, active]
    if sum(chosen) != 1:
        raise ValidationError("markets", "exactly one of markets, event or active", chosen)
    source = as_source(client)
    session = Downloader(
        out, source, days=days, fidelity=fidelity, books=books, trades=trades, now=now
    )
    before = source.requests
    if markets is not None:
        selected = session.resolve_markets(markets)
    elif event is not None:
        selected = session.resolve_event(event)
    else:
        selected = source.active(limit)
    if limit is not None:
        selected = selected[:limit]
    report = session.run(selected)
    report.requests = source.requests - before
    return report


def cache_info(root: Path | str) -> dict[str, Any]:
    """What a store holds: markets, tokens, price series and their span, books, trades."""
    root = Path(root)
    meta = read_meta(root)
    info: dict[str, Any] = {
        "path": str(root),
        "source": meta.get("source"),
        "synthetic": meta.get("synthetic"),
        "step_seconds": (meta.get("step_ns") or 0) / NS_PER_SECOND,
    }
    markets = (
        pl.read_parquet(root / "markets.parquet") if (root / "markets.parquet").exists() else None
    )
    tokens = (
        pl.read_parquet(root / "tokens.parquet") if (root / "tokens.parquet").exists() else None
    )
    info["markets"] = 0 if markets is None else markets.height
    info["resolved"] = (
        0
        if markets is None
        else int((markets["resolution_state"] == ResolutionState.RESOLVED.value).sum())
    )
    info["tokens"] = 0 if tokens is None else tokens.height
    token_ids = [] if tokens is None else tokens["token_id"].to_list()
    for kind in ("prices", "books", "trades"):
        files = [p for t in token_ids if (p := token_file(root, kind, t)).exists()]
        info[f"{kind}_files"] = len(files)
        if files:
            span = pl.concat(
                [
                    pl.scan_parquet(p).select(
                        pl.col("ts").min().alias("a"),
                        pl.col("ts").max().alias("b"),
                        pl.len().alias("n"),
                    )
                    for p in files
                ]
            ).collect()
            info[f"{kind}_rows"] = int(span["n"].sum())
            info[f"{kind}_from"] = _iso_ns(int(span["a"].min()))
            info[f"{kind}_to"] = _iso_ns(int(span["b"].max()))
    state = read_state(root)
    info["events"] = sorted(state["events"])
    return info


def _iso_ns(ns: int) -> str:
    return datetime.fromtimestamp(ns / NS_PER_SECOND, tz=UTC).isoformat()
