"""Neg-risk arbitrage: buy every outcome of a neg-risk event when all YES asks sum below 1."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.errors import ValidationError
from alpha_arena.strategy import Context, Strategy
from strategies._common import BasketTrader, Layout, layout, polymarket_baskets


def event_legs(ctx: Context, lay: Layout) -> dict[str, list[int]]:
    """Neg-risk events with at least two markets in the data: {event id: YES columns}."""
    markets = ctx.markets
    neg = markets["neg_risk"].to_numpy(dtype=bool) & markets["event_id"].notna().to_numpy()
    events: dict[str, list[int]] = {}
    for m in np.flatnonzero(neg & (lay.yes >= 0)):
        events.setdefault(str(markets["event_id"].iloc[m]), []).append(int(lay.yes[m]))
    return {eid: cols for eid, cols in events.items() if len(cols) >= 2}


@dataclass
class NegRiskArb(Strategy):
    """Buy the whole field of a neg-risk event below 1 USDC.

    Idea: exactly one outcome of a neg-risk event resolves YES, so one YES share of every
    outcome pays exactly 1 USDC. When the YES asks of all outcomes, walked level by level
    by the arbitrage kernels with taker fees (in shares on buys, legs matched in shares
    received), sum below 1 − `min_edge` per basket, buy every leg with fill-or-kill orders
    and hold to resolution. Only events whose outcomes are all open and quoted are traded;
    all of an event's outcome markets must be in the data (a partial selection of an
    event is not a complete basket).

    Parameters: `min_edge` (profit per basket after fees, USDC), `max_sets` (baskets per
    opportunity).
    """

    min_edge: float = 0.005
    max_sets: float = 500.0

    def __post_init__(self) -> None:
        if not 0 <= self.min_edge < 1:
            raise ValidationError("min_edge", "USDC per basket in [0, 1)", self.min_edge)
        if self.max_sets < 5:
            raise ValidationError("max_sets", "at least the 5-share minimum", self.max_sets)

    def on_start(self, ctx: Context) -> None:
        from alpha_arena.arbitrage import NEGRISK_BUY
        from alpha_arena.arbitrage.kernels import BUY

        lay = layout(ctx)
        events = event_legs(ctx, lay)
        self._baskets = polymarket_baskets(
            NEGRISK_BUY, BUY, list(events), list(events.values()), lay, ctx.token_ids
        )
        self._trader = BasketTrader(self.min_edge, self.max_sets)
        self._book_ns = -1

    def on_snapshot(self, ctx: Context) -> None:
        books = ctx.book_arrays()
        if books is None or books.t_ns == self._book_ns:
            return
        self._book_ns = books.t_ns
        self._trader.take(ctx, self._baskets)
