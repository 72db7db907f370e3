"""`SimBroker`: a simulated Polymarket CLOB over a Dataset, meeting the engine's `Broker` contract.

Marketable orders walk the book snapshot current when they arrive (after `latency_ms`);
without a book they fill at the bar price ± half the spread, up to a depth cap, and every
such fill is flagged (`fill_models`, `fill_model_notes()`). Resting orders fill only when
later data crosses their price: trades through it, a book whose opposite side moved
through it, or a bar price through it. Venue rules (tick, minimum size, market hours, cash
only, no naked sells), complete-set split/merge, neg-risk conversion, taker fees from
`alpha_arena.fees`, and resolution payouts are all applied here. docs/simulator.md lists
every assumption.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from alpha_arena.data import Dataset
from alpha_arena.data.dataset import NEVER
from alpha_arena.errors import ValidationError
from alpha_arena.fees import fee_rates_for, pm_buy_fee_shares, pm_taker_fee
from alpha_arena.sim import snapshot as snap
from alpha_arena.sim.config import SimConfig
from alpha_arena.sim.kernels import cross_resting, walk_book
from alpha_arena.sim.portfolio import Portfolio
from alpha_arena.sim.venue import (
    BAR,
    BOOK,
    MODEL_BAR,
    MODEL_BOOK,
    MODEL_TRADES,
    TRADES,
    Quote,
    VenueState,
)
from alpha_arena.timeutil import from_ns, to_ns
from alpha_arena.types import (
    BrokerEvents,
    Fill,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    ResolutionState,
    Settlement,
    Side,
    on_tick,
)

_EPS = 1e-9


def _stamp(t_ns: int) -> datetime:
    """The datetime of a ns time (datetimes hold microseconds: the rest is dropped)."""
    return from_ns(int(t_ns) // 1000 * 1000)


def _dropped(old: np.ndarray, new: np.ndarray | None) -> int:
    """How many of `old`'s leading times a newer copy `new` no longer has (all, if empty)."""
    if new is None or not new.size:
        return int(old.size)
    return int(np.searchsorted(old, new[0]))


@dataclass(slots=True, eq=False)
class _Live:
    """An active order and the broker's bookkeeping for it."""

    order: Order
    col: int
    is_buy: bool
    limit: float
    arrival_ns: int
    until_ns: int
    notional_left: float = math.inf
    reserved_cash: float = 0.0
    reserved_shares: float = 0.0
    queue_ahead: float = 0.0
    checked_ns: int = 0


_LIVE = {
    "limit": "num", "arrival_ns": "int", "until_ns": "int", "notional_left": "num?",
    "reserved_cash": "num", "reserved_shares": "num", "queue_ahead": "num", "checked_ns": "int",
}  # fmt: skip
"""The bookkeeping of an active order a snapshot keeps (`notional_left` None: no budget)."""


def _live_json(live: _Live) -> dict[str, Any]:
    values = {name: getattr(live, name) for name in _LIVE}
    if math.isinf(live.notional_left):
        values["notional_left"] = None
    return {**snap.order_json(live.order), **values}


def _live_from(item: dict[str, Any], col: int, where: str) -> _Live:
    order = snap.order_from(item, where)
    values = snap.fields(item, _LIVE, where)
    if values["notional_left"] is None:
        values["notional_left"] = math.inf
    return _Live(order=order, col=col, is_buy=order.side is Side.BUY, **values)


@dataclass(frozen=True, slots=True)
class Conversion:
    """A complete-set split or merge, or a neg-risk conversion, as booked."""

    kind: str
    markets: tuple[str, ...]
    amount: float
    t_ns: int


class SimBroker:
    """A simulated venue over `dataset`, starting with `cash` USDC.

    The broker owns the `Portfolio`; strategies reach it through the engine's context.
    `fills` and `fill_models` (parallel lists) keep every fill and whether it came from
    the book, a bar price (no book), or trades; `conversions` the splits and merges.
    """

    def __init__(
        self, dataset: Dataset, cash: float = 10_000.0, config: SimConfig | None = None
    ) -> None:
        if not isinstance(dataset, Dataset):
            raise ValidationError("dataset", "a Dataset", type(dataset).__name__)
        if dataset.n_times == 0:
            raise ValidationError("dataset", "at least one grid row", 0)
        self.config = config or SimConfig()
        if not isinstance(self.config, SimConfig):
            raise ValidationError("config", "a SimConfig", self.config)
        self.dataset = dataset
        self._portfolio = Portfolio(dataset, cash)
        self._fee_rate = (
            fee_rates_for(dataset.markets)[dataset.token_market]
            if self.config.fees
            else np.zeros(dataset.n_tokens)
        )
        self._pending: list[_Live] = []
        self._resting: list[_Live] = []
        self._active: dict[str, _Live] = {}
        self._events = BrokerEvents()
        self._seq = 0
        self._settled = np.zeros(dataset.n_tokens, dtype=bool)
        self._last_row = -1
        self._last_book_row = -1
        self._resting_arrays: tuple[np.ndarray, ...] | None = None
        self._venue = VenueState(dataset, self.config)
        self._resolve_due = np.where(np.isnan(dataset.payout), NEVER, dataset.resolve_ns)
        self._next_settle = int(self._resolve_due.min()) if dataset.n_tokens else NEVER
        self._next_until = NEVER
        self.now_ns = int(dataset.times[0])
        self.fills: list[Fill] = []
        self.fill_models: list[str] = []
        self.conversions: list[Conversion] = []

    # ----- the Broker contract --------------------------------------------------------------

    @property
    def portfolio(self) -> Portfolio:
        """The account."""
        return self._portfolio

    def open_orders(self) -> list[Order]:
        """Orders pending (not yet at the book) or resting."""
        return [live.order for live in self._active.values()]

    def submit(self, order: Order, now_ns: int) -> Order:
        """Check venue rules now; reject with a reason, or send it to the book (after latency).

        What happens inside this call (a rejection, and with latency 0 the whole matching)
        shows in the returned order's status; its fills are reported by the next `advance`.
        Later changes (fills, cancels, expiries, rejections on arrival) come from `advance`.
        """
        now = int(now_ns)
        self._seq += 1
        order.client_id = order.client_id or f"sim{self._seq:08d}"
        if order.created_at is None:
            order.created_at = _stamp(now)
        if order.client_id in self._active:
            return self._reject(order, f"duplicate client id {order.client_id!r}")
        try:
            col = self.dataset.column(order.token_id)
        except KeyError:
            return self._reject(order, f"unknown token {order.token_id!r}")
        reason = self._venue_check(order, col, now)
        if reason:
            return self._reject(order, reason)
        arrival = now + self.config.latency_ns
        live = _Live(
            order=order,
            col=col,
            is_buy=order.side is Side.BUY,
            limit=self._limit(order),
            arrival_ns=arrival,
            until_ns=self._until(order, col),
            notional_left=math.inf if order.notional is None else float(order.notional),
            checked_ns=arrival,
        )
        self._reserve(live)
        order.status = OrderStatus.PENDING
        self._active[order.client_id] = live
        self._next_until = min(self._next_until, live.until_ns)
        if arrival <= now:
            done = BrokerEvents()
            self._arrive(live, arrival, done)
            self._events.fills.extend(done.fills)
        else:
            bisect.insort(self._pending, live, key=lambda x: x.arrival_ns)
        return order

    def cancel(self, client_id: str, now_ns: int) -> bool:
        """Cancel an order still pending or resting (takes effect at once)."""
        live = self._active.get(client_id)
        if live is None:
            return False
        self._close(live, OrderStatus.CANCELLED, "cancelled", self._events)
        return True

    def cancel_all(self, now_ns: int, token_id: str | None = None) -> int:
        """Cancel every active order (of one token if given)."""
        chosen = [
            live
            for live in self._active.values()
            if token_id is None or live.order.token_id == token_id
        ]
        for live in chosen:
            self._close(live, OrderStatus.CANCELLED, "cancelled", self._events)
        return len(chosen)

    def advance(self, now_ns: int) -> BrokerEvents:
        """Process arrivals, resting fills, expiries, market ends and resolutions up to now."""
        now = int(now_ns)
        events, self._events = self._events, BrokerEvents()
        while self._pending and self._pending[0].arrival_ns <= now:
            live = self._pending.pop(0)
            self._arrive(live, live.arrival_ns, events)
        self._cross_resting(now, events)
        self._expire(now, events)
        self._settle(now, events)
        self.now_ns = now
        self._portfolio.now_ns = now
        return events

    def observe(self, dataset: Dataset) -> None:
        """Continue over a grown copy of the dataset (live paper trading: more rows, same tokens).

        The per-token arrays and the venue's liquidity index are rebuilt from it; orders,
        the account and the liquidity already taken carry over.
        """
        if dataset is self.dataset:
            return
        if not np.array_equal(dataset.token_ids, self.dataset.token_ids):
            raise ValidationError("dataset", "the same tokens in the same order", dataset.n_tokens)
        taken = self._shift_rows(dataset)
        self.dataset = dataset
        self._portfolio.observe(dataset)
        self._venue = VenueState(dataset, self.config)
        self._venue.taken.update(taken)
        self._resolve_due = np.where(np.isnan(dataset.payout), NEVER, dataset.resolve_ns)
        waiting = self._resolve_due[~self._settled]
        self._next_settle = int(waiting.min()) if waiting.size else NEVER
        self._resting_arrays = None

    def _shift_rows(self, dataset: Dataset) -> dict[tuple, np.ndarray]:
        """Row indices re-based when the new copy dropped rows at the front (a rolling live
        window): the last rows seen and the liquidity taken per snapshot keep their rows."""
        old, new = self.dataset, dataset
        grid = _dropped(old.times, new.times)
        book = 0
        if old.books is not None:
            book = _dropped(old.books.times, new.books.times if new.books is not None else None)
        self._last_row = max(self._last_row - grid, -1)
        self._last_book_row = max(self._last_book_row - book, -1)
        shifts = {BOOK: book, BAR: grid}
        taken = {}
        for (model, row, *rest), shares in self._venue.taken.items():
            moved = row - shifts.get(model, 0)
            if moved >= 0:
                taken[(model, moved, *rest)] = shares
        return taken

    # ----- snapshot and restore ----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The broker's state as a JSON-able mapping (format `snapshot.SNAPSHOT_VERSION`).

        It holds the account (`Portfolio.snapshot()`), which tokens have settled, the order
        counter, the open orders with their reservations, the fills and order updates not
        yet reported by `advance`, the last price and book rows crossed against resting
        orders (as times), and the book or bar liquidity already taken. Not kept: the
        reporting history (`fills`, `fill_models`, `conversions`) and the config.
        """
        data = self.dataset
        books = data.books
        return {
            "version": snap.SNAPSHOT_VERSION,
            **self._portfolio.snapshot(),
            "now_ns": self.now_ns,
            "closed": self._settled.tolist(),
            "seq": self._seq,
            "orders": [_live_json(live) for live in self._active.values()],
            "fills": [snap.fill_json(fill) for fill in self._events.fills],
            "updates": [snap.order_json(order) for order in self._events.updates],
            "crossed_ns": int(data.times[self._last_row]) if self._last_row >= 0 else None,
            "crossed_book_ns": (
                int(books.times[self._last_book_row]) if self._last_book_row >= 0 else None
            ),
            "taken": self._venue.taken_json(),
        }

    @classmethod
    def restore(
        cls, state: dict[str, Any], dataset: Dataset, config: SimConfig | None = None
    ) -> SimBroker:
        """A broker over `dataset` that continues from a `snapshot()` as if never stopped.

        Tokens are matched by id: the dataset may hold more tokens, or be a grown or newer
        copy (rows the snapshot crossed or took from are found by time; rows it does not
        have are simply new). Raises `snapshot.SnapshotError` (a DataError) naming the field
        for an unknown version or a missing, mistyped or inconsistent field, and its
        subclass `UnknownTokensError` when a position or open order is on a token the dataset
        lacks.
        """
        version = snap.version(state)
        orders = snap.records(state, "orders")
        order_cols = [
            snap.column(dataset, snap.get(item, "token_id", "str", f"orders[{i}]"))
            for i, item in enumerate(orders)
        ]
        lost = {item["token_id"] for item, c in zip(orders, order_cols, strict=True) if c < 0}
        try:
            portfolio = Portfolio.restore(state, dataset)
        except snap.UnknownTokensError as exc:
            raise snap.UnknownTokensError(sorted(lost | set(exc.tokens))) from None
        if lost:
            raise snap.UnknownTokensError(sorted(lost))
        tokens, cols = snap.columns(state, dataset)
        closed = snap.per_token(state, "closed", "bool", len(tokens))
        broker = cls(dataset, portfolio.initial_cash, config)
        broker._portfolio = portfolio
        known = cols >= 0
        broker._settled[cols[known]] = np.asarray(closed, dtype=bool)[known]
        waiting = broker._resolve_due[~broker._settled]
        broker._next_settle = int(waiting.min()) if waiting.size else NEVER
        broker._seq = snap.get(state, "seq", "int")
        broker.now_ns = portfolio.now_ns
        for i, (item, col) in enumerate(zip(orders, order_cols, strict=True)):
            live = _live_from(item, col, f"orders[{i}]")
            if live.order.client_id in broker._active:
                raise snap.SnapshotError(
                    f"orders[{i}].client_id", "a client id unique among the orders",
                    live.order.client_id,
                )  # fmt: skip
            broker._active[live.order.client_id] = live
            if live.order.status is OrderStatus.OPEN:
                broker._resting.append(live)
            elif live.order.status is OrderStatus.PENDING:
                broker._pending.append(live)
            else:
                raise snap.SnapshotError(
                    f"orders[{i}].status", "'pending' or 'open' (an active order)",
                    live.order.status.value,
                )  # fmt: skip
        broker._pending.sort(key=lambda x: x.arrival_ns)
        broker._next_until = min((x.until_ns for x in broker._active.values()), default=NEVER)
        broker._events.fills = [
            snap.fill_from(item, f"fills[{i}]")
            for i, item in enumerate(snap.records(state, "fills"))
        ]
        broker._events.updates = [
            snap.order_from(item, f"updates[{i}]")
            for i, item in enumerate(snap.records(state, "updates"))
        ]
        if version >= 2:
            broker._restore_crossing(state)
        return broker

    def _restore_crossing(self, state: dict[str, Any]) -> None:
        """Rows already crossed against resting orders and liquidity already taken (v2+)."""
        crossed = snap.get(state, "crossed_ns", "int?")
        crossed_book = snap.get(state, "crossed_book_ns", "int?")
        books = self.dataset.books
        if crossed is not None:
            self._last_row = self._venue.grid_row(crossed)
        if crossed_book is not None and books is not None:
            self._last_book_row = books.index_at(crossed_book)
        self._venue.restore_taken(snap.records(state, "taken"))

    # ----- account actions (split, merge, convert) ----------------------------------------------

    def split(self, market_id: str, amount: float, now_ns: int) -> None:
        """Pay `amount` USDC for `amount` YES + `amount` NO shares of an open market."""
        yes, no = self._legs(market_id, amount, now_ns)
        if amount > self._portfolio.available_cash() + _EPS:
            raise ValidationError(
                "amount",
                f"at most the available cash {self._portfolio.available_cash():.6f}",
                amount,
            )
        self._portfolio.split(yes, no, float(amount))
        self.conversions.append(Conversion("split", (market_id,), float(amount), int(now_ns)))

    def merge(self, market_id: str, amount: float, now_ns: int) -> None:
        """Turn `amount` YES + `amount` NO shares of an open market back into USDC."""
        yes, no = self._legs(market_id, amount, now_ns)
        held = min(self._portfolio.available_shares(yes), self._portfolio.available_shares(no))
        if amount > held + _EPS:
            raise ValidationError("amount", f"at most the complete sets held {held:.6f}", amount)
        self._portfolio.merge(yes, no, float(amount))
        self.conversions.append(Conversion("merge", (market_id,), float(amount), int(now_ns)))

    def convert(self, market_ids: list[str], amount: float, now_ns: int) -> None:
        """Neg-risk conversion: `amount` NO of each listed market of one neg-risk event become
        (k−1)·amount USDC and `amount` YES of each of the event's other markets."""
        data = self.dataset
        ids = list(dict.fromkeys(market_ids))
        if not ids:
            raise ValidationError("market_ids", "at least one market of a neg-risk event", ids)
        for mid in ids:
            self._legs(mid, amount, now_ns)
        events = data.markets.loc[ids, "event_id"]
        neg = data.markets.loc[ids, "neg_risk"]
        if not bool(neg.all()) or events.isna().any() or events.nunique() != 1:
            raise ValidationError(
                "market_ids", "markets of one neg-risk event", list(zip(ids, events, strict=True))
            )
        members = data.markets.index[data.markets["event_id"] == events.iloc[0]]
        no_cols = np.array([self._leg_cols(mid)[1] for mid in ids], dtype=np.int64)
        yes_cols = np.array(
            [self._leg_cols(mid)[0] for mid in members if mid not in ids], dtype=np.int64
        )
        for col in no_cols:
            if amount > self._portfolio.available_shares(int(col)) + _EPS:
                raise ValidationError(
                    "amount",
                    f"at most the NO shares held of {data.token_ids[col]!r} "
                    f"({self._portfolio.available_shares(int(col)):.6f})",
                    amount,
                )
        self._portfolio.convert(no_cols, yes_cols, float(amount))
        self.conversions.append(Conversion("convert", tuple(ids), float(amount), int(now_ns)))

    def _leg_cols(self, market_id: str) -> tuple[int, int]:
        tokens = self.dataset.tokens
        rows = tokens[tokens["market_id"] == market_id]
        if len(rows) != 2:
            raise ValidationError("market_id", "a market of this dataset", market_id)
        yes = rows.index[rows["is_yes"].to_numpy()][0]
        no = rows.index[~rows["is_yes"].to_numpy()][0]
        return self.dataset.column(yes), self.dataset.column(no)

    def _legs(self, market_id: str, amount: float, now_ns: int) -> tuple[int, int]:
        if isinstance(amount, bool) or not isinstance(amount, (int, float)):
            raise ValidationError("amount", "a number of complete sets > 0", amount)
        if not math.isfinite(amount) or amount <= 0:
            raise ValidationError("amount", "a number of complete sets > 0", amount)
        yes, no = self._leg_cols(market_id)
        if not self.is_open(yes, int(now_ns)):
            raise ValidationError("market_id", "a market open for trading now", market_id)
        return yes, no

    # ----- what the results report ------------------------------------------------------------

    def fill_model_counts(self) -> dict[str, int]:
        """How many fills each fill model produced (book, bar, trades)."""
        return dict(Counter(self.fill_models))

    def fills_frame(self) -> pd.DataFrame:
        """Every fill as a row, with the fill model that produced it (`model` column)."""
        rows = [
            {
                "timestamp": f.timestamp,
                "order_id": f.order_id,
                "token_id": f.token_id,
                "side": f.side.value,
                "price": f.price,
                "size": f.size,
                "fee_usdc": f.fee_usdc,
                "fee_shares": f.fee_shares,
                "fee": f.fee,
                "liquidity": f.liquidity.value,
                "model": model,
            }
            for f, model in zip(self.fills, self.fill_models, strict=True)
        ]
        columns = ["timestamp", "order_id", "token_id", "side", "price", "size", "fee_usdc",
                   "fee_shares", "fee", "liquidity", "model"]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def fill_model_notes(self) -> list[str]:
        """Plain sentences on the fill assumptions this run relied on, for results and reports."""
        counts = self.fill_model_counts()
        total = sum(counts.values())
        cfg = self.config
        notes = [f"latency {cfg.latency_ms:g} ms from decision to book"]
        if counts.get(BAR):
            notes.append(
                f"{counts[BAR]} of {total} fills had no order book: bar price ± half the "
                f"spread (observed, else {cfg.default_spread:g}), at most {cfg.bar_depth:g} "
                "shares per order per bar"
            )
        if counts.get(BOOK):
            notes.append(f"{counts[BOOK]} of {total} fills walked or crossed book snapshots")
        if counts.get(TRADES):
            queue = "with" if cfg.queue_position else "without"
            notes.append(
                f"{counts[TRADES]} of {total} fills were resting orders hit by later trades "
                f"({queue} queue position)"
            )
        return notes

    # ----- venue rules --------------------------------------------------------------------------

    def is_open(self, col: int, t: int) -> bool:
        """Whether the market of token column `col` accepts orders at `t` (ns)."""
        data = self.dataset
        return bool(
            data.start_ns[col] <= t < data.end_ns[col]
            and t < data.resolve_ns[col]
            and not self._settled[col]
        )

    def _limit(self, order: Order) -> float:
        if order.price is not None:
            return float(order.price)
        return 1.0 if order.side is Side.BUY else 0.0

    def _until(self, order: Order, col: int) -> int:
        data = self.dataset
        until = min(int(data.end_ns[col]), int(data.resolve_ns[col]))
        if order.order_type is OrderType.GTD and order.expiration is not None:
            until = min(until, to_ns(order.expiration))
        return until

    def _venue_check(self, order: Order, col: int, now: int) -> str:
        data = self.dataset
        tick = float(data.tick[col])
        resting = order.order_type in (OrderType.GTC, OrderType.GTD)
        if not self.is_open(col, now):
            return f"market of {order.token_id!r} is not open for trading at {_stamp(now)}"
        if order.price is not None:
            if not on_tick(order.price, tick):
                return f"price {order.price} is not on the market's tick {tick:g}"
            if not tick - _EPS <= order.price <= 1.0 - tick + _EPS:
                return f"price {order.price} outside [{tick:g}, {1 - tick:g}]"
        if resting and order.notional is not None:
            order.size = math.floor(order.notional / order.price * 100 + _EPS) / 100
            order.notional = None
        gtd = order.order_type is OrderType.GTD
        if gtd and to_ns(order.expiration) <= now + self.config.latency_ns:
            return "GTD expiration is before the order can reach the book"
        if resting and order.size < data.min_size[col] - _EPS:
            return (
                f"size {order.size:g} below the market's minimum order size "
                f"{data.min_size[col]:g} shares"
            )
        if not resting:
            value = order.notional
            if value is None:
                value = order.size * (
                    order.price or self._venue.reference_price(col, order.side is Side.BUY, now)
                )
            if math.isnan(value):
                return (
                    f"no price to value a marketable order on {order.token_id!r} "
                    "(empty book side and no bar price)"
                )
            if value < self.config.min_marketable_usdc - _EPS:
                return (
                    f"marketable order worth {value:g} USDC below the minimum "
                    f"{self.config.min_marketable_usdc:g} USDC"
                )
        portfolio = self._portfolio
        if order.side is Side.SELL:
            have = portfolio.available_shares(col)
            if order.size > have + _EPS:
                return (
                    f"cannot sell {order.size:g} shares of {order.token_id!r}: "
                    f"{have:g} available (a short is a buy of the other token)"
                )
        else:
            cash = portfolio.available_cash()
            need = order.size * order.price if resting else _EPS
            if cash < need - _EPS or cash <= _EPS:
                return f"insufficient cash: {cash:.6f} USDC available, {need:.6f} needed"
        return ""

    def _reserve(self, live: _Live) -> None:
        order = live.order
        portfolio = self._portfolio
        if not live.is_buy:
            live.reserved_shares = float(order.size)
            portfolio.reserved_shares[live.col] += live.reserved_shares
        elif order.order_type in (OrderType.GTC, OrderType.GTD):
            live.reserved_cash = float(order.size) * live.limit
            portfolio.reserved_cash += live.reserved_cash

    def _release(self, live: _Live) -> None:
        portfolio = self._portfolio
        portfolio.reserved_cash = max(portfolio.reserved_cash - live.reserved_cash, 0.0)
        portfolio.reserved_shares[live.col] = max(
            portfolio.reserved_shares[live.col] - live.reserved_shares, 0.0
        )
        live.reserved_cash = live.reserved_shares = 0.0

    def _reject(self, order: Order, reason: str) -> Order:
        order.status = OrderStatus.REJECTED
        order.reason = reason
        return order

    def _close(self, live: _Live, status: OrderStatus, reason: str, events: BrokerEvents) -> None:
        order = live.order
        self._release(live)
        self._active.pop(order.client_id, None)
        if live in self._pending:
            self._pending.remove(live)
        if live in self._resting:
            self._resting.remove(live)
            self._resting_arrays = None
        order.status = status
        order.reason = reason
        events.updates.append(order)

    # ----- matching -----------------------------------------------------------------------------

    def _arrive(self, live: _Live, t: int, events: BrokerEvents) -> None:
        order = live.order
        if not self.is_open(live.col, t):
            self._close(
                live, OrderStatus.REJECTED, "market closed before the order arrived", events
            )
            return
        resting = order.order_type in (OrderType.GTC, OrderType.GTD)
        quote = self._venue.quote(live.col, live.is_buy, t)
        if quote is not None:
            self._take(live, quote, t, events)
        if not live.order.is_active:
            return
        if resting:
            if self._remaining(live) <= _EPS:
                self._close(live, OrderStatus.FILLED, "", events)
                return
            order.status = OrderStatus.OPEN
            if self.config.queue_position and quote is not None and quote.model == BOOK:
                live.queue_ahead = self._venue.queue_at(live.col, live.is_buy, live.limit, t)
            self._resting.append(live)
            self._resting_arrays = None
            return
        if self._remaining(live) <= _EPS:
            self._close(live, OrderStatus.FILLED, "", events)
        elif order.filled_size > 0:
            self._close(
                live, OrderStatus.CANCELLED, "fill-and-kill: unfilled rest cancelled", events
            )
        else:
            why = "no liquidity at the limit" if quote is not None else "no price or book"
            self._close(live, OrderStatus.CANCELLED, f"{order.order_type.value}: {why}", events)

    def _remaining(self, live: _Live) -> float:
        order = live.order
        if order.size is None:
            return live.notional_left if live.notional_left > _EPS else 0.0
        return order.remaining

    def _take(self, live: _Live, quote: Quote, t: int, events: BrokerEvents) -> None:
        order = live.order
        shares = order.remaining if order.size is not None else math.inf
        budget = math.inf
        if live.is_buy:
            budget = min(live.notional_left, self._portfolio.available_cash() + live.reserved_cash)
        take = walk_book(quote.px, quote.sz, live.limit, live.is_buy, shares, budget)
        got = float(take.sum())
        if order.order_type is OrderType.FOK:
            if order.size is not None:
                short = got < shares - _EPS
            else:
                short = float((take * quote.px).sum()) < live.notional_left - 1e-6
            if short:
                self._close(
                    live, OrderStatus.CANCELLED, "FOK: not enough liquidity or cash", events
                )
                return
        if got <= 0:
            return
        self._venue.consume(quote, take)
        for level in np.flatnonzero(take > 0):
            self._fill(
                live,
                float(quote.px[level]),
                float(take[level]),
                t,
                Liquidity.TAKER,
                quote.model,
                events,
            )

    def _fill(
        self,
        live: _Live,
        price: float,
        size: float,
        t: int,
        liquidity: Liquidity,
        model: str,
        events: BrokerEvents,
    ) -> None:
        order = live.order
        col = live.col
        fee_usdc = fee_shares = 0.0
        if liquidity is Liquidity.TAKER:
            rate = float(self._fee_rate[col])
            exponent = self.config.fee_exponent
            if live.is_buy:
                fee_shares = pm_buy_fee_shares(size, price, rate, exponent)
            else:
                fee_usdc = pm_taker_fee(size, price, rate, exponent)
        fill = Fill(
            order.client_id,
            order.token_id,
            order.side,
            price,
            size,
            _stamp(t),
            fee_usdc,
            fee_shares,
            liquidity,
        )
        portfolio = self._portfolio
        if live.is_buy:
            release = min(live.reserved_cash, size * live.limit)
            live.reserved_cash -= release
            portfolio.reserved_cash = max(portfolio.reserved_cash - release, 0.0)
            live.notional_left -= size * price
        else:
            release = min(live.reserved_shares, size)
            live.reserved_shares -= release
            portfolio.reserved_shares[col] = max(portfolio.reserved_shares[col] - release, 0.0)
        portfolio.apply_fill(col, fill)
        order.filled_size += size
        events.fills.append(fill)
        self.fills.append(fill)
        self.fill_models.append(model)

    # ----- resting orders -----------------------------------------------------------------------

    def _arrays(self) -> tuple[np.ndarray, ...]:
        """Columns of the resting orders for the crossing kernel (rebuilt after any change)."""
        if self._resting_arrays is None:
            rest = self._resting
            cols = np.array([x.col for x in rest], dtype=np.int64)
            self._resting_arrays = (
                cols,
                np.array([x.is_buy for x in rest], dtype=np.bool_),
                np.array([x.limit for x in rest], dtype=np.float64),
                np.array([x.order.remaining for x in rest], dtype=np.float64),
                np.array([x.arrival_ns for x in rest], dtype=np.int64),
                np.array([x.until_ns for x in rest], dtype=np.int64),
                self._venue.model_of[cols],
            )
        return self._resting_arrays

    def _cross_resting(self, now: int, events: BrokerEvents) -> None:
        data = self.dataset
        row_now = self._venue.grid_row(now)
        book_now = data.books.index_at(now) if data.books is not None else -1
        if self._resting:
            models = self._arrays()[-1]
            if (models == MODEL_BOOK).any():
                for row in range(self._last_book_row + 1, book_now + 1):
                    self._apply_cross(*self._venue.book_reference(row), BOOK, events)
            if (models == MODEL_BAR).any():
                for row in range(self._last_row + 1, row_now + 1):
                    self._apply_cross(*self._venue.bar_reference(row), BAR, events)
            if (models == MODEL_TRADES).any():
                self._cross_trades(now, events)
        self._last_row = max(self._last_row, row_now)
        self._last_book_row = max(self._last_book_row, book_now)

    def _apply_cross(
        self, t: int, ref_px: np.ndarray, ref_sz: np.ndarray, model: str, events: BrokerEvents
    ) -> None:
        if not self._resting:
            return
        cols, is_buy, limits, remaining, arrival, until, _ = self._arrays()
        fills = cross_resting(cols, is_buy, limits, remaining, arrival, until, t, ref_px, ref_sz)
        hit = [self._resting[j] for j in np.flatnonzero(fills > 0)]
        if not hit:
            return
        for live, size in zip(hit, fills[fills > 0], strict=True):
            self._fill(live, live.limit, float(size), t, Liquidity.MAKER, model, events)
        self._resting_arrays = None
        for live in hit:
            if live.order.remaining <= _EPS:
                self._close(live, OrderStatus.FILLED, "", events)

    def _cross_trades(self, now: int, events: BrokerEvents) -> None:
        for live in list(self._resting):
            if live.col not in self._venue.trades:
                continue
            ts, px, sz = self._venue.trades[live.col]
            start = max(live.checked_ns, live.arrival_ns)
            end = min(now, live.until_ns - 1)
            lo = int(np.searchsorted(ts, start, side="right"))
            hi = int(np.searchsorted(ts, end, side="right"))
            live.checked_ns = max(live.checked_ns, now)
            for i in range(lo, hi):
                remaining = live.order.remaining
                if remaining <= _EPS:
                    break
                through = px[i] < live.limit - _EPS if live.is_buy else px[i] > live.limit + _EPS
                volume = sz[i] if through else 0.0
                if not through and self.config.queue_position and abs(px[i] - live.limit) < _EPS:
                    used = min(live.queue_ahead, sz[i])
                    live.queue_ahead -= used
                    volume = sz[i] - used
                if volume > _EPS:
                    size = min(remaining, float(volume))
                    self._fill(live, live.limit, size, int(ts[i]), Liquidity.MAKER, TRADES, events)
                    self._resting_arrays = None
            if live.order.remaining <= _EPS:
                self._close(live, OrderStatus.FILLED, "", events)

    # ----- time-driven events -------------------------------------------------------------------

    def _expire(self, now: int, events: BrokerEvents) -> None:
        if now < self._next_until:
            return
        for live in [x for x in self._active.values() if x.until_ns <= now]:
            order = live.order
            if order.order_type is OrderType.GTD and to_ns(order.expiration) == live.until_ns:
                self._close(live, OrderStatus.EXPIRED, "GTD expiration reached", events)
            else:
                self._close(live, OrderStatus.CANCELLED, "market ended", events)
        self._next_until = min((x.until_ns for x in self._active.values()), default=NEVER)

    def _settle(self, now: int, events: BrokerEvents) -> None:
        if now < self._next_settle:
            return
        data = self.dataset
        due = np.flatnonzero(~self._settled & (self._resolve_due <= now))
        self._settled[due] = True
        waiting = self._resolve_due[~self._settled]
        self._next_settle = int(waiting.min()) if waiting.size else NEVER
        states = data.markets["resolution_state"].to_numpy()[data.token_market]
        for col in due:
            shares = float(self._portfolio.shares[col])
            if shares == 0.0:
                continue
            settlement = Settlement(
                str(data.token_ids[col]),
                shares,
                float(data.payout[col]),
                _stamp(int(data.resolve_ns[col])),
                ResolutionState(states[col]),
            )
            self._portfolio.apply_settlement(int(col), settlement)
            events.settlements.append(settlement)
