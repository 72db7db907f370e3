"""OHLC + volume bars per token, for range/volume indicators (ATR, stochastic, OBV, VWAP).

Bars are aligned on multiples of the bar length since the epoch and labelled by their
start. OHLC come from the dataset's price panel (open = first non-NaN price in the bar,
close = the last); with `use_trades=True` a bar that has trades takes its OHLC from them
instead. Volume is always the traded size (shares) in the bar, 0 without trades.
The panel pass is a numba kernel, parallel over bars; trades use numpy reduceat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit, prange

from alpha_arena.data.dataset import Dataset
from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import NS_PER_SECOND, ns_index


@dataclass(frozen=True, eq=False)
class Bars:
    """(bar, token) float64 arrays of open, high, low, close, volume; `times` = bar starts."""

    times: np.ndarray
    token_ids: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def frame(self, token_id: str) -> pd.DataFrame:
        """One token's bars as a pandas frame (UTC index; open/high/low/close/volume)."""
        matches = np.flatnonzero(self.token_ids == token_id)
        if not matches.size:
            raise KeyError(f"token {token_id!r} is not in these bars")
        col = int(matches[0])
        return pd.DataFrame(
            {
                name: getattr(self, name)[:, col]
                for name in ("open", "high", "low", "close", "volume")
            },
            index=ns_index(self.times),
        )


def _segments(keys: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in a sorted key array."""
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])


@njit(cache=True, parallel=True)
def _panel_ohlc(
    prices: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """NaN-skipping open/high/low/close of each row segment, one bar per thread."""
    n_rows, n_cols = prices.shape
    n_bars = starts.size
    opened = np.full((n_bars, n_cols), np.nan)
    high = np.full((n_bars, n_cols), np.nan)
    low = np.full((n_bars, n_cols), np.nan)
    closed = np.full((n_bars, n_cols), np.nan)
    for b in prange(n_bars):
        end = starts[b + 1] if b + 1 < n_bars else n_rows
        for r in range(starts[b], end):
            for c in range(n_cols):
                x = prices[r, c]
                if np.isnan(x):
                    continue
                if np.isnan(opened[b, c]):
                    opened[b, c] = x
                    high[b, c] = x
                    low[b, c] = x
                elif x > high[b, c]:
                    high[b, c] = x
                elif x < low[b, c]:
                    low[b, c] = x
                closed[b, c] = x
    return opened, high, low, closed


def bars(ds: Dataset, seconds: float = 3600.0, *, use_trades: bool = False) -> Bars:
    """OHLCV bars of every token of a dataset, `seconds` long (a multiple of the grid step)."""
    if not isinstance(seconds, (int, float)) or not seconds > 0:
        raise ValidationError("seconds", "a bar length in seconds > 0", seconds)
    bar_ns = round(seconds * NS_PER_SECOND)
    if ds.n_times == 0:
        raise ValidationError("ds", "a dataset with at least one grid row", 0)
    if ds.step_ns and bar_ns % ds.step_ns:
        raise ValidationError(
            "seconds", f"a multiple of the grid step ({ds.step_ns / NS_PER_SECOND:g}s)", seconds
        )
    bar_of_row = ds.times // bar_ns
    starts = _segments(bar_of_row)
    times = bar_of_row[starts] * bar_ns
    opened, high, low, closed = _panel_ohlc(ds.prices, starts)
    volume = np.zeros_like(opened)
    if ds.trades is not None and ds.trades.height:
        ts = ds.trades["ts"].to_numpy()
        col = ds.tokens.index.get_indexer(ds.trades["token_id"].to_numpy())
        start = ts // bar_ns * bar_ns
        bar = np.searchsorted(times, start)
        inside = times[np.minimum(bar, times.size - 1)] == start  # not in a bar of the grid
        keep = (col >= 0) & (bar < times.size) & inside
        ts, col, bar = ts[keep], col[keep], bar[keep]
        price = ds.trades["price"].to_numpy()[keep]
        size = ds.trades["size"].to_numpy()[keep]
        order = np.lexsort((ts, col, bar))
        cell = bar[order] * ds.n_tokens + col[order]
        seg = _segments(cell) if cell.size else np.empty(0, dtype=np.int64)
        b, c = bar[order][seg], col[order][seg]
        np.add.at(volume, (bar, col), size)
        if use_trades and seg.size:
            sorted_price = price[order]
            ends = np.r_[seg[1:], cell.size] - 1
            opened[b, c] = sorted_price[seg]
            closed[b, c] = sorted_price[ends]
            high[b, c] = np.maximum.reduceat(sorted_price, seg)
            low[b, c] = np.minimum.reduceat(sorted_price, seg)
    return Bars(times, ds.token_ids, opened, high, low, closed, volume)
