"""Favourite–longshot bias: longshots are overpriced and favourites underpriced near the end."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.data.dataset import NEVER
from alpha_arena.errors import ValidationError
from alpha_arena.strategy import Context, Strategy
from alpha_arena.timeutil import NS_PER_DAY
from strategies._common import Directional, Layout, layout
from strategies.momentum import LOGIT_EPS


def calibrated(price: np.ndarray, slope: float) -> np.ndarray:
    """The bias-corrected YES probability expit(slope · logit(p)); slope > 1 stretches."""
    p = np.clip(price, LOGIT_EPS, 1.0 - LOGIT_EPS)
    return 1.0 / (1.0 + np.exp(-slope * np.log(p / (1.0 - p))))


@dataclass
class FavouriteLongshot(Strategy):
    """Bet against longshots and on favourites, held to resolution.

    Idea: bettors overpay for small chances (the favourite–longshot bias documented in
    betting and prediction markets), so true odds are more extreme than prices. The
    strategy's probability is expit(`slope` · logit(p)); within `horizon_days` of a
    market's end it buys NO when the YES price is below `low` and YES when above `high`,
    if its probability beats the price by `min_edge`. Positions wait for resolution; each
    entry records the forecast of the side bought.

    Parameters: `low`, `high` (YES price thresholds), `slope` (calibration stretch, > 1),
    `min_edge` (probability minus price to enter), `horizon_days` (entry window before the
    market's end), `stake` (USDC per entry), `max_positions`.
    """

    low: float = 0.15
    high: float = 0.85
    slope: float = 1.25
    min_edge: float = 0.01
    horizon_days: float = 7.0
    stake: float = 25.0
    max_positions: int = 40

    every = 15

    def __post_init__(self) -> None:
        if not 0 < self.low < self.high < 1:
            raise ValidationError("low/high", "0 < low < high < 1", (self.low, self.high))
        if self.slope <= 0:
            raise ValidationError("slope", "a stretch > 0", self.slope)
        if self.horizon_days <= 0:
            raise ValidationError("horizon_days", "days > 0", self.horizon_days)
        if self.stake <= 0:
            raise ValidationError("stake", "USDC > 0", self.stake)

    def on_start(self, ctx: Context) -> None:
        self._lay: Layout = layout(ctx)
        ends = ctx.markets["end_time"]
        self._end_ns = np.where(ends.isna(), NEVER, ends.array.asi8).astype(np.int64)
        self._entered = np.zeros(len(self._lay.yes), dtype=bool)

    def on_snapshot(self, ctx: Context) -> None:
        lay = self._lay
        price = ctx.last_prices()[np.maximum(lay.yes, 0)]
        fair = calibrated(price, self.slope)
        near_end = self._end_ns - ctx.now_ns <= self.horizon_days * NS_PER_DAY
        fresh = near_end & ~self._entered
        favourite = fresh & (price > self.high) & (fair - price > self.min_edge)
        longshot = fresh & (price < self.low) & (price - fair > self.min_edge)
        enter = np.where(favourite, 1, np.where(longshot, -1, 0))
        if not enter.any():
            return
        trader = Directional(self.stake, self.max_positions, 0.0, 1.0)
        never = np.zeros(len(lay.yes), dtype=bool)
        self._entered[trader.trade(ctx, lay, enter, never, never, probability=fair)] = True
