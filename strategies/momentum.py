"""Momentum: follow a fast/slow EMA cross of the YES price in log-odds (the default strategy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from alpha_arena.errors import ValidationError
from alpha_arena.strategy import Context, Strategy
from strategies._common import Directional, Layout, layout
from strategies._targets import decision_rows, directional_targets

if TYPE_CHECKING:
    from alpha_arena.data import Dataset

LOGIT_EPS = 1e-4
"""Prices are clipped to [eps, 1 − eps] before the log-odds transform."""


def ema_gap(prices: np.ndarray, fast: int, slow: int) -> np.ndarray:
    """EMA(fast) − EMA(slow) of log-odds, per (time, token): causal, NaN during warm-up."""
    from alpha_arena import indicators

    odds = indicators.logit(prices, eps=LOGIT_EPS)
    return indicators.ema(odds, length=fast) - indicators.ema(odds, length=slow)


@dataclass
class Momentum(Strategy):
    """Trend following in log-odds, where a move from 0.50 to 0.60 and one from 0.90 to 0.93
    weigh about the same.

    Idea: news moves prediction markets in steps that take a while to be fully priced,
    so a fast EMA of the YES log-odds above the slow one says the crowd is still moving up.
    Every 5th step, enter long YES when EMA(`fast`) − EMA(`slow`) > `threshold`, long NO
    when it is below −`threshold`; exit when the gap crosses back through zero.

    Parameters: `fast`, `slow` (EMA lengths in grid steps), `threshold` (log-odds gap to
    enter), `stake` (USDC per entry), `max_positions` (markets held at once), `min_price` /
    `max_price` (YES price band in which entries are allowed; near 0 or 1 there is no room),
    `max_fee_rate` (skip markets whose taker fee rate is higher: fees eat small edges).
    """

    fast: int = 120
    slow: int = 1440
    threshold: float = 0.5
    stake: float = 25.0
    max_positions: int = 20
    min_price: float = 0.1
    max_price: float = 0.9
    max_fee_rate: float = 0.05

    every = 5
    """Decide every 5th grid step: the EMAs move slowly, so this loses little and saves time."""

    def __post_init__(self) -> None:
        if not 1 <= self.fast < self.slow:
            raise ValidationError("fast", f"1 <= fast < slow ({self.slow})", self.fast)
        if self.threshold < 0:
            raise ValidationError("threshold", "a log-odds gap >= 0", self.threshold)
        if self.stake <= 0:
            raise ValidationError("stake", "USDC > 0", self.stake)

    def on_start(self, ctx: Context) -> None:
        self._lay: Layout = layout(ctx)

    def _trader(self) -> Directional:
        return Directional(
            self.stake, self.max_positions, self.min_price, self.max_price, self.max_fee_rate
        )

    def _enter(self, gap: np.ndarray) -> np.ndarray:
        """+1 (YES), −1 (NO) or 0 per market from its EMA gap."""
        return np.where(gap > self.threshold, 1, np.where(gap < -self.threshold, -1, 0))

    def on_snapshot(self, ctx: Context) -> None:
        lay = self._lay
        gap = ctx.precompute(
            ("momentum.ema_gap", self.fast, self.slow),
            lambda p: ema_gap(p, self.fast, self.slow),
        )[np.maximum(lay.yes, 0)]
        self._trader().trade(ctx, lay, self._enter(gap), exit_long=gap < 0, exit_short=gap > 0)

    def signals(self, data: Dataset) -> np.ndarray:
        """The same entries and exits as `on_snapshot`, for the whole panel at once.

        Target shares per (time, token) at every `every`-th row (NaN elsewhere: hold), as
        `alpha_arena.sim.vectorized.simulate_signals` runs them: entries `stake / price`
        shares, exits 0. Every order is taken to fill, so the two paths decide alike as long
        as the event path's orders fill by its next decision and the capital covers
        `max_positions` stakes (tests/test_momentum_signals.py checks it on the sample).
        """
        lay = layout(data)
        rows = decision_rows(data, self.every)
        yes_prices = data.prices[:, np.maximum(lay.yes, 0)]  # the NO columns are not needed
        gap = ema_gap(yes_prices, self.fast, self.slow)[rows]
        return directional_targets(
            data, lay, self._trader(), rows, self._enter(gap), gap < 0, gap > 0
        )
