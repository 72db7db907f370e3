"""Complement arbitrage: a YES + NO pair below 1 USDC, or above it, after taker fees."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.errors import ValidationError
from alpha_arena.strategy import Context, Strategy
from strategies._common import BasketTrader, Layout, layout, polymarket_baskets


@dataclass
class ComplementArb(Strategy):
    """Trade a complete set against its payout of exactly 1 USDC.

    Idea: one YES share plus one NO share of a binary market always pay 1 USDC together.
    When the asks of both, walked level by level by the arbitrage kernels with the taker
    fee (taken in shares on buys, so legs are matched in shares received), cost less than
    1 − `min_edge` per set, buy both legs with fill-or-kill orders; with `merge`, the sets
    held are merged back into USDC at once (no capital waits for resolution). With
    `sell_side`, when the bids of both pay more than 1 + `min_edge` per set after fees,
    mint sets (split 1 USDC into YES + NO) and sell both legs.

    A leg that fails to fill (latency, depth taken by others) leaves a one-sided
    position that waits for resolution.

    Parameters: `min_edge` (profit per complete set after fees, USDC), `max_sets` (sets
    per opportunity), `merge` (merge held sets into USDC), `sell_side` (also mint and sell).
    """

    min_edge: float = 0.005
    max_sets: float = 500.0
    merge: bool = True
    sell_side: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.min_edge < 1:
            raise ValidationError("min_edge", "USDC per set in [0, 1)", self.min_edge)
        if self.max_sets < 5:
            raise ValidationError("max_sets", "at least the 5-share minimum", self.max_sets)

    def on_start(self, ctx: Context) -> None:
        from alpha_arena.arbitrage import COMPLEMENT_BUY, COMPLEMENT_SELL
        from alpha_arena.arbitrage.kernels import BUY, SELL

        self._lay: Layout = layout(ctx)
        pairs = np.flatnonzero(self._lay.binary)
        names = [str(m) for m in self._lay.market_ids[pairs]]
        legs = [[int(self._lay.yes[m]), int(self._lay.no[m])] for m in pairs]
        self._buy = polymarket_baskets(COMPLEMENT_BUY, BUY, names, legs, self._lay, ctx.token_ids)
        self._sell = polymarket_baskets(
            COMPLEMENT_SELL, SELL, names, legs, self._lay, ctx.token_ids
        )
        self._trader = BasketTrader(self.min_edge, self.max_sets)
        self._book_ns = -1

    def on_snapshot(self, ctx: Context) -> None:
        if self.merge:
            self._merge_sets(ctx)
        books = ctx.book_arrays()
        if books is None or books.t_ns == self._book_ns:
            return
        self._book_ns = books.t_ns
        self._trader.take(ctx, self._buy)
        if self.sell_side:
            self._trader.take(ctx, self._sell, split=True)

    def _merge_sets(self, ctx: Context) -> None:
        lay = self._lay
        yes, no = np.maximum(lay.yes, 0), np.maximum(lay.no, 0)
        open_now = ctx.tradeable()
        shares = ctx.portfolio.shares
        held = lay.binary & open_now[yes] & open_now[no] & (shares[yes] > 0) & (shares[no] > 0)
        if not held.any():
            return
        busy = np.zeros(len(shares), dtype=bool)
        for order in ctx.open_orders():
            busy[ctx.column(order.token_id)] = True
        for m in np.flatnonzero(held & ~busy[yes] & ~busy[no]):
            ctx.merge(str(lay.market_ids[m]), float(min(shares[yes[m]], shares[no[m]])))
