"""The strategy's `Context`: the market as known at one moment, the account, and order entry.

Everything it returns stops at the current snapshot: price and book histories end at `now`,
trades after `now` are invisible, and a market's resolution stays hidden until it happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import polars as pl

from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import from_ns
from alpha_arena.types import Order, OrderBook, OrderType, Side

if TYPE_CHECKING:
    from alpha_arena.data import Dataset
    from alpha_arena.engine.loop import Engine
    from alpha_arena.risk import RiskManager
    from alpha_arena.sim.portfolio import Portfolio

_HIDDEN_UNTIL_RESOLVED = ("resolution_state", "winning_outcome", "resolved_at")


@dataclass(frozen=True, slots=True)
class BookArrays:
    """Every token's book at the latest snapshot: (tokens, levels) read-only views, best first."""

    t_ns: int
    bid_px: np.ndarray
    bid_sz: np.ndarray
    ask_px: np.ndarray
    ask_sz: np.ndarray


def _readonly(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


class Context:
    """What a strategy may see and do at one moment. The engine advances it; strategies read it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.k = -1
        self.now_ns = 0
        self._cache: dict[Any, tuple[tuple[int, int], np.ndarray]] = {}
        self._markets_key: tuple[int, int] | None = None
        self._markets: pd.DataFrame | None = None

    # ----- time ------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The current snapshot's time (UTC)."""
        return from_ns(self.now_ns)

    @property
    def _data(self) -> Dataset:
        return self._engine.dataset

    # ----- static and public market information ------------------------------------------

    @property
    def token_ids(self) -> np.ndarray:
        """Token ids in panel column order."""
        return self._data.token_ids

    def column(self, token_id: str) -> int:
        """The panel column of a token."""
        return self._data.column(token_id)

    @property
    def tokens(self) -> pd.DataFrame:
        """The tokens table (market id, outcome, is_yes), in panel order."""
        return self._data.tokens

    @property
    def markets(self) -> pd.DataFrame:
        """The markets table with each resolution hidden until its time has come."""
        data = self._data
        resolved_at = data.markets["resolved_at"]
        known = int(
            (resolved_at.notna() & (resolved_at <= pd.Timestamp(self.now_ns, tz="UTC"))).sum()
        )
        key = (id(data.markets), known)
        if key != self._markets_key:
            frame = data.markets.copy()
            future = ~(resolved_at.notna() & (resolved_at <= pd.Timestamp(self.now_ns, tz="UTC")))
            frame.loc[future, "resolution_state"] = "unresolved"
            frame.loc[future, "winning_outcome"] = None
            frame.loc[future, "resolved_at"] = pd.NaT
            self._markets, self._markets_key = frame, key
        return self._markets

    def tradeable(self) -> np.ndarray:
        """Tokens whose market is open now (started, not ended, unresolved) with a price."""
        data = self._data
        now = self.now_ns
        return (
            (data.start_ns <= now)
            & (now < data.end_ns)
            & (now < data.resolve_ns)
            & ~np.isnan(data.prices[self.k])
        )

    # ----- prices, books, trades ----------------------------------------------------------

    @property
    def prices(self) -> np.ndarray:
        """The price panel up to and including now: (rows, tokens), read-only."""
        return _readonly(self._data.prices[: self.k + 1])

    @property
    def times(self) -> np.ndarray:
        """Grid times (ns) up to and including now."""
        return _readonly(self._data.times[: self.k + 1])

    def price(self, token_id: str) -> float:
        """A token's current price (NaN outside its market's life)."""
        return float(self._data.prices[self.k, self.column(token_id)])

    def last_prices(self) -> np.ndarray:
        """Every token's current price, read-only."""
        return _readonly(self._data.prices[self.k])

    def history(self, token_id: str, lookback: int | None = None) -> np.ndarray:
        """One token's prices up to now (the last `lookback` rows if given)."""
        start = 0 if lookback is None else max(0, self.k + 1 - lookback)
        return _readonly(self._data.prices[start : self.k + 1, self.column(token_id)])

    def book_arrays(self) -> BookArrays | None:
        """All books at the latest snapshot at or before now, or None without books."""
        books = self._data.books
        if books is None:
            return None
        row = books.index_at(self.now_ns)
        if row < 0:
            return None
        return BookArrays(
            int(books.times[row]),
            _readonly(books.bid_px[row]),
            _readonly(books.bid_sz[row]),
            _readonly(books.ask_px[row]),
            _readonly(books.ask_sz[row]),
        )

    def book(self, token_id: str) -> OrderBook | None:
        """One token's book at the latest snapshot at or before now (None if none yet)."""
        arrays = self.book_arrays()
        if arrays is None:
            return None
        col = self.column(token_id)
        bids = arrays.bid_sz[col] > 0
        asks = arrays.ask_sz[col] > 0
        if not bids.any() and not asks.any():
            return None
        return OrderBook(
            token_id,
            from_ns(arrays.t_ns),
            arrays.bid_px[col][bids],
            arrays.bid_sz[col][bids],
            arrays.ask_px[col][asks],
            arrays.ask_sz[col][asks],
            float(self._data.tick[col]),
        )

    def trades(self, token_id: str | None = None, since_ns: int | None = None) -> pl.DataFrame:
        """Venue trades up to now (of one token, after `since_ns`, if given)."""
        frame = self._data.trades
        if frame is None:
            from alpha_arena.data.dataset import TRADE_COLUMNS

            return pl.DataFrame(schema=TRADE_COLUMNS)
        cond = pl.col("ts") <= self.now_ns
        if since_ns is not None:
            cond &= pl.col("ts") > since_ns
        if token_id is not None:
            cond &= pl.col("token_id") == token_id
        return frame.filter(cond)

    def precompute(self, key: Any, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Row `now` of `fn(prices)`, computed once over the whole panel and cached.

        `fn` must be causal: its row t may depend only on rows <= t (every kernel in
        `alpha_arena.indicators` is). `alpha_arena.analysis.lookahead` checks that it is.
        """
        data = self._data
        # a rolling live window keeps its shape while its rows move: the first time tells
        shape = (data.n_times, data.n_tokens, int(data.times[0]))
        cached = self._cache.get(key)
        if cached is None or cached[0] != shape:
            out = np.asarray(fn(data.prices))
            if out.shape[0] != data.n_times:
                raise ValidationError(f"precompute {key!r}", f"{data.n_times} rows", out.shape)
            cached = self._cache[key] = (shape, out)  # a live panel grows: keep only the latest
        return _readonly(cached[1][self.k])

    def indicator(self, name: str, **params: Any) -> np.ndarray:
        """Row `now` of an `alpha_arena.indicators` function applied to the price panel."""
        from alpha_arena import indicators

        fn = getattr(indicators, name, None)
        if not callable(fn):
            raise ValidationError("indicator", "a function of alpha_arena.indicators", name)
        key = ("indicator", name, tuple(sorted(params.items())))
        return self.precompute(key, lambda prices: fn(prices, **params))

    # ----- the account ------------------------------------------------------------------------

    @property
    def portfolio(self) -> Portfolio:
        """The account (cash, positions, PnL). Read it; trade through `buy`/`sell`."""
        return self._engine.broker.portfolio

    @property
    def cash(self) -> float:
        """Cash not committed to open buy orders."""
        return self.portfolio.available_cash()

    @property
    def equity(self) -> float:
        """Cash plus positions at their marks."""
        return self.portfolio.equity()

    def position(self, token_id: str) -> float:
        """Shares held of a token."""
        portfolio = self.portfolio
        return float(portfolio.shares[portfolio.column(token_id)])

    def open_orders(self, token_id: str | None = None) -> list[Order]:
        """Open orders (of one token if given)."""
        orders = self._engine.broker.open_orders()
        return [o for o in orders if token_id is None or o.token_id == token_id]

    @property
    def risk(self) -> RiskManager:
        """The risk gate (limits, daily PnL, drawdown, kill switch)."""
        return self._engine.risk

    # ----- actions -----------------------------------------------------------------------------

    def buy(
        self,
        token_id: str,
        shares: float | None = None,
        *,
        usdc: float | None = None,
        price: float | None = None,
        order_type: OrderType | str | None = None,
        expiration: datetime | None = None,
    ) -> Order:
        """Buy `shares` (or `usdc` worth) of a token; with no price, marketable at any price.

        Default order type: GTC with a limit price, FAK without one.
        """
        return self._order(Side.BUY, token_id, shares, usdc, price, order_type, expiration)

    def sell(
        self,
        token_id: str,
        shares: float,
        *,
        price: float | None = None,
        order_type: OrderType | str | None = None,
        expiration: datetime | None = None,
    ) -> Order:
        """Sell shares held (a short is a buy of the other token)."""
        return self._order(Side.SELL, token_id, shares, None, price, order_type, expiration)

    def _order(
        self,
        side: Side,
        token_id: str,
        shares: float | None,
        usdc: float | None,
        price: float | None,
        order_type: OrderType | str | None,
        expiration: datetime | None,
    ) -> Order:
        kind = order_type or (OrderType.FAK if price is None else OrderType.GTC)
        order = Order(
            token_id,
            side,
            size=shares,
            price=price,
            order_type=kind,
            notional=usdc,
            expiration=expiration,
        )
        return self._engine.place(order)

    def cancel(self, order: Order | str) -> bool:
        """Cancel an open order (the object or its client id)."""
        client_id = order.client_id if isinstance(order, Order) else order
        return self._engine.broker.cancel(client_id, self.now_ns)

    def cancel_all(self, token_id: str | None = None) -> int:
        """Cancel every open order (of one token if given)."""
        return self._engine.broker.cancel_all(self.now_ns, token_id)

    def split(self, market_id: str, amount: float) -> None:
        """Turn `amount` USDC into `amount` YES + `amount` NO shares of a market."""
        self._engine.broker.split(market_id, amount, self.now_ns)

    def merge(self, market_id: str, amount: float) -> None:
        """Turn `amount` YES + `amount` NO shares of a market back into `amount` USDC."""
        self._engine.broker.merge(market_id, amount, self.now_ns)

    def convert(self, market_ids: list[str], amount: float) -> None:
        """Neg-risk conversion: `amount` NO of each listed market of one event become
        (k−1)·amount USDC plus `amount` YES of each of the event's other markets."""
        self._engine.broker.convert(market_ids, amount, self.now_ns)

    def forecast(self, token_id: str, probability: float) -> None:
        """Record the strategy's probability for a token, scored against the outcome later."""
        self._engine.record_forecast(token_id, probability)

    def signal(self, **details: Any) -> None:
        """Note a signal in this decision's log entry (counted as generated)."""
        self._engine.record_signal(details)

    # ----- the run's metrics log ------------------------------------------------------------

    def llm_call(self, **fields: Any) -> None:
        """Log one LLM request (provider, model, role, tokens, cost, latency, status, cached)
        to the run's metrics (the `llm_calls` table of metrics.db), in a backtest and live
        alike; a no-op when the run keeps no metrics log.

        This makes the Context itself an `alpha_arena.llm.router.CallSink`: pass it as an
        `LLMRouter`'s `sink`. The sink is looked up at each call, so it is always the run's.
        """
        sink = self._engine.sink
        if callable(getattr(sink, "llm_call", None)):
            sink.llm_call(**fields)
