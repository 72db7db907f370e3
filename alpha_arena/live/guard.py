"""`StaleGuard`: a broker wrapper that takes no new orders on tokens the live feed marks stale
(or whose market resolved)."""

from __future__ import annotations

from collections.abc import Callable

from alpha_arena.engine.broker import Broker
from alpha_arena.sim.portfolio import Portfolio
from alpha_arena.types import BrokerEvents, Order, OrderStatus


class StaleGuard:
    """Meets the `Broker` contract; `stale()` and `resolved()` name the tokens to refuse
    orders on."""

    def __init__(
        self,
        broker: Broker,
        stale: Callable[[], set[str]],
        resolved: Callable[[], set[str]] = set,
    ) -> None:
        self.inner = broker
        self._stale = stale
        self._resolved = resolved

    @property
    def portfolio(self) -> Portfolio:
        """The wrapped broker's account."""
        return self.inner.portfolio

    def submit(self, order: Order, now_ns: int) -> Order:
        """Refuse orders on stale tokens and resolved markets; pass the rest on."""
        if order.token_id in self._resolved():
            order.status = OrderStatus.REJECTED
            order.reason = f"market resolved: no new orders on {order.token_id!r}"
            return order
        if order.token_id in self._stale():
            order.status = OrderStatus.REJECTED
            order.reason = f"stale data: no fresh book for {order.token_id!r}"
            return order
        return self.inner.submit(order, now_ns)

    def cancel(self, client_id: str, now_ns: int) -> bool:
        """Cancels always go through."""
        return self.inner.cancel(client_id, now_ns)

    def cancel_all(self, now_ns: int, token_id: str | None = None) -> int:
        """Cancels always go through."""
        return self.inner.cancel_all(now_ns, token_id)

    def open_orders(self) -> list[Order]:
        """The wrapped broker's open orders."""
        return self.inner.open_orders()

    def advance(self, now_ns: int) -> BrokerEvents:
        """The wrapped broker's events."""
        return self.inner.advance(now_ns)
