"""`PaperBroker`: paper trading on live data, filled by the simulator's rules.

It is a `SimBroker` that follows the live feed's growing dataset (`SimBroker.observe`)
before every submit and advance, so a paper run fills exactly as a backtest of the same
recorded data would. Nothing is sent anywhere; the account lives in memory.
"""

from __future__ import annotations

from collections.abc import Callable

from alpha_arena.data import Dataset
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.sim.portfolio import Portfolio
from alpha_arena.types import BrokerEvents, Order


class PaperBroker:
    """The engine's `Broker` for dry runs: `dataset()` is the data known now."""

    def __init__(
        self, dataset: Callable[[], Dataset], cash: float, config: SimConfig | None = None
    ) -> None:
        self._dataset = dataset
        self.sim = SimBroker(dataset(), cash, config)

    @property
    def portfolio(self) -> Portfolio:
        """The paper account."""
        return self.sim.portfolio

    def submit(self, order: Order, now_ns: int) -> Order:
        """Check and match the order against the latest live data."""
        self.sim.observe(self._dataset())
        return self.sim.submit(order, now_ns)

    def cancel(self, client_id: str, now_ns: int) -> bool:
        """Cancel one open paper order."""
        return self.sim.cancel(client_id, now_ns)

    def cancel_all(self, now_ns: int, token_id: str | None = None) -> int:
        """Cancel every open paper order (of one token if given)."""
        return self.sim.cancel_all(now_ns, token_id)

    def open_orders(self) -> list[Order]:
        """Paper orders pending or resting."""
        return self.sim.open_orders()

    def advance(self, now_ns: int) -> BrokerEvents:
        """Match resting orders against the data that arrived since the last cycle."""
        self.sim.observe(self._dataset())
        return self.sim.advance(now_ns)
