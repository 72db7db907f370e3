"""Session fixtures shared by the whole suite: the synthetic sample and the real-data folder.

- `sample_dir`: the bundled sample's store, built once per session into a temporary cache
  (or found in `$ALPHA_ARENA_CACHE` when that is set, so repeated runs reuse it).
- `sample`: the sample loaded as a Dataset, limited to its last `SAMPLE_TEST_DAYS` days.
- `synthetic`: a small generated Dataset (seconds to build) for fast unit tests.
- `shared_data`: `../shared/data` (real files); tests using it skip when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from alpha_arena.data import Dataset
from alpha_arena.data.generator import generate
from alpha_arena.data.sample import ensure_sample
from alpha_arena.data.store import read_dataset

SAMPLE_TEST_DAYS = 10
"""Days of the sample the `sample` fixture keeps (the full 46 days are in `sample_dir`)."""

SHARED_DATA = Path(
    os.environ.get(
        "ALPHA_ARENA_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    )
).resolve()
"""Real data folder: `$ALPHA_ARENA_SHARED_DATA`, else `../shared/data` next to the repo."""


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built sample store (one build per session unless `$ALPHA_ARENA_CACHE` holds it)."""
    configured = os.environ.get("ALPHA_ARENA_CACHE")
    cache = Path(configured) if configured else tmp_path_factory.mktemp("alpha-arena-cache")
    return ensure_sample(cache)


@pytest.fixture(scope="session")
def sample(sample_dir: Path) -> Dataset:
    """The sample Dataset, its last `SAMPLE_TEST_DAYS` days (books and trades included)."""
    return read_dataset(sample_dir, days=SAMPLE_TEST_DAYS)


@pytest.fixture(scope="session")
def synthetic() -> Dataset:
    """A small synthetic Dataset: 12 binary markets, 2 neg-risk events, 3 days of minutes."""
    return generate(seed=11, n_markets=12, n_events=2, days=3.0)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real-data folder; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA
