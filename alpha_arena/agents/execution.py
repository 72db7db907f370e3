"""ExecutionAgent: order type, limit price and slices from the book.

Cross (immediate FAK orders) when the edge at the best ask is at least `cross_edge`, taking
each ask level while the edge after fees stays at least `min_edge`, at most
`participation` of each level's size (slicing by depth). Otherwise rest a GTC bid one tick
above the best bid (never at or through the ask, never above the last price with edge).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from alpha_arena.agents.config import AgentsConfig
from alpha_arena.agents.risk import Sizing, net_edge
from alpha_arena.agents.view import MarketView
from alpha_arena.types import OrderType


@dataclass(frozen=True)
class OrderPlan:
    """One buy order to place: shares of a token at a limit price, and why."""

    token_id: str
    shares: float
    price: float
    order_type: OrderType
    reason: str


def _floor_tick(price: float, tick: float) -> float:
    return round(math.floor(price / tick + 1e-9) * tick, 6)


def max_price_with_edge(prob: float, fee_rate: float, min_edge: float, tick: float) -> float:
    """The highest price on the tick grid at which the edge after fees is >= `min_edge`."""
    price = _floor_tick(min(prob - min_edge, 1.0 - tick), tick)
    while price > 0 and net_edge(prob, price, fee_rate) < min_edge:
        price = round(price - tick, 6)
    return price


class ExecutionAgent:
    """Turns an approved `Sizing` into order plans for `ctx.buy`."""

    def __init__(self, config: AgentsConfig | None = None) -> None:
        self.config = config or AgentsConfig()

    def plan(self, view: MarketView, sizing: Sizing) -> list[OrderPlan]:
        """Orders that spend at most `sizing.usdc`; empty when nothing sensible can be placed."""
        if not sizing.approved:
            return []
        cfg = self.config
        book = view.yes_book if sizing.token_id == view.yes_token else view.no_book
        tick = book.tick_size if book is not None else 0.01
        limit = max_price_with_edge(sizing.probability, view.fee_rate, cfg.min_edge, tick)
        if limit <= 0:
            return []
        if book is not None and book.ask_prices.size:
            best = float(book.ask_prices[0])
            if net_edge(sizing.probability, best, view.fee_rate) >= cfg.cross_edge:
                return self._cross(book, sizing, limit)
        return self._rest(book, sizing, limit, view, tick)

    def _cross(self, book, sizing: Sizing, limit: float) -> list[OrderPlan]:
        plans, budget = [], sizing.usdc
        for price, size in zip(book.ask_prices, book.ask_sizes, strict=True):
            price = float(price)
            if price > limit + 1e-9 or budget < self.config.min_order_usdc:
                break
            shares = math.floor(min(budget / price, float(size) * self.config.participation) * 100)
            shares /= 100
            if shares * price < self.config.min_order_usdc:
                continue
            plans.append(
                OrderPlan(
                    sizing.token_id,
                    shares,
                    price,
                    OrderType.FAK,
                    f"cross ask level {price:.3f} ({shares:g} of {float(size):g})",
                )
            )
            budget -= shares * price
        return plans

    def _rest(self, book, sizing: Sizing, limit: float, view: MarketView, tick: float):
        if book is not None and book.bid_prices.size:
            price = float(book.bid_prices[0]) + tick
        else:
            price = sizing.entry_price if sizing.side == "YES" else 1.0 - view.yes_price
        if book is not None and book.ask_prices.size:
            price = min(price, float(book.ask_prices[0]) - tick)
        price = min(_floor_tick(price, tick), limit)
        if price <= 0:
            return []
        shares = math.floor(sizing.usdc / price * 100) / 100
        if shares * price < self.config.min_order_usdc:
            return []
        return [
            OrderPlan(sizing.token_id, shares, price, OrderType.GTC, f"rest bid at {price:.3f}")
        ]
