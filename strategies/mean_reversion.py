"""Mean reversion: fade stretched moves of the YES log-odds measured as a rolling z-score."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.errors import ValidationError
from alpha_arena.strategy import Context, Strategy
from strategies._common import Directional, Layout, layout
from strategies.momentum import LOGIT_EPS


def zscore_and_mean(prices: np.ndarray, length: int) -> np.ndarray:
    """(time, token, 2): rolling z-score of log-odds and the rolling mean as a probability."""
    from alpha_arena import indicators

    odds = indicators.logit(prices, eps=LOGIT_EPS)
    z = indicators.zscore(odds, length=length)
    mean = indicators.expit(indicators.sma(odds, length=length))
    return np.stack([z, mean], axis=-1)


@dataclass
class MeanReversion(Strategy):
    """Fade overreactions: thin prediction markets overshoot on order-flow noise and drift
    back to where they were.

    Idea: the z-score of the YES log-odds against its last `length` steps measures how far
    the price was pushed. Below −`entry_z` buy YES, above `entry_z` buy NO; exit when
    |z| is back under `exit_z`. The rolling mean, as a probability, is the strategy's
    forecast of the side it buys (scored by Brier / log loss in the results).

    Parameters: `length` (z-score window in grid steps), `entry_z`, `exit_z` (z levels),
    `stake` (USDC per entry), `max_positions`, `min_price` / `max_price` (YES price band),
    `max_fee_rate` (skip markets whose taker fee rate is higher).
    """

    length: int = 120
    entry_z: float = 2.5
    exit_z: float = 0.5
    stake: float = 25.0
    max_positions: int = 20
    min_price: float = 0.1
    max_price: float = 0.9
    max_fee_rate: float = 0.05

    def __post_init__(self) -> None:
        if self.length < 2:
            raise ValidationError("length", "a window of >= 2 steps", self.length)
        if not 0 <= self.exit_z < self.entry_z:
            raise ValidationError("exit_z", f"0 <= exit_z < entry_z ({self.entry_z})", self.exit_z)
        if self.stake <= 0:
            raise ValidationError("stake", "USDC > 0", self.stake)

    def on_start(self, ctx: Context) -> None:
        self._lay: Layout = layout(ctx)

    def on_snapshot(self, ctx: Context) -> None:
        lay = self._lay
        row = ctx.precompute(
            ("mean_reversion.z", self.length), lambda p: zscore_and_mean(p, self.length)
        )[np.maximum(lay.yes, 0)]
        z, mean = row[:, 0], row[:, 1]
        enter = np.where(z < -self.entry_z, 1, np.where(z > self.entry_z, -1, 0))
        trader = Directional(
            self.stake, self.max_positions, self.min_price, self.max_price, self.max_fee_rate
        )
        trader.trade(
            ctx,
            lay,
            enter,
            exit_long=z > -self.exit_z,
            exit_short=z < self.exit_z,
            probability=mean,
        )
