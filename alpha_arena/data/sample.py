"""The bundled `sample`: a synthetic data set built once into the user's cache, then read.

It is generated (not shipped) because 45 days of 1-minute prices and 5-minute books for
200+ markets are too large for the repository. The build writes a store (the format of
`alpha_arena.data.store`) into a temporary folder next to its final place and renames it
into place, so an interrupted build never leaves a half cache behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alpha_arena.data.cachedir import build_atomically
from alpha_arena.data.dataset import Dataset
from alpha_arena.data.store import read_dataset, write_dataset

SAMPLE_VERSION = "sample-v1"
"""Cache sub-folder of the current sample; bump it whenever the parameters or model change."""

SAMPLE_SOURCE = "sample (synthetic)"
"""`Dataset.source` of the sample: it says, everywhere it is printed, that it is synthetic."""

SAMPLE_PARAMS: dict[str, Any] = {
    "seed": 20250101,
    "n_markets": 75,
    "n_events": 22,
    "days": 46.0,
    "step": 60.0,
    "book_every": 5,
    "levels": 5,
}
"""Generator arguments of the sample: 206 markets incl. 22 neg-risk events, 46 days."""


def cache_root() -> Path:
    """`$ALPHA_ARENA_CACHE`, or `~/.cache/alpha-arena`."""
    configured = os.environ.get("ALPHA_ARENA_CACHE")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "alpha-arena"


def sample_path(cache: Path | str | None = None) -> Path:
    """Where the current sample lives (built or not) under a cache root."""
    return Path(cache if cache is not None else cache_root()) / SAMPLE_VERSION


def ensure_sample(cache: Path | str | None = None) -> Path:
    """Build the sample into the cache unless it is there already; return its folder."""

    def write(folder: Path) -> None:
        from alpha_arena.data.generator import generate

        dataset = generate(**SAMPLE_PARAMS)
        write_dataset(
            Dataset(
                dataset.markets,
                dataset.tokens,
                dataset.times,
                dataset.prices,
                books=dataset.books,
                trades=dataset.trades,
                source=SAMPLE_SOURCE,
                synthetic=True,
                meta={**dataset.meta, "sample_version": SAMPLE_VERSION},
            ),
            folder,
        )

    return build_atomically(sample_path(cache), write, "sample_version", SAMPLE_VERSION)


def load_sample(
    *,
    days: float | None = None,
    markets: Iterable[str] | None = None,
    cache: Path | str | None = None,
    **options: Any,
) -> Dataset:
    """The sample as a Dataset (built on first use); `days`/`markets` as in `load`."""
    return read_dataset(ensure_sample(cache), days=days, markets=markets, **options)
