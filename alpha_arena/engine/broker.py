"""The broker contract the engine drives: the simulated, paper and CLOB brokers all meet it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from alpha_arena.types import BrokerEvents, Order

if TYPE_CHECKING:
    from alpha_arena.sim.portfolio import Portfolio


@runtime_checkable
class Broker(Protocol):
    """Takes orders, reports fills and settlements, owns the account's `Portfolio`.

    Times are int64 ns. `submit` validates venue rules at once (tick, minimum size, market
    open, cash and shares available) and returns the order, REJECTED with a reason or
    PENDING until it reaches the venue; `advance(now)` processes everything that happened
    up to `now` (arrivals after latency, matching, expiries, end-of-market cancels,
    resolution payouts) and returns it.
    """

    @property
    def portfolio(self) -> Portfolio:
        """The account: cash, positions, reservations, PnL."""
        ...

    def submit(self, order: Order, now_ns: int) -> Order:
        """Accept or reject an order decided at `now_ns`."""
        ...

    def cancel(self, client_id: str, now_ns: int) -> bool:
        """Cancel one open order; False if it is unknown or no longer active."""
        ...

    def cancel_all(self, now_ns: int, token_id: str | None = None) -> int:
        """Cancel every open order (of one token if given); returns how many."""
        ...

    def open_orders(self) -> list[Order]:
        """Orders still pending or resting."""
        ...

    def advance(self, now_ns: int) -> BrokerEvents:
        """Process the venue up to `now_ns` and return what happened."""
        ...
