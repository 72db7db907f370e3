"""Pieces the reference strategies share: the market ↔ token layout and directional trading.

A binary market has a YES and a NO column in the price panel. Directional strategies hold
at most one side per market: long YES (+1), long NO (−1, the venue's way to short) or flat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.fees import fee_rates_for
from alpha_arena.strategy import Context


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


def layout(ctx: Context) -> Layout:
    """The static market layout of the context's data (no future information in it)."""
    markets = ctx.markets
    tokens = ctx.tokens
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
    """+1 where YES is held, −1 where NO is held, 0 where flat, per binary market."""
    shares = ctx.portfolio.shares
    side = np.zeros(len(lay.yes), dtype=np.int64)
    ok = lay.binary
    side[ok & (shares[np.maximum(lay.yes, 0)] > 0)] = 1
    side[ok & (shares[np.maximum(lay.no, 0)] > 0)] = -1
    return side


@dataclass
class Directional:
    """Turns per-market entry and exit signals into orders.

    `enter` is +1 (buy YES), −1 (buy NO) or 0 per market; `exit_long`/`exit_short` say
    where a held YES/NO position should be sold. Entries spend `stake` USDC each through a
    marketable FAK order, only in open markets whose YES price lies in [`min_price`,
    `max_price`], while fewer than `max_positions` markets are held. Exits sell the whole
    position. `probability` (YES probability per market) is recorded as a forecast of the
    side bought, so forecast quality can be scored.
    """

    stake: float
    max_positions: int
    min_price: float
    max_price: float

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
        in_band = (price >= self.min_price) & (price <= self.max_price)
        buys = np.flatnonzero(live & (side == 0) & (enter != 0) & in_band)
        entered: list[int] = []
        if sells_yes.size == 0 and sells_no.size == 0 and buys.size == 0:
            return entered
        busy = busy_tokens(ctx)
        shares = ctx.portfolio.shares
        for m, col in [(m, yes_col[m]) for m in sells_yes] + [(m, no_col[m]) for m in sells_no]:
            if not busy[col] and shares[col] > 0:
                ctx.sell(ctx.token_ids[col], float(shares[col]))
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


def basket_size(
    ask_px: np.ndarray, ask_sz: np.ndarray, fee_rate: np.ndarray, cash: float, max_shares: float
) -> tuple[float, float]:
    """Size and profit of buying `s` shares of every leg at its best ask, held to a payout of 1.

    Legs are mutually exclusive and exhaustive (YES + NO of a market, or every YES of a
    neg-risk event), so exactly one pays 1 per share received. Polymarket takes the taker
    fee in shares on buys, so the complete sets held are the smallest net leg. Returns
    (gross shares per leg, profit in USDC after fees); size 0 when nothing can be bought.
    """
    from alpha_arena.fees import pm_buy_fee_shares

    cost = float(ask_px.sum())
    size = float(min(ask_sz.min(), max_shares, cash / cost if cost > 0 else 0.0))
    size = np.floor(size * 100.0) / 100.0
    if size <= 0:
        return 0.0, 0.0
    net = min(
        size - pm_buy_fee_shares(size, float(p), float(r))
        for p, r in zip(ask_px, fee_rate, strict=True)
    )
    return size, net - size * cost
