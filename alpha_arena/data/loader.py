"""`load(source)`: one entry point from a name or a path to a research-ready Dataset."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from alpha_arena.data.dataset import Dataset
from alpha_arena.data.store import read_dataset
from alpha_arena.errors import DataError
from alpha_arena.timeutil import TimeLike

SAMPLE = "sample"
"""The name of the bundled synthetic sample (built into the cache on first use)."""


def load(
    source: str | Path = SAMPLE,
    *,
    days: float | None = None,
    markets: Iterable[str] | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    step_ns: int | None = None,
    books: bool = True,
    trades: bool = True,
) -> Dataset:
    """Load a Dataset from `"sample"`, a store directory, or a folder of real files.

    - `"sample"`: the synthetic sample, built into `$ALPHA_ARENA_CACHE` on first use.
    - a store directory (it has `meta.json`): a download cache or a built sample.
    - a folder of real files `alpha_arena.data.realdata` knows (elections-2024,
      mlb-books-2025), imported as they are.

    `days` keeps the last N days of the data (up to `end`, if given); `markets` keeps the
    markets named by condition id, slug or event id.
    """
    options = {
        "start": start,
        "end": end,
        "days": days,
        "markets": markets,
        "step_ns": step_ns,
        "books": books,
        "trades": trades,
    }
    if isinstance(source, str) and source == SAMPLE:
        from alpha_arena.data.sample import ensure_sample

        return read_dataset(ensure_sample(), **options)
    root = Path(source)
    if (root / "meta.json").is_file():
        return read_dataset(root, **options)
    from alpha_arena.data.realdata import import_folder, recognise

    if root.is_dir() and recognise(root) is not None:
        return import_folder(root, **options)
    raise DataError(
        f"data source {str(source)!r}: not a data store directory (no meta.json), "
        "not 'sample' and not a folder of real files alpha-arena can import"
    )
