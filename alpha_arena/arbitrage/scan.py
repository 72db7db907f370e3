"""Scan one book snapshot for arbitrage and return the opportunities as a table, best first."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from alpha_arena.arbitrage.baskets import (
    KINDS,
    Baskets,
    complement_baskets,
    negrisk_baskets,
)
from alpha_arena.arbitrage.kernels import BUY, scan_baskets
from alpha_arena.data import Dataset
from alpha_arena.errors import DataError, ValidationError
from alpha_arena.timeutil import TimeLike, from_ns, to_ns

OPPORTUNITY_COLUMNS = (
    "time",
    "kind",
    "market",
    "event",
    "legs",
    "edge",
    "size",
    "profit",
    "capital",
    "fees",
)
"""Columns of an opportunities table. `legs` is a list of dicts (side, token, price, size,
cash, fee); `price` is the worst level used, `size` the gross shares bought or sold."""

_SCANNED_KINDS = ("complement_buy", "complement_sell", "negrisk_buy", "negrisk_sell")


def check_min_edge(min_edge: float) -> float:
    """A validated minimum edge per set (USDC), in [0, 1)."""
    if not (isinstance(min_edge, (int, float)) and math.isfinite(min_edge)):
        raise ValidationError("min_edge", "a finite number in [0, 1)", min_edge)
    if not 0.0 <= min_edge < 1.0:
        raise ValidationError("min_edge", "a number in [0, 1)", min_edge)
    return float(min_edge)


def dataset_baskets(dataset: Dataset, kinds: Iterable[str] | None = None) -> list[Baskets]:
    """The complement and neg-risk baskets of a Dataset, restricted to `kinds`."""
    wanted = set(_SCANNED_KINDS if kinds is None else kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValidationError("kinds", f"kinds among {KINDS}", sorted(unknown))
    groups = [*complement_baskets(dataset), *negrisk_baskets(dataset)]
    return [b for b in groups if b.kind in wanted and b.n > 0]


def scan_arrays(
    baskets: Sequence[Baskets],
    bid_px: np.ndarray,
    bid_sz: np.ndarray,
    ask_px: np.ndarray,
    ask_sz: np.ndarray,
    *,
    time_ns: int,
    min_edge: float = 0.0,
) -> pd.DataFrame:
    """Opportunities of every basket on one (rows, levels) snapshot of bids and asks."""
    min_edge = check_min_edge(min_edge)
    frames = []
    for group in baskets:
        px, sz = (ask_px, ask_sz) if group.side == BUY else (bid_px, bid_sz)
        result = scan_baskets(
            px,
            sz,
            group.leg_rows,
            group.leg_rates,
            group.leg_venues,
            group.starts,
            group.side,
            min_edge,
        )
        frames.append(_table(group, result, time_ns, min_edge))
    return _sorted(frames)


def opportunities_table(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate opportunity tables and order them best first (largest profit)."""
    return _sorted(frames)


def _sorted(frames: Sequence[pd.DataFrame | None]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return empty_opportunities()
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["profit", "edge"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def empty_opportunities() -> pd.DataFrame:
    """An opportunities table with no rows."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in OPPORTUNITY_COLUMNS})
    frame["time"] = pd.Series(dtype="datetime64[ns, UTC]")
    for column in ("edge", "size", "profit", "capital", "fees"):
        frame[column] = pd.Series(dtype=np.float64)
    return frame


def _table(
    group: Baskets,
    result: tuple[np.ndarray, ...],
    time_ns: int,
    min_edge: float,
) -> pd.DataFrame | None:
    sets, profit, capital, leg_size, leg_worst, leg_cash, leg_fee = result
    with np.errstate(divide="ignore", invalid="ignore"):
        edge = np.where(sets > 0, profit / sets, 0.0)
    found = np.flatnonzero((sets > 0) & (profit > 0) & (edge >= min_edge))
    side = "BUY" if group.side == BUY else "SELL"
    rows = []
    for b in found:
        lo, hi = group.starts[b], group.starts[b + 1]
        legs = [
            {
                "side": side,
                "token": str(group.leg_tokens[k]),
                "price": float(leg_worst[k]),
                "size": float(leg_size[k]),
                "cash": float(leg_cash[k]),
                "fee": float(leg_fee[k]),
            }
            for k in range(lo, hi)
        ]
        rows.append(
            {
                "time": from_ns(time_ns),
                "kind": group.kind,
                "market": group.names[b],
                "event": group.events[b],
                "legs": legs,
                "edge": float(edge[b]),
                "size": float(sets[b]),
                "profit": float(profit[b]),
                "capital": float(capital[b]),
                "fees": float(leg_fee[lo:hi].sum()),
            }
        )
    if not rows:
        return None
    frame = pd.DataFrame(rows, columns=list(OPPORTUNITY_COLUMNS))
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame


def snapshot_index(dataset: Dataset, at: TimeLike | int | None) -> int:
    """The book snapshot in force at `at` (the latest one if None)."""
    if dataset.books is None or dataset.books.times.size == 0:
        raise DataError("this dataset has no order books; load it with books=True")
    if at is None:
        return int(dataset.books.times.size - 1)
    i = dataset.books.index_at(to_ns(at, "at"))
    if i < 0:
        raise ValidationError("at", "a time at or after the first book snapshot", str(at))
    return i


def scan(
    dataset: Dataset,
    *,
    at: TimeLike | int | None = None,
    min_edge: float = 0.0,
    kinds: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Complement and neg-risk opportunities in the book snapshot in force at `at`.

    `min_edge` is the least edge per set (USDC, after fees) worth taking: the walk stops at
    the first level whose marginal edge is not above it. Returns an opportunities table
    (`OPPORTUNITY_COLUMNS`), largest profit first.
    """
    min_edge = check_min_edge(min_edge)
    i = snapshot_index(dataset, at)
    books = dataset.books
    assert books is not None
    return scan_arrays(
        dataset_baskets(dataset, kinds),
        books.bid_px[i],
        books.bid_sz[i],
        books.ask_px[i],
        books.ask_sz[i],
        time_ns=int(books.times[i]),
        min_edge=min_edge,
    )
