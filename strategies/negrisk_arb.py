"""Neg-risk arbitrage: buy every outcome of a neg-risk event when all YES asks sum below 1."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.errors import ValidationError
from alpha_arena.strategy import Context, Strategy
from alpha_arena.types import OrderType
from strategies._common import Layout, basket_size, busy_tokens, layout


def event_legs(ctx: Context, lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Neg-risk events with ≥ 2 markets: their ids and a (events, max outcomes) matrix of
    YES columns padded with −1."""
    markets = ctx.markets
    neg = markets["neg_risk"].to_numpy(dtype=bool) & markets["event_id"].notna().to_numpy()
    groups: dict[str, list[int]] = {}
    for m in np.flatnonzero(neg & (lay.yes >= 0)):
        groups.setdefault(str(markets["event_id"].iloc[m]), []).append(int(lay.yes[m]))
    events = {eid: cols for eid, cols in groups.items() if len(cols) >= 2}
    width = max((len(cols) for cols in events.values()), default=0)
    legs = np.full((len(events), width), -1, dtype=np.int64)
    for i, cols in enumerate(events.values()):
        legs[i, : len(cols)] = cols
    return np.array(list(events), dtype=object), legs


@dataclass
class NegRiskArb(Strategy):
    """Buy the whole field of a neg-risk event below 1 USDC.

    Idea: exactly one outcome of a neg-risk event resolves YES, so one YES share of every
    outcome pays exactly 1 USDC. When the best YES asks of all outcomes, after taker fees
    (taken in shares on buys), sum below 1 − `min_edge` per basket, buy every leg with
    fill-or-kill orders at those asks and hold to resolution. Only events whose outcomes
    are all open and quoted are traded; only the best level of each book is used.

    Parameters: `min_edge` (profit per basket after fees, USDC), `max_shares` (shares per
    leg and opportunity).
    """

    min_edge: float = 0.005
    max_shares: float = 500.0

    def __post_init__(self) -> None:
        if self.min_edge < 0:
            raise ValidationError("min_edge", "USDC per basket >= 0", self.min_edge)
        if self.max_shares < 5:
            raise ValidationError("max_shares", "at least the 5-share minimum", self.max_shares)

    def on_start(self, ctx: Context) -> None:
        self._lay: Layout = layout(ctx)
        self._events, self._legs = event_legs(ctx, self._lay)
        self._book_ns = -1

    def on_snapshot(self, ctx: Context) -> None:
        books = ctx.book_arrays()
        if books is None or books.t_ns == self._book_ns or self._legs.size == 0:
            return
        self._book_ns = books.t_ns
        legs = self._legs
        pad = legs < 0
        cols = np.maximum(legs, 0)
        ask = books.ask_px[cols, 0]
        fee = self._lay.fee_rate[cols]
        complete = np.where(pad, True, ctx.tradeable()[cols] & np.isfinite(ask)).all(axis=1)
        net = np.where(pad, 1.0, 1.0 - fee * (1.0 - ask)).min(axis=1)
        gross_per_basket = np.where(pad, 0.0, ask).sum(axis=1) / net
        found = np.flatnonzero(complete & (gross_per_basket < 1.0 - self.min_edge))
        if found.size == 0:
            return
        busy = busy_tokens(ctx)
        for e in found:
            members = legs[e][legs[e] >= 0]
            if busy[members].any():
                continue
            px = books.ask_px[members, 0]
            size, profit = basket_size(
                px, books.ask_sz[members, 0], self._lay.fee_rate[members], ctx.cash, self.max_shares
            )
            if size < 5 or profit < self.min_edge * size:
                continue
            ctx.signal(event=str(self._events[e]), kind="negrisk", size=size, profit=profit)
            for col, price in zip(members, px, strict=True):
                ctx.buy(ctx.token_ids[col], size, price=float(price), order_type=OrderType.FOK)
