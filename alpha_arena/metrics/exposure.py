"""Holdings over time and the capital locked in markets that ended but have not resolved.

A prediction-market position whose market has closed still ties up its money until the
market resolves and pays out. The engine records equity, not per-token holdings, so the
holdings path is rebuilt from the fills and settlements (each applies from the first
snapshot at or after its timestamp, as the engine dispatches them). `locked_capital` is
the whole-run counterpart of `Portfolio.locked_capital(now)`, which gives one instant.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import to_ns
from alpha_arena.types import Fill, Settlement


def holdings(
    times_ns: np.ndarray,
    token_ids: Sequence[str],
    fills: Iterable[Fill] = (),
    settlements: Iterable[Settlement] = (),
) -> np.ndarray:
    """Shares held of each token after each snapshot's events (rows: times, columns: tokens)."""
    times = np.asarray(times_ns, dtype=np.int64)
    column = {token: j for j, token in enumerate(token_ids)}
    changes = np.zeros((times.size, len(column)))

    def add(token: str, when: object, delta: float) -> None:
        if token not in column:
            raise ValidationError("token_id", f"one of the {len(column)} tokens", token)
        row = int(np.searchsorted(times, to_ns(when), side="left"))
        if row < times.size:
            changes[row, column[token]] += delta

    for fill in fills:
        add(fill.token_id, fill.timestamp, fill.share_delta)
    for settlement in settlements:
        add(settlement.token_id, settlement.timestamp, -settlement.shares)
    return np.cumsum(changes, axis=0)


def locked_capital(
    times_ns: np.ndarray,
    shares: np.ndarray,
    prices: np.ndarray,
    end_ns: np.ndarray,
    resolve_ns: np.ndarray,
) -> np.ndarray:
    """Value per snapshot of holdings in markets past their end and not yet resolved.

    Positions are valued at the token's last known price (prices stop at a market's end).
    """
    times = np.asarray(times_ns, dtype=np.int64)
    held = np.asarray(shares, dtype=float)
    marks = np.asarray(prices, dtype=float)
    if held.shape != marks.shape or held.shape[0] != times.size:
        raise ValidationError("shares", f"shape {marks.shape} like prices", held.shape)
    last = np.where(np.isnan(marks), 0.0, marks)
    seen = ~np.isnan(marks)
    index = np.where(seen, np.arange(times.size)[:, None], 0)
    np.maximum.accumulate(index, axis=0, out=index)
    last = last[index, np.arange(marks.shape[1])]
    t = times[:, None]
    waiting = (np.asarray(end_ns)[None, :] <= t) & (t < np.asarray(resolve_ns)[None, :])
    return np.where(waiting, np.clip(held, 0.0, None) * last, 0.0).sum(axis=1)
