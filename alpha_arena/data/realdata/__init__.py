"""Importers of the real Polymarket/Kalshi files in `../shared/data` into Datasets.

`load(path)` calls `import_folder` for a folder `recognise` knows. The first import
writes a store (the format of `alpha_arena.data.store`) under
`$ALPHA_ARENA_CACHE/realdata/<name>-<fingerprint>`; later loads read it. The fingerprint
covers every file's path, size and mtime, so changed files are imported again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alpha_arena.data.cachedir import build_atomically
from alpha_arena.data.dataset import Dataset
from alpha_arena.data.realdata import elections, mlb
from alpha_arena.data.sample import cache_root
from alpha_arena.data.store import read_dataset, write_meta
from alpha_arena.errors import DataError

IMPORT_VERSION = 1
"""Bump when an importer's output changes, so cached imports are rebuilt."""

IMPORTERS: dict[str, Callable[[Path, Path], None]] = {
    elections.NAME: elections.build,
    mlb.NAME: mlb.build,
}
"""Builder of each known folder: `build(folder, store)` writes the store."""


def recognise(root: Path | str) -> str | None:
    """The importer name of a real-data folder, or None when it is not one we know."""
    root = Path(root)
    if (root / elections.MARKER).is_file():
        return elections.NAME
    if any((root / "data").glob(mlb.EVENTS_GLOB)):
        return mlb.NAME
    return None


def fingerprint(root: Path) -> str:
    """A short hash of the importer version and every file's relative path, size and mtime."""
    digest = hashlib.sha256(f"v{IMPORT_VERSION}".encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def import_folder(root: Path | str, *, cache: Path | str | None = None, **options: Any) -> Dataset:
    """The Dataset of a known real-data folder (imported once into the cache)."""
    root = Path(root).resolve()
    name = recognise(root)
    if name is None:
        raise DataError(f"{root}: not a real-data folder alpha-arena knows ({list(IMPORTERS)})")
    key = fingerprint(root)
    final = Path(cache if cache is not None else cache_root()) / "realdata" / f"{name}-{key}"

    stamp = {"name": name, "fingerprint": key}

    def write(folder: Path) -> None:
        IMPORTERS[name](root, folder)
        write_meta(folder, realdata=stamp)

    store = build_atomically(final, write, "realdata", stamp)
    return read_dataset(store, **options)
