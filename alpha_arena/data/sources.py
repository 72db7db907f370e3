"""Venue adapters for the download cache: one small face over each venue's client.

The downloader asks a source for markets (by id, by event, the active ones), a token's
price series over a window, a market's current books and its trades; each venue answers
with its own endpoints. Polymarket serves per-token `/prices-history` and Data API trades;
Kalshi serves YES candles (the NO series is 1 − YES) and no trades here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

import numpy as np
import polars as pl

from alpha_arena.data.kalshi import PERIODS, KalshiClient
from alpha_arena.data.polymarket import PolymarketClient
from alpha_arena.errors import ValidationError
from alpha_arena.types import Market, OrderBook


class Source(Protocol):
    """What the downloader needs from a venue."""

    venue: str

    @property
    def requests(self) -> int:
        """HTTP requests sent so far."""
        ...

    def lookup(self, names: list[str]) -> list[Market]:
        """Markets named by the venue's ids (or slugs); unknown names are left out."""
        ...

    def event(self, name: str) -> list[Market]:
        """The markets of one event (empty when the venue has no such event)."""
        ...

    def active(self, limit: int | None) -> list[Market]:
        """Open markets, at most `limit`."""
        ...

    def history(
        self, market: Market, token_id: str, lo: int, hi: int, fidelity: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """A token's (ts ns, price) observations from lo to hi (epoch seconds)."""
        ...

    def books(self, market: Market) -> list[OrderBook]:
        """The current book of each of the market's tokens."""
        ...

    def trades(self, market: Market, since: int) -> pl.DataFrame | None:
        """Trades after `since` (epoch seconds, exclusive); None when the venue has none."""
        ...


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


class PolymarketSource:
    """Gamma for markets, CLOB `/prices-history` and `/books`, Data API `/trades`."""

    venue = "polymarket"

    def __init__(self, client: PolymarketClient) -> None:
        self.client = client

    @property
    def requests(self) -> int:
        """HTTP requests sent so far."""
        return self.client.requests

    def lookup(self, names: list[str]) -> list[Market]:
        """Condition ids (0x…) and slugs, one Gamma query for each kind."""
        ids = [n for n in names if n.startswith("0x")]
        slugs = [n for n in names if not n.startswith("0x")]
        found = self.client.markets(condition_ids=ids) if ids else []
        return found + (self.client.markets(slugs=slugs) if slugs else [])

    def event(self, name: str) -> list[Market]:
        """An event by slug, or by numeric id."""
        events = self.client.events(**({"event_id": name} if name.isdigit() else {"slug": name}))
        return [m for e in events for m in e.markets]

    def active(self, limit: int | None) -> list[Market]:
        """Active, not closed markets."""
        return self.client.markets(active=True, closed=False, limit=limit)

    def history(
        self, market: Market, token_id: str, lo: int, hi: int, fidelity: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """`/prices-history` of the token (long windows are chunked by the client)."""
        return self.client.prices_history(token_id, start=_utc(lo), end=_utc(hi), fidelity=fidelity)

    def books(self, market: Market) -> list[OrderBook]:
        """`POST /books` for both tokens."""
        return list(self.client.books(t.token_id for t in market.tokens).values())

    def trades(self, market: Market, since: int) -> pl.DataFrame:
        """Data API trades of the market after `since`."""
        return self.client.trades(market.condition_id, since=_utc(since))


class KalshiSource:
    """Kalshi markets by ticker or event ticker, YES candles, order books; no trades."""

    venue = "kalshi"

    def __init__(self, client: KalshiClient) -> None:
        self.client = client
        self._candles: dict[tuple[str, int, int, int], tuple[np.ndarray, np.ndarray]] = {}

    @property
    def requests(self) -> int:
        """HTTP requests sent so far."""
        return self.client.http.requests

    def lookup(self, names: list[str]) -> list[Market]:
        """Markets by ticker."""
        return self.client.markets(tickers=names)

    def event(self, name: str) -> list[Market]:
        """Markets of an event ticker."""
        return self.client.markets(event_ticker=name)

    def active(self, limit: int | None) -> list[Market]:
        """Open markets."""
        return self.client.markets(status="open", limit=limit)

    def history(
        self, market: Market, token_id: str, lo: int, hi: int, fidelity: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The YES mid of each candle (last trade when a side is empty); NO is 1 − YES.

        Both tokens come from one request: the candles are kept for the NO token's call.
        """
        if fidelity not in PERIODS:
            raise ValidationError("fidelity", f"one of {PERIODS} minutes on Kalshi", fidelity)
        key = (market.condition_id, lo, hi, fidelity)
        if key not in self._candles:
            series = (market.event_id or market.condition_id).split("-")[0]
            frame = self.client.candlesticks(
                market.condition_id,
                series_ticker=series,
                start=_utc(lo),
                end=_utc(hi),
                period=fidelity,
            )
            bid = frame["yes_bid"].to_numpy()
            ask = frame["yes_ask"].to_numpy()
            quoted = (bid > 0) & (ask < 1)  # Kalshi reports an empty side as 0 / 100 cents
            yes = np.where(quoted, (bid + ask) / 2.0, frame["price"].to_numpy())
            keep = ~np.isnan(yes)
            self._candles[key] = (frame["ts"].to_numpy()[keep], np.round(yes[keep], 6))
        ts, yes = self._candles[key]
        return (ts, yes) if token_id == market.yes.token_id else (ts, np.round(1.0 - yes, 6))

    def books(self, market: Market) -> list[OrderBook]:
        """The YES and NO books from one orderbook request."""
        book = self.client.orderbook(market.condition_id, tick=market.tick_size)
        return [book.yes, book.no]

    def trades(self, market: Market, since: int) -> None:
        """Kalshi trades are not downloaded."""
        return None


def as_source(client: PolymarketClient | KalshiClient | Source) -> Source:
    """The source for a venue client (a source passes through)."""
    if isinstance(client, PolymarketClient):
        return PolymarketSource(client)
    if isinstance(client, KalshiClient):
        return KalshiSource(client)
    return client
