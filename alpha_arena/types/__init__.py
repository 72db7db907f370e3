"""Plain data types every module shares: markets, tokens, books, trades, orders, fills, positions.

They validate on construction and name the offending field, so bad data fails where it
enters, not deep inside a kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import numpy as np

from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import to_datetime

TICK_SIZES = (0.1, 0.01, 0.001, 0.0001)
"""The tick sizes Polymarket's CLOB uses."""

SHARE_STEP = 0.01
"""The CLOB takes share sizes in steps of 0.01 (two decimals)."""

_TICK_TOLERANCE = 1e-9


def floor_shares(shares: float) -> float:
    """Round a share amount down to the venue's 0.01-share step (float noise forgiven)."""
    return math.floor(shares / SHARE_STEP + 1e-6) * SHARE_STEP


class Side(StrEnum):
    """The side of an order or of a trade's taker."""

    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    """Polymarket's order types: resting (GTC, GTD) and immediate (FOK, FAK)."""

    GTC = "GTC"
    GTD = "GTD"
    FOK = "FOK"
    FAK = "FAK"


class OrderStatus(StrEnum):
    """Where an order is in its life."""

    PENDING = "pending"
    OPEN = "open"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"


class Liquidity(StrEnum):
    """Whether a fill took liquidity from the book or provided it."""

    MAKER = "maker"
    TAKER = "taker"


class ResolutionState(StrEnum):
    """A market's settlement state."""

    UNRESOLVED = "unresolved"
    RESOLVED = "resolved"
    VOID = "void"


def on_tick(price: float, tick: float) -> bool:
    """True when price is a whole number of ticks (within float noise)."""
    steps = price / tick
    return abs(steps - round(steps)) <= _TICK_TOLERANCE * max(1.0, abs(steps))


def _check_probability(value: float, name: str, where: str) -> None:
    if not isinstance(value, (int, float, np.floating)) or not math.isfinite(value):
        raise ValidationError(name, "a finite number", value, where=where)
    if not 0.0 <= value <= 1.0:
        raise ValidationError(name, "a price in [0, 1]", value, where=where)


def _check_size(value: float, name: str, where: str) -> None:
    if not isinstance(value, (int, float, np.floating)) or not math.isfinite(value):
        raise ValidationError(name, "a finite number", value, where=where)
    if value < 0:
        raise ValidationError(name, "a size >= 0", value, where=where)


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a market settled: the winning outcome label, void (pays 0.5), or not yet."""

    state: ResolutionState = ResolutionState.UNRESOLVED
    winning_outcome: str | None = None
    time: datetime | None = None

    def __post_init__(self) -> None:
        where = "Resolution"
        try:
            object.__setattr__(self, "state", ResolutionState(self.state))
        except ValueError as exc:
            raise ValidationError(
                "state", "one of unresolved, resolved, void", self.state, where=where
            ) from exc
        if self.time is not None:
            object.__setattr__(self, "time", to_datetime(self.time, f"{where}.time"))
        if self.state is ResolutionState.RESOLVED:
            if not self.winning_outcome:
                raise ValidationError("winning_outcome", "an outcome label", None, where=where)
            if self.time is None:
                raise ValidationError("time", "the resolution time", None, where=where)
        elif self.winning_outcome is not None:
            raise ValidationError(
                "winning_outcome",
                f"None for a {self.state.value} market",
                self.winning_outcome,
                where=where,
            )
        if self.state is ResolutionState.VOID and self.time is None:
            raise ValidationError("time", "the time the market was voided", None, where=where)

    def payout(self, outcome: str) -> float | None:
        """Pay per share of the token with this outcome label: 1, 0, 0.5 if void, None if open."""
        if self.state is ResolutionState.RESOLVED:
            return 1.0 if outcome == self.winning_outcome else 0.0
        if self.state is ResolutionState.VOID:
            return 0.5
        return None


@dataclass(frozen=True, slots=True)
class Token:
    """One outcome token of a market (YES or NO of a binary market)."""

    token_id: str
    outcome: str
    market_id: str

    def __post_init__(self) -> None:
        for name in ("token_id", "outcome", "market_id"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValidationError(name, "a non-empty string", value, where="Token")


@dataclass(frozen=True, slots=True)
class Market:
    """A binary Polymarket market: two tokens (YES first), venue rules and its resolution.

    A neg-risk event is a group of such markets sharing `event_id` with `neg_risk=True`;
    exactly one of them resolves YES.
    """

    condition_id: str
    question: str
    tokens: tuple[Token, ...]
    slug: str = ""
    category: str = "other"
    event_id: str | None = None
    neg_risk: bool = False
    tick_size: float = 0.01
    min_order_size: float = 5.0
    start_time: datetime | None = None
    end_time: datetime | None = None
    fee_rate: float | None = None
    resolution: Resolution = field(default_factory=Resolution)
    description: str = ""

    def __post_init__(self) -> None:
        where = f"Market {self.condition_id!r}"
        if not isinstance(self.condition_id, str) or not self.condition_id:
            raise ValidationError("condition_id", "a non-empty string", self.condition_id)
        object.__setattr__(self, "tokens", tuple(self.tokens))
        if len(self.tokens) != 2:
            raise ValidationError("tokens", "exactly 2 tokens (YES, NO)", self.tokens, where=where)
        for token in self.tokens:
            if not isinstance(token, Token):
                raise ValidationError("tokens", "Token instances", token, where=where)
            if token.market_id != self.condition_id:
                raise ValidationError(
                    "tokens.market_id", f"{self.condition_id!r}", token.market_id, where=where
                )
        if self.tokens[0].token_id == self.tokens[1].token_id:
            raise ValidationError("tokens", "two distinct token ids", self.tokens, where=where)
        if not any(math.isclose(self.tick_size, t) for t in TICK_SIZES):
            raise ValidationError("tick_size", f"one of {TICK_SIZES}", self.tick_size, where=where)
        if not math.isfinite(self.min_order_size) or self.min_order_size <= 0:
            raise ValidationError("min_order_size", "a size > 0", self.min_order_size, where=where)
        if self.fee_rate is not None and not 0.0 <= self.fee_rate <= 1.0:
            raise ValidationError(
                "fee_rate", "a rate in [0, 1] or None", self.fee_rate, where=where
            )
        for name in ("start_time", "end_time"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, to_datetime(value, f"{where}.{name}"))
        if self.start_time and self.end_time and self.start_time >= self.end_time:
            raise ValidationError(
                "end_time",
                f"after start_time {self.start_time.isoformat()}",
                self.end_time.isoformat(),
                where=where,
            )
        if not isinstance(self.resolution, Resolution):
            raise ValidationError("resolution", "a Resolution", self.resolution, where=where)
        outcomes = [t.outcome for t in self.tokens]
        winner = self.resolution.winning_outcome
        if winner is not None and winner not in outcomes:
            raise ValidationError(
                "resolution.winning_outcome", f"one of {outcomes}", winner, where=where
            )

    @property
    def yes(self) -> Token:
        """The YES token (the first one, as the Gamma API lists it)."""
        return self.tokens[0]

    @property
    def no(self) -> Token:
        """The NO token."""
        return self.tokens[1]


def _as_levels(values: object, name: str, where: str) -> np.ndarray:
    array = np.ascontiguousarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValidationError(name, "a 1-D array of levels", f"{array.ndim}-D", where=where)
    return array


@dataclass(frozen=True, eq=False)
class OrderBook:
    """A snapshot of one token's book: bids and asks as float64 arrays, best level first."""

    token_id: str
    timestamp: datetime
    bid_prices: np.ndarray
    bid_sizes: np.ndarray
    ask_prices: np.ndarray
    ask_sizes: np.ndarray
    tick_size: float = 0.01

    def __post_init__(self) -> None:
        where = f"OrderBook {self.token_id!r}"
        object.__setattr__(self, "timestamp", to_datetime(self.timestamp, f"{where}.timestamp"))
        for side in ("bid", "ask"):
            prices = _as_levels(getattr(self, f"{side}_prices"), f"{side}_prices", where)
            sizes = _as_levels(getattr(self, f"{side}_sizes"), f"{side}_sizes", where)
            if prices.shape != sizes.shape:
                raise ValidationError(
                    f"{side}_sizes",
                    f"{prices.size} sizes to match {side}_prices",
                    sizes.size,
                    where=where,
                )
            for i, (price, size) in enumerate(zip(prices, sizes, strict=True)):
                _check_probability(float(price), f"{side}_prices[{i}]", where)
                _check_size(float(size), f"{side}_sizes[{i}]", where)
                if not on_tick(float(price), self.tick_size):
                    raise ValidationError(
                        f"{side}_prices[{i}]",
                        f"a multiple of the tick {self.tick_size}",
                        price,
                        where=where,
                    )
            steps = np.diff(prices)
            ordered = np.all(steps < 0) if side == "bid" else np.all(steps > 0)
            if not ordered:
                best = "descending (best bid first)" if side == "bid" else "ascending (best first)"
                raise ValidationError(f"{side}_prices", f"strictly {best}", prices, where=where)
            prices.setflags(write=False)
            sizes.setflags(write=False)
            object.__setattr__(self, f"{side}_prices", prices)
            object.__setattr__(self, f"{side}_sizes", sizes)
        if (
            self.bid_prices.size
            and self.ask_prices.size
            and self.bid_prices[0] >= self.ask_prices[0]
        ):
            raise ValidationError(
                "bid_prices[0]",
                f"below the best ask {self.ask_prices[0]}",
                self.bid_prices[0],
                where=where,
            )

    @classmethod
    def from_levels(
        cls,
        token_id: str,
        timestamp: datetime,
        bids: list[tuple[float, float]],
        asks: list[tuple[float, float]],
        tick_size: float = 0.01,
    ) -> OrderBook:
        """Build from (price, size) pairs in any order; sorts each side best-first."""
        bids = sorted(bids, key=lambda level: -level[0])
        asks = sorted(asks, key=lambda level: level[0])
        return cls(
            token_id,
            timestamp,
            np.array([p for p, _ in bids], dtype=np.float64),
            np.array([s for _, s in bids], dtype=np.float64),
            np.array([p for p, _ in asks], dtype=np.float64),
            np.array([s for _, s in asks], dtype=np.float64),
            tick_size,
        )

    @property
    def best_bid(self) -> float:
        """The highest bid, NaN when the bid side is empty."""
        return float(self.bid_prices[0]) if self.bid_prices.size else math.nan

    @property
    def best_ask(self) -> float:
        """The lowest ask, NaN when the ask side is empty."""
        return float(self.ask_prices[0]) if self.ask_prices.size else math.nan

    @property
    def mid(self) -> float:
        """The midpoint of the best bid and ask (NaN if either side is empty)."""
        return (self.best_bid + self.best_ask) / 2.0

    @property
    def spread(self) -> float:
        """Best ask minus best bid (NaN if either side is empty)."""
        return self.best_ask - self.best_bid


@dataclass(frozen=True, slots=True)
class Trade:
    """One executed trade on the venue; `side` is the taker's side."""

    token_id: str
    timestamp: datetime
    price: float
    size: float
    side: Side
    trade_id: str = ""

    def __post_init__(self) -> None:
        where = f"Trade {self.trade_id or self.token_id!r}"
        object.__setattr__(self, "timestamp", to_datetime(self.timestamp, f"{where}.timestamp"))
        _check_probability(self.price, "price", where)
        _check_size(self.size, "size", where)
        try:
            object.__setattr__(self, "side", Side(self.side))
        except ValueError as exc:
            raise ValidationError("side", "BUY or SELL", self.side, where=where) from exc


@dataclass(slots=True)
class Order:
    """An order as a strategy asks for it and a broker tracks it.

    Give `size` in shares, or `notional` in USDC for a marketable buy (as the venue's
    market orders take it). `price` is the limit: the worst price accepted; None means
    "at any price" for FOK/FAK orders.
    """

    token_id: str
    side: Side
    size: float | None = None
    price: float | None = None
    order_type: OrderType = OrderType.GTC
    notional: float | None = None
    expiration: datetime | None = None
    client_id: str = ""
    created_at: datetime | None = None
    status: OrderStatus = OrderStatus.PENDING
    filled_size: float = 0.0
    reason: str = ""

    def __post_init__(self) -> None:
        where = f"Order {self.client_id or self.token_id!r}"
        try:
            self.side = Side(self.side)
        except ValueError as exc:
            raise ValidationError("side", "BUY or SELL", self.side, where=where) from exc
        try:
            self.order_type = OrderType(self.order_type)
        except ValueError as exc:
            raise ValidationError(
                "order_type", "GTC, GTD, FOK or FAK", self.order_type, where=where
            ) from exc
        if (self.size is None) == (self.notional is None):
            raise ValidationError(
                "size",
                "exactly one of size (shares) or notional (USDC)",
                (self.size, self.notional),
                where=where,
            )
        if self.size is not None and (not math.isfinite(self.size) or self.size <= 0):
            raise ValidationError("size", "shares > 0", self.size, where=where)
        if self.notional is not None:
            if not math.isfinite(self.notional) or self.notional <= 0:
                raise ValidationError("notional", "USDC > 0", self.notional, where=where)
            if self.side is not Side.BUY:
                raise ValidationError(
                    "notional", "only on BUY orders (sell in shares)", self.notional, where=where
                )
        if self.price is not None:
            _check_probability(self.price, "price", where)
            if not 0.0 < self.price < 1.0:
                raise ValidationError(
                    "price", "a limit strictly inside (0, 1)", self.price, where=where
                )
        elif self.order_type in (OrderType.GTC, OrderType.GTD):
            raise ValidationError(
                "price", "a limit price for a resting GTC/GTD order", None, where=where
            )
        if self.order_type is OrderType.GTD:
            if self.expiration is None:
                raise ValidationError("expiration", "a time for a GTD order", None, where=where)
            self.expiration = to_datetime(self.expiration, f"{where}.expiration")

    @property
    def remaining(self) -> float:
        """Shares still to fill (for share-sized orders)."""
        return max((self.size or 0.0) - self.filled_size, 0.0)

    @property
    def is_active(self) -> bool:
        """True while the order can still fill."""
        return self.status in (OrderStatus.PENDING, OrderStatus.OPEN)


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of an order.

    `size` is the shares matched at `price`. Polymarket takes a buy's fee in shares
    (`fee_shares`, so the position grows by size - fee_shares) and a sell's in USDC
    (`fee_usdc`, deducted from the proceeds). `fee` is the fee's value in USDC either way.
    """

    order_id: str
    token_id: str
    side: Side
    price: float
    size: float
    timestamp: datetime
    fee_usdc: float = 0.0
    fee_shares: float = 0.0
    liquidity: Liquidity = Liquidity.TAKER

    def __post_init__(self) -> None:
        where = f"Fill of {self.order_id!r}"
        _check_probability(self.price, "price", where)
        _check_size(self.size, "size", where)
        _check_size(self.fee_usdc, "fee_usdc", where)
        _check_size(self.fee_shares, "fee_shares", where)
        if self.fee_shares > self.size:
            raise ValidationError(
                "fee_shares", f"at most the filled size {self.size}", self.fee_shares, where=where
            )
        object.__setattr__(self, "timestamp", to_datetime(self.timestamp, f"{where}.timestamp"))
        object.__setattr__(self, "side", Side(self.side))
        object.__setattr__(self, "liquidity", Liquidity(self.liquidity))

    @property
    def fee(self) -> float:
        """The fee's value in USDC (shares withheld are valued at the fill price)."""
        return self.fee_usdc + self.fee_shares * self.price

    @property
    def cash_delta(self) -> float:
        """USDC paid (negative) or received (positive) by this fill."""
        gross = self.price * self.size
        return -gross if self.side is Side.BUY else gross - self.fee_usdc

    @property
    def share_delta(self) -> float:
        """Shares gained (positive) or given up (negative) by this fill."""
        return self.size - self.fee_shares if self.side is Side.BUY else -self.size


@dataclass(frozen=True, slots=True)
class Settlement:
    """A position paid out at its market's resolution: `shares` × `payout` USDC (0.5 if void)."""

    token_id: str
    shares: float
    payout: float
    timestamp: datetime
    state: ResolutionState = ResolutionState.RESOLVED

    def __post_init__(self) -> None:
        where = f"Settlement {self.token_id!r}"
        _check_probability(self.payout, "payout", where)
        object.__setattr__(self, "timestamp", to_datetime(self.timestamp, f"{where}.timestamp"))
        object.__setattr__(self, "state", ResolutionState(self.state))

    @property
    def cash(self) -> float:
        """USDC credited by the settlement."""
        return self.shares * self.payout


@dataclass(slots=True)
class BrokerEvents:
    """What happened at a broker since it was last advanced: fills, settlements, order updates.

    `updates` holds orders whose status changed without a fill (rejected, cancelled,
    expired) so the engine and the logger see every order's fate.
    """

    fills: list[Fill] = field(default_factory=list)
    settlements: list[Settlement] = field(default_factory=list)
    updates: list[Order] = field(default_factory=list)

    def extend(self, other: BrokerEvents) -> None:
        """Append another batch of events to this one."""
        self.fills.extend(other.fills)
        self.settlements.extend(other.settlements)
        self.updates.extend(other.updates)


@dataclass(slots=True)
class Position:
    """Shares held in one token, their average cost, and realized PnL so far."""

    token_id: str
    shares: float = 0.0
    avg_cost: float = 0.0
    realized_pnl: float = 0.0
    fees_paid: float = 0.0


__all__ = [
    "TICK_SIZES",
    "BrokerEvents",
    "Fill",
    "Liquidity",
    "Market",
    "Order",
    "OrderBook",
    "OrderStatus",
    "OrderType",
    "Position",
    "Resolution",
    "ResolutionState",
    "Settlement",
    "Side",
    "Token",
    "Trade",
    "on_tick",
]
