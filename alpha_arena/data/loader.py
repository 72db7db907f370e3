"""`load(source)`: one entry point from a name or a path to a research-ready Dataset."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from alpha_arena.data.dataset import Dataset
from alpha_arena.data.store import read_dataset
from alpha_arena.errors import DataError
from alpha_arena.timeutil import TimeLike


def load(
    source: str | Path = "sample",
    *,
    days: float | None = None,
    markets: Iterable[str] | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    step_ns: int | None = None,
    books: bool = True,
    trades: bool = True,
) -> Dataset:
    """Load a Dataset from a store directory (a download cache or a built sample).

    `days` keeps the last N days of the data (up to `end`, if given); `markets` keeps the
    markets named by condition id, slug or event id.
    """
    root = Path(source)
    if not (root / "meta.json").is_file():
        raise DataError(f"data source {str(source)!r}: not a data store directory")
    return read_dataset(
        root,
        start=start,
        end=end,
        days=days,
        markets=markets,
        step_ns=step_ns,
        books=books,
        trades=trades,
    )
