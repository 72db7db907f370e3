"""Scan every book snapshot of a Dataset and measure how often and how long arbitrage lives.

An *episode* is a run of consecutive snapshots in which one basket (kind + market/event)
has an opportunity. It starts at the first such snapshot and ends at the first snapshot
where the opportunity is gone; an episode still alive at the last snapshot ends there and
is marked `open`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alpha_arena.arbitrage.baskets import CROSS_VENUE, Baskets
from alpha_arena.arbitrage.cross_venue import KalshiBooks, combined_asks, cross_venue_baskets
from alpha_arena.arbitrage.kernels import BUY, scan_baskets, scan_history
from alpha_arena.arbitrage.scan import check_min_edge, dataset_baskets
from alpha_arena.data import Dataset
from alpha_arena.errors import DataError, ValidationError
from alpha_arena.timeutil import TimeLike, ns_index

SNAPSHOT_COLUMNS = ("time", "kind", "market", "event", "edge", "size", "profit", "capital")
EPISODE_COLUMNS = (
    "kind",
    "market",
    "event",
    "start",
    "end",
    "duration",
    "snapshots",
    "peak_edge",
    "peak_profit",
    "open",
)


@dataclass(frozen=True, eq=False)
class ArbitrageHistory:
    """Every opportunity of every snapshot (`snapshots`), grouped into `episodes`."""

    snapshots: pd.DataFrame
    episodes: pd.DataFrame
    n_snapshots: int

    def summary(self) -> pd.DataFrame:
        """Per kind: snapshots with an opportunity, their share, episodes and durations."""
        rows = []
        for kind, group in self.episodes.groupby("kind", sort=True):
            times = self.snapshots.loc[self.snapshots["kind"] == kind, "time"]
            rows.append(
                {
                    "kind": kind,
                    "snapshots_with": int(times.nunique()),
                    "share": times.nunique() / self.n_snapshots if self.n_snapshots else 0.0,
                    "episodes": len(group),
                    "median_duration": group["duration"].median(),
                    "max_duration": group["duration"].max(),
                    "max_peak_edge": float(group["peak_edge"].max()),
                    "max_peak_profit": float(group["peak_profit"].max()),
                }
            )
        return pd.DataFrame(
            rows,
            columns=[
                "kind",
                "snapshots_with",
                "share",
                "episodes",
                "median_duration",
                "max_duration",
                "max_peak_edge",
                "max_peak_profit",
            ],
        )


def history(
    dataset: Dataset,
    *,
    min_edge: float = 0.0,
    kinds: Iterable[str] | None = None,
    start: TimeLike | int | None = None,
    end: TimeLike | int | None = None,
    kalshi: KalshiBooks | None = None,
    pairs: pd.DataFrame | None = None,
) -> ArbitrageHistory:
    """Scan every book snapshot between `start` and `end` and group the opportunities.

    With `kalshi` books and a `pairs` table, cross-venue baskets are scanned too (unless
    `kinds` leaves them out), each snapshot against Kalshi's latest book at that time.
    """
    if (kalshi is None) != (pairs is None):
        raise ValidationError("kalshi/pairs", "both, or neither", "only one")
    kinds = None if kinds is None else list(kinds)
    min_edge = check_min_edge(min_edge)
    if start is not None or end is not None:
        dataset = dataset.window(start, end)
    books = dataset.books
    if books is None:
        raise DataError("this dataset has no order books; load it with books=True")
    times = books.times
    snapshot_frames = []
    episode_frames = []
    results: list[tuple[Baskets, np.ndarray, np.ndarray, np.ndarray]] = []
    for group in dataset_baskets(dataset, kinds):
        px, sz = (books.ask_px, books.ask_sz) if group.side == BUY else (books.bid_px, books.bid_sz)
        results.append((group, *scan_history(px, sz, *_legs(group), group.side, min_edge)))
    if kalshi is not None and (kinds is None or CROSS_VENUE in kinds):
        group = cross_venue_baskets(dataset, kalshi, pairs)
        out = np.zeros((3, times.size, group.n))
        for i in range(times.size):
            px_i, sz_i = combined_asks(dataset, kalshi, i)
            scanned = scan_baskets(px_i, sz_i, *_legs(group), group.side, min_edge)
            out[:, i] = scanned[:3]
        results.append((group, out[0], out[1], out[2]))
    for group, sets, profit, capital in results:
        with np.errstate(divide="ignore", invalid="ignore"):
            edge = np.where(sets > 0, profit / np.where(sets > 0, sets, 1.0), 0.0)
        live = (sets > 0) & (profit > 0) & (edge >= min_edge)
        t_idx, b_idx = np.nonzero(live)
        snapshot_frames.append(
            pd.DataFrame(
                {
                    "time": ns_index(times[t_idx]),
                    "kind": group.kind,
                    "market": group.names[b_idx],
                    "event": group.events[b_idx],
                    "edge": edge[t_idx, b_idx],
                    "size": sets[t_idx, b_idx],
                    "profit": profit[t_idx, b_idx],
                    "capital": capital[t_idx, b_idx],
                }
            )
        )
        episode_frames.append(
            _episodes(group.kind, group.names, group.events, times, live, edge, profit)
        )
    snapshots = _concat(snapshot_frames, SNAPSHOT_COLUMNS, ["time", "profit"], [True, False])
    episodes = _concat(episode_frames, EPISODE_COLUMNS, ["start", "peak_profit"], [True, False])
    return ArbitrageHistory(snapshots, episodes, int(times.size))


def _legs(group: Baskets) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return group.leg_rows, group.leg_rates, group.leg_venues, group.starts


def _episodes(
    kind: str,
    names: np.ndarray,
    events: np.ndarray,
    times: np.ndarray,
    live: np.ndarray,
    edge: np.ndarray,
    profit: np.ndarray,
) -> pd.DataFrame:
    """Runs of consecutive live snapshots per basket (column of `live`)."""
    padded = np.zeros((live.shape[0] + 2, live.shape[1]), dtype=np.int8)
    padded[1:-1] = live
    steps = np.diff(padded, axis=0)
    first_t, first_b = np.nonzero(steps == 1)
    stop_t, stop_b = np.nonzero(steps == -1)
    order_a = np.lexsort((first_t, first_b))
    order_b = np.lexsort((stop_t, stop_b))
    first, basket, stop = first_t[order_a], first_b[order_a], stop_t[order_b]
    rows = []
    for lo, hi, b in zip(first, stop, basket, strict=True):
        is_open = hi >= times.size
        end_ns = times[-1] if is_open else times[hi]
        rows.append(
            {
                "kind": kind,
                "market": names[b],
                "event": events[b],
                "start": times[lo],
                "end": end_ns,
                "duration": pd.Timedelta(int(end_ns - times[lo]), unit="ns"),
                "snapshots": int(hi - lo),
                "peak_edge": float(edge[lo:hi, b].max()),
                "peak_profit": float(profit[lo:hi, b].max()),
                "open": bool(is_open),
            }
        )
    frame = pd.DataFrame(rows, columns=list(EPISODE_COLUMNS))
    for column in ("start", "end"):
        frame[column] = ns_index(frame[column].to_numpy(dtype=np.int64))
    return frame


def _concat(
    frames: list[pd.DataFrame], columns: tuple[str, ...], by: list[str], ascending: list[bool]
) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(columns))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(by, ascending=ascending, kind="stable").reset_index(drop=True)
