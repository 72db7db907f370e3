"""Complement arbitrage: buy YES and NO of one market when both asks cost less than 1."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.errors import ValidationError
from alpha_arena.strategy import Context, Strategy
from alpha_arena.types import OrderType
from strategies._common import Layout, basket_size, busy_tokens, layout


@dataclass
class ComplementArb(Strategy):
    """Lock in a complete set below its payout.

    Idea: one YES share plus one NO share of a binary market always pay exactly 1 USDC
    together. When the best YES ask plus the best NO ask, after the taker fees (taken in
    shares on buys), cost less than 1 − `min_edge` per complete set, buy both legs with
    fill-or-kill orders at those asks. With `merge`, complete sets held are merged back into
    USDC at once (the venue's merge), so capital is not locked until resolution.

    Only the best level of each book is used; a leg that fails to fill (latency, depth)
    leaves a one-sided position that waits for resolution.

    Parameters: `min_edge` (profit per complete set after fees, USDC), `max_shares`
    (shares per leg and opportunity), `merge` (merge complete sets into USDC).
    """

    min_edge: float = 0.005
    max_shares: float = 500.0
    merge: bool = True

    def __post_init__(self) -> None:
        if self.min_edge < 0:
            raise ValidationError("min_edge", "USDC per set >= 0", self.min_edge)
        if self.max_shares < 5:
            raise ValidationError("max_shares", "at least the 5-share minimum", self.max_shares)

    def on_start(self, ctx: Context) -> None:
        self._lay: Layout = layout(ctx)
        self._book_ns = -1

    def on_snapshot(self, ctx: Context) -> None:
        lay = self._lay
        yes, no = np.maximum(lay.yes, 0), np.maximum(lay.no, 0)
        open_now = ctx.tradeable()
        live = lay.binary & open_now[yes] & open_now[no]
        if self.merge:
            shares = ctx.portfolio.shares
            for m in np.flatnonzero(live & (shares[yes] > 0) & (shares[no] > 0)):
                sets = float(min(shares[yes[m]], shares[no[m]]))
                ctx.merge(str(lay.market_ids[m]), sets)
        books = ctx.book_arrays()
        if books is None or books.t_ns == self._book_ns:
            return
        self._book_ns = books.t_ns
        ask = books.ask_px[:, 0]
        cost = ask[yes] + ask[no]
        fee = lay.fee_rate
        net = np.minimum(1.0 - fee[yes] * (1.0 - ask[yes]), 1.0 - fee[no] * (1.0 - ask[no]))
        gross_per_set = cost / net
        found = np.flatnonzero(live & (gross_per_set < 1.0 - self.min_edge))
        if found.size == 0:
            return
        busy = busy_tokens(ctx)
        for m in found:
            legs = np.array([yes[m], no[m]])
            if busy[legs].any():
                continue
            size, profit = basket_size(
                ask[legs], books.ask_sz[legs, 0], fee[legs], ctx.cash, self.max_shares
            )
            if size < 5 or profit < self.min_edge * size:
                continue
            ctx.signal(market=str(lay.market_ids[m]), kind="complement", size=size, profit=profit)
            for col in legs:
                ctx.buy(ctx.token_ids[col], size, price=float(ask[col]), order_type=OrderType.FOK)
