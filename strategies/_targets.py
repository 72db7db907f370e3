"""The vectorized form of `Directional`: per-market entry/exit signals → target shares.

`Directional.trade` decides step by step against the live account; this module replays the
same rules over a whole panel at once, assuming every order fills when sent (the
vectorized simulator's zero-latency model). Per decision row, in market order:

- a held market whose resolution time has passed is paid out and becomes flat;
- exits: a held YES (NO) position of a live market where `exit_long` (`exit_short`) holds
  is sold;
- entries: a market flat at the start of the row (so not one exited in this row), live,
  with a non-zero `enter`, its YES price within [`min_price`, `max_price`] and its fee
  rate at most `max_fee_rate`, is entered while fewer than `max_positions` markets were
  held at the start of the row (the event path counts its room the same way).

"Live" means both tokens' markets are open and priced, as `ctx.tradeable()` says.
Cash is not tracked: the two paths agree while the capital covers `max_positions` stakes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from alpha_arena.data import Dataset
    from strategies._common import Directional, Layout

ENTER_YES, ENTER_NO, EXIT_YES, EXIT_NO = 1, -1, 2, -2
"""Codes of `directional_events`: 0 is no action."""


@njit(cache=True)
def directional_events(
    enter: np.ndarray,
    exit_long: np.ndarray,
    exit_short: np.ndarray,
    live: np.ndarray,
    allowed: np.ndarray,
    settled: np.ndarray,
    max_positions: int,
) -> np.ndarray:
    """The action per (decision row, market): `ENTER_YES`, `ENTER_NO`, `EXIT_YES`,
    `EXIT_NO` or 0, from the rules of the module docstring, all inputs (rows, markets)."""
    rows, markets = enter.shape
    events = np.zeros((rows, markets), dtype=np.int8)
    side = np.zeros(markets, dtype=np.int8)
    for r in range(rows):
        held = 0
        for m in range(markets):
            if side[m] != 0 and settled[r, m]:
                side[m] = 0
            if side[m] != 0:
                held += 1
        start = side.copy()
        for m in range(markets):
            if not live[r, m]:
                continue
            if start[m] == 1 and exit_long[r, m]:
                events[r, m] = EXIT_YES
                side[m] = 0
            elif start[m] == -1 and exit_short[r, m]:
                events[r, m] = EXIT_NO
                side[m] = 0
        room = max_positions - held
        for m in range(markets):
            if room <= 0:
                break
            if start[m] != 0 or not live[r, m] or not allowed[r, m] or enter[r, m] == 0:
                continue
            events[r, m] = ENTER_YES if enter[r, m] > 0 else ENTER_NO
            side[m] = enter[r, m]
            room -= 1
    return events


def decision_rows(data: Dataset, every: int) -> np.ndarray:
    """The grid rows where the engine calls `on_snapshot` when it replays all of `data`."""
    return np.arange(0, data.n_times, max(1, every))


def directional_targets(
    data: Dataset,
    lay: Layout,
    trader: Directional,
    rows: np.ndarray,
    enter: np.ndarray,
    exit_long: np.ndarray,
    exit_short: np.ndarray,
) -> np.ndarray:
    """Target shares per (time, token) of `trader`'s rules on signals given at `rows`.

    Entries target `stake / price` shares of the token bought, exits target 0 shares of
    the token held, every other cell is NaN (keep what is held): the form
    `alpha_arena.sim.vectorized.simulate(targets=...)` takes.
    """
    yes = np.maximum(lay.yes, 0)
    no = np.maximum(lay.no, 0)
    times = data.times[rows][:, None]
    prices = data.prices[rows]
    tradeable = (
        (data.start_ns <= times)
        & (times < data.end_ns)
        & (times < data.resolve_ns)
        & ~np.isnan(prices)
    )
    live = lay.binary & tradeable[:, yes] & tradeable[:, no]
    price = prices[:, yes]
    allowed = (
        (price >= trader.min_price)
        & (price <= trader.max_price)
        & (lay.fee_rate[yes] <= trader.max_fee_rate)
    )
    settled = data.resolve_ns[yes] <= times
    events = directional_events(
        np.ascontiguousarray(enter, dtype=np.int8),
        np.ascontiguousarray(exit_long, dtype=np.bool_),
        np.ascontiguousarray(exit_short, dtype=np.bool_),
        np.ascontiguousarray(live),
        np.ascontiguousarray(allowed),
        np.ascontiguousarray(settled),
        int(trader.max_positions),
    )
    targets = np.full(data.prices.shape, np.nan)
    for code, cols in ((ENTER_YES, yes), (ENTER_NO, no), (EXIT_YES, yes), (EXIT_NO, no)):
        r, m = np.nonzero(events == code)
        row, col = rows[r], cols[m]
        entering = code in (ENTER_YES, ENTER_NO)
        targets[row, col] = trader.stake / data.prices[row, col] if entering else 0.0
    return targets
