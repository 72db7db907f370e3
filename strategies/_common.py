"""Pieces the reference strategies share: the market ↔ token layout and directional trading.

A binary market has a YES and a NO column in the price panel. Directional strategies hold
at most one side per market: long YES (+1), long NO (−1, the venue's way to short) or flat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from alpha_arena.fees import fee_rates_for
from alpha_arena.strategy import Context
from alpha_arena.types import SHARE_STEP, OrderType, floor_shares

if TYPE_CHECKING:
    from alpha_arena.arbitrage import Baskets
    from alpha_arena.data import Dataset


@dataclass(frozen=True)
class Layout:
    """Per-market YES/NO panel columns (−1 when a side is absent) and per-token fee rates."""

    market_ids: np.ndarray
    yes: np.ndarray
    no: np.ndarray
    fee_rate: np.ndarray

    @property
    def binary(self) -> np.ndarray:
        """Markets with both a YES and a NO token in the panel."""
        return (self.yes >= 0) & (self.no >= 0)


def layout(source: Context | Dataset) -> Layout:
    """The static market layout of a context's (or a dataset's) markets and tokens: no
    future information is in it."""
    markets = source.markets
    tokens = source.tokens
    row = {mid: i for i, mid in enumerate(markets.index)}
    yes = np.full(len(markets), -1, dtype=np.int64)
    no = np.full(len(markets), -1, dtype=np.int64)
    token_market = np.empty(len(tokens), dtype=np.int64)
    for col, (mid, is_yes) in enumerate(zip(tokens["market_id"], tokens["is_yes"], strict=True)):
        m = row[mid]
        token_market[col] = m
        (yes if is_yes else no)[m] = col
    fee_rate = fee_rates_for(markets)[token_market]
    return Layout(markets.index.to_numpy(), yes, no, fee_rate)


def busy_tokens(ctx: Context) -> np.ndarray:
    """Tokens with an order still pending or resting (so a step does not stack orders)."""
    busy = np.zeros(len(ctx.token_ids), dtype=bool)
    for order in ctx.open_orders():
        busy[ctx.column(order.token_id)] = True
    return busy


def held_side(ctx: Context, lay: Layout) -> np.ndarray:
    """+1 where YES is held, −1 where NO is held, 0 where flat, per binary market.

    Less than one 0.01-share step is dust the venue cannot sell: it counts as flat.
    """
    shares = ctx.portfolio.shares
    side = np.zeros(len(lay.yes), dtype=np.int64)
    ok = lay.binary
    side[ok & (shares[np.maximum(lay.yes, 0)] >= SHARE_STEP)] = 1
    side[ok & (shares[np.maximum(lay.no, 0)] >= SHARE_STEP)] = -1
    return side


@dataclass
class Directional:
    """Turns per-market entry and exit signals into orders.

    `enter` is +1 (buy YES), −1 (buy NO) or 0 per market; `exit_long`/`exit_short` say
    where a held YES/NO position should be sold. Entries spend `stake` USDC each through a
    marketable FAK order, only in open markets whose YES price lies in [`min_price`,
    `max_price`] and whose taker fee rate is at most `max_fee_rate`, while fewer than
    `max_positions` markets are held. Exits sell the whole position when a bid is quoted
    and the shares are worth the venue's 1 USDC minimum (smaller remainders wait for
    resolution). `probability` (YES probability per market) is recorded as a forecast of
    the side bought, so forecast quality can be scored.
    """

    stake: float
    max_positions: int
    min_price: float
    max_price: float
    max_fee_rate: float = 1.0

    def trade(
        self,
        ctx: Context,
        lay: Layout,
        enter: np.ndarray,
        exit_long: np.ndarray,
        exit_short: np.ndarray,
        probability: np.ndarray | None = None,
    ) -> list[int]:
        """Place this step's exits and entries; returns the markets entered."""
        side = held_side(ctx, lay)
        open_now = ctx.tradeable()
        yes_col = np.maximum(lay.yes, 0)
        no_col = np.maximum(lay.no, 0)
        live = lay.binary & open_now[yes_col] & open_now[no_col]
        sells_yes = np.flatnonzero(live & (side == 1) & exit_long)
        sells_no = np.flatnonzero(live & (side == -1) & exit_short)
        price = ctx.last_prices()[yes_col]
        allowed = (
            (price >= self.min_price)
            & (price <= self.max_price)
            & (lay.fee_rate[yes_col] <= self.max_fee_rate)
        )
        buys = np.flatnonzero(live & (side == 0) & (enter != 0) & allowed)
        entered: list[int] = []
        if sells_yes.size == 0 and sells_no.size == 0 and buys.size == 0:
            return entered
        busy = busy_tokens(ctx)
        shares = ctx.portfolio.shares
        bids = _best_bids(ctx)
        for m, col in [(m, yes_col[m]) for m in sells_yes] + [(m, no_col[m]) for m in sells_no]:
            size = floor_shares(float(shares[col]))
            if not busy[col] and size * bids[col] >= 1.0:
                ctx.sell(ctx.token_ids[col], size)
                ctx.signal(market=str(lay.market_ids[m]), action="exit")
        room = self.max_positions - int(np.count_nonzero(side))
        for m in buys:
            if room <= 0 or ctx.cash < self.stake:
                break
            col = yes_col[m] if enter[m] > 0 else no_col[m]
            if busy[yes_col[m]] or busy[no_col[m]]:
                continue
            token = ctx.token_ids[col]
            ctx.buy(token, usdc=self.stake)
            ctx.signal(market=str(lay.market_ids[m]), action="enter", side=int(enter[m]))
            if probability is not None and np.isfinite(probability[m]):
                p_yes = float(np.clip(probability[m], 0.0, 1.0))
                ctx.forecast(token, p_yes if enter[m] > 0 else 1.0 - p_yes)
            entered.append(int(m))
            room -= 1
        return entered


def _best_bids(ctx: Context) -> np.ndarray:
    """Best bid per token from the latest book (0 where none), or the last prices without books."""
    books = ctx.book_arrays()
    if books is None:
        return np.nan_to_num(ctx.last_prices())
    return np.where(books.bid_sz[:, 0] > 0, np.nan_to_num(books.bid_px[:, 0]), 0.0)


def polymarket_baskets(
    kind: str, side: int, names: list[str], legs: list[list[int]], lay: Layout, tokens: np.ndarray
) -> Baskets:
    """Baskets for the arbitrage kernels from lists of token columns (one list per basket)."""
    from alpha_arena.arbitrage.baskets import make_baskets
    from alpha_arena.arbitrage.kernels import VENUE_POLYMARKET

    return make_baskets(
        kind,
        side,
        names,
        [None] * len(names),
        [
            [(int(c), str(tokens[c]), float(lay.fee_rate[c]), VENUE_POLYMARKET) for c in cols]
            for cols in legs
        ],
    )


@dataclass
class BasketTrader:
    """Finds the baskets worth taking on the latest book snapshot and sends their legs.

    The arbitrage kernels walk every leg's book level by level, matching received shares
    after Polymarket's fee in shares, while each further set still earns more than
    `min_edge` USDC. A basket is taken only when all its markets are open and no leg has an
    order in flight; it is scaled down to `max_sets` sets and to the cash available. Legs
    go out as fill-or-kill orders limited to the worst level the walk used. For SELL
    baskets, `split` first mints the complete sets that are then sold.
    """

    min_edge: float
    max_sets: float

    def take(self, ctx: Context, baskets: Baskets, split: bool = False) -> int:
        """Send the legs of every basket worth taking now; returns how many were taken."""
        from alpha_arena.arbitrage.kernels import BUY

        books = ctx.book_arrays()
        if books is None or baskets.n == 0:
            return 0
        buy = baskets.side == BUY
        px, sz = (books.ask_px, books.ask_sz) if buy else (books.bid_px, books.bid_sz)
        sets, _, capital, leg_size, leg_worst, _, _ = scan_single_thread(
            px, sz, baskets, self.min_edge
        )
        open_now = ctx.tradeable()
        busy = busy_tokens(ctx)
        taken = 0
        for b in np.flatnonzero(sets > 0):
            legs = slice(baskets.starts[b], baskets.starts[b + 1])
            cols = baskets.leg_rows[legs]
            if not open_now[cols].all() or busy[cols].any():
                continue
            budget = ctx.cash if buy else ctx.cash - 1.0
            scale = min(1.0, self.max_sets / sets[b], 0.99 * budget / capital[b])
            sizes = np.floor(leg_size[legs] * scale * 100.0) / 100.0
            prices = leg_worst[legs]
            if not (sizes * prices >= 1.0).all():
                continue
            ctx.signal(kind=baskets.kind, basket=str(baskets.names[b]), sets=float(sets[b] * scale))
            if split:
                ctx.split(str(baskets.names[b]), float(sizes.max()))
            for col, size, price in zip(cols, sizes, prices, strict=True):
                token = ctx.token_ids[col]
                if buy:
                    ctx.buy(token, float(size), price=float(price), order_type=OrderType.FOK)
                else:
                    ctx.sell(token, float(size), price=float(price), order_type=OrderType.FOK)
            busy[cols] = True
            taken += 1
        return taken


def scan_single_thread(
    px: np.ndarray, sz: np.ndarray, baskets: Baskets, min_edge: float
) -> tuple[np.ndarray, ...]:
    """`arbitrage.kernels.scan_baskets` on one snapshot, run on one thread.

    A strategy scans a few hundred baskets per book snapshot: about 50 µs of work, which
    the kernel's thread pool turns into tens of milliseconds on a busy machine. One
    thread is the faster choice at this size.
    """
    import numba

    from alpha_arena.arbitrage.kernels import scan_baskets

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        return scan_baskets(
            px,
            sz,
            baskets.leg_rows,
            baskets.leg_rates,
            baskets.leg_venues,
            baskets.starts,
            baskets.side,
            min_edge,
        )
    finally:
        numba.set_num_threads(threads)
