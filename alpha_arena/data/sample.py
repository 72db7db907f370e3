"""The bundled `sample`: a synthetic data set built once into the user's cache, then read.

It is generated (not shipped) because 45 days of 1-minute prices and 5-minute books for
200+ markets are too large for the repository. The build writes a store (the format of
`alpha_arena.data.store`) into a temporary folder next to its final place and renames it
into place, so an interrupted build never leaves a half cache behind.

A built cache is reused only when its fingerprint (`sample_fingerprint`: a hash of the
generator's source, its parameters, the store format version and the sample's labels)
matches the code's; otherwise it is rebuilt, the old one staying in place until the new
one is complete. A change to the generator therefore can never be hidden by an old cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from alpha_arena.data import store
from alpha_arena.data.cachedir import build_atomically
from alpha_arena.data.dataset import Dataset
from alpha_arena.data.store import read_dataset, write_dataset
from alpha_arena.errors import DataError

SAMPLE_VERSION = "sample-v1"
"""Cache sub-folder of the sample (a rebuild is keyed by `sample_fingerprint`, not by this)."""

GENERATOR_MODULE = "alpha_arena.data.generator"
"""The module whose source is part of the fingerprint: it decides every number of the sample."""

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


def generator_source() -> bytes:
    """The source of `GENERATOR_MODULE`, read without importing it."""
    spec = importlib.util.find_spec(GENERATOR_MODULE)
    if spec is None or spec.origin is None:
        raise DataError(f"cannot find the sample generator {GENERATOR_MODULE}")
    return Path(spec.origin).read_bytes()


def sample_fingerprint(params: Mapping[str, Any] | None = None, source: bytes | None = None) -> str:
    """SHA-256 of what decides the sample's content: the generator's `source` (default: the
    installed module's), its `params` (default `SAMPLE_PARAMS`), the store format version
    and the sample's version and source labels."""
    inputs = {
        "generator_sha256": hashlib.sha256(
            generator_source() if source is None else source
        ).hexdigest(),
        "params": dict(SAMPLE_PARAMS if params is None else params),
        "store_format": [store.FORMAT, store.VERSION],
        "sample_version": SAMPLE_VERSION,
        "source": SAMPLE_SOURCE,
    }
    blob = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def ensure_sample(cache: Path | str | None = None) -> Path:
    """Build the sample into the cache unless a build with the current fingerprint is
    there already; return its folder."""
    fingerprint = sample_fingerprint()

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
                meta={
                    **dataset.meta,
                    "sample_version": SAMPLE_VERSION,
                    "sample_fingerprint": fingerprint,
                },
            ),
            folder,
        )

    return build_atomically(sample_path(cache), write, "sample_fingerprint", fingerprint)


def load_sample(
    *,
    days: float | None = None,
    markets: Iterable[str] | None = None,
    cache: Path | str | None = None,
    **options: Any,
) -> Dataset:
    """The sample as a Dataset (built on first use); `days`/`markets` as in `load`."""
    return read_dataset(ensure_sample(cache), days=days, markets=markets, **options)
