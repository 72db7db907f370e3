"""Wide price CSVs (a time column, then one price column per outcome), read defensively.

The election files name their time columns `"Date (UTC)"` (MM-DD-YYYY HH:MM) and
`"Timestamp (UTC)"` (unix seconds); Kalshi candles use `timestamp` (ISO, UTC). Empty
cells are missing prices; a malformed line is skipped, never fatal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from alpha_arena.errors import DataError

_TIME_COLUMNS = ("timestamp (utc)", "timestamp", "date (utc)", "date")


def read_wide(path: Path) -> tuple[np.ndarray, pd.DataFrame]:
    """(ns timestamps sorted ascending, a float frame of the price columns) of a wide CSV."""
    try:
        frame = pd.read_csv(path, dtype=str, on_bad_lines="skip", skipinitialspace=True)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: unreadable CSV ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    lower = {c.lower(): c for c in frame.columns}
    time_col = next((lower[c] for c in _TIME_COLUMNS if c in lower), None)
    if time_col is None:
        raise DataError(f"{path}: no time column (one of {_TIME_COLUMNS}) in {list(frame.columns)}")
    ns, valid = _parse_times(frame[time_col], path)
    values = frame.drop(columns=[c for c in frame.columns if c.lower() in _TIME_COLUMNS])
    values = values.apply(pd.to_numeric, errors="coerce").astype(np.float64)[valid]
    order = np.argsort(ns, kind="stable")
    ns = ns[order]
    values = values.iloc[order].reset_index(drop=True)
    unique = np.r_[True, np.diff(ns) > 0]  # a repeated timestamp keeps its first row
    return ns[unique], values[unique].reset_index(drop=True)


def _parse_times(column: pd.Series, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """int64 ns of the parseable cells, and the mask of those cells (unix s or a date)."""
    numeric = pd.to_numeric(column, errors="coerce")
    if numeric.notna().mean() > 0.5:
        valid = numeric.notna().to_numpy()
        millis = np.rint(numeric.to_numpy(dtype=np.float64)[valid] * 1000).astype(np.int64)
        return millis * 1_000_000, valid
    stamps = pd.to_datetime(column, utc=True, errors="coerce", format="mixed")
    if stamps.isna().all():
        stamps = pd.to_datetime(column, utc=True, errors="coerce", format="%m-%d-%Y %H:%M")
    valid = stamps.notna().to_numpy()
    if not valid.any():
        raise DataError(f"{path}: time column {column.name!r} holds no parseable time")
    ns = stamps[valid].astype("datetime64[ns, UTC]").to_numpy(dtype="datetime64[ns]")
    return ns.astype(np.int64), valid
