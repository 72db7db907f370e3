"""Capital locked in markets that have ended but not resolved, at every step of a run.

A prediction-market position whose market has closed still ties up its money until the
market resolves and pays out. The engine records equity, not per-token holdings, so the
holdings are rebuilt from the fills and settlements (each applies from the first snapshot
at or after its timestamp, as the engine dispatches them). Only the rows inside each
traded token's end-to-resolution window are touched, so long runs stay cheap.
`locked_capital` is the whole-run counterpart of `Portfolio.locked_capital(now)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import to_ns
from alpha_arena.types import Fill, Settlement

if TYPE_CHECKING:
    from alpha_arena.data import Dataset
    from alpha_arena.engine.loop import RunRecord


def share_changes(
    times_ns: np.ndarray,
    token_ids: Sequence[str],
    fills: Iterable[Fill] = (),
    settlements: Iterable[Settlement] = (),
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per token column: the snapshot rows where its holding changes and the change there."""
    times = np.asarray(times_ns, dtype=np.int64)
    column = {token: j for j, token in enumerate(token_ids)}
    events: dict[int, list[tuple[int, float]]] = {}

    def add(token: str, when: object, delta: float) -> None:
        if token not in column:
            raise ValidationError("token_id", f"one of the {len(column)} tokens", token)
        row = int(np.searchsorted(times, to_ns(when), side="left"))
        events.setdefault(column[token], []).append((row, delta))

    for fill in fills:
        add(fill.token_id, fill.timestamp, fill.share_delta)
    for settlement in settlements:
        add(settlement.token_id, settlement.timestamp, -settlement.shares)
    out = {}
    for j, pairs in events.items():
        rows, deltas = np.array(pairs, dtype=float).T
        order = np.argsort(rows, kind="stable")
        out[j] = (rows[order].astype(np.int64), deltas[order])
    return out


def shares_at(changes: tuple[np.ndarray, np.ndarray], rows: np.ndarray) -> np.ndarray:
    """A token's holding after the events of each of `rows` (from `share_changes`)."""
    event_rows, deltas = changes
    held = np.concatenate([[0.0], np.cumsum(deltas)])
    return held[np.searchsorted(event_rows, rows, side="right")]


def locked_capital(
    times_ns: np.ndarray,
    prices: np.ndarray,
    end_ns: np.ndarray,
    resolve_ns: np.ndarray,
    changes: dict[int, tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Value per snapshot of holdings in markets past their end and not yet resolved.

    `prices` is the (times × tokens) panel; positions are valued at the token's last known
    price (prices stop at a market's end); `changes` comes from `share_changes`.
    """
    times = np.asarray(times_ns, dtype=np.int64)
    marks = np.asarray(prices, dtype=float)
    if marks.ndim != 2 or marks.shape[0] != times.size:
        raise ValidationError("prices", f"a ({times.size}, tokens) panel", marks.shape)
    locked = np.zeros(times.size)
    for j, token_changes in changes.items():
        first = int(np.searchsorted(times, end_ns[j], side="left"))
        stop = int(np.searchsorted(times, resolve_ns[j], side="left"))
        if first >= stop:
            continue
        rows = np.arange(first, stop)
        known = np.flatnonzero(~np.isnan(marks[:stop, j]))
        if known.size == 0:
            continue
        at = np.searchsorted(known, rows, side="right") - 1
        price = np.where(at >= 0, marks[known[np.maximum(at, 0)], j], 0.0)
        locked[first:stop] += np.clip(shares_at(token_changes, rows), 0.0, None) * price
    return locked


def run_locked_capital(record: RunRecord, dataset: Dataset) -> np.ndarray:
    """`locked_capital` at each step of an engine run over `dataset`.

    Pass it to `performance_stats(..., locked=...)` for the max and mean capital locked.
    """
    changes = share_changes(record.times, list(dataset.token_ids), record.fills, record.settlements)
    panel = dataset.prices
    if not np.array_equal(record.times, dataset.times):
        row = np.searchsorted(dataset.times, record.times, side="right") - 1
        panel = panel[np.clip(row, 0, dataset.n_times - 1)]
    return locked_capital(record.times, panel, dataset.end_ns, dataset.resolve_ns, changes)
