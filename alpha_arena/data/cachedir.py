"""Build a store folder in one piece: into a temporary sibling, then renamed into place.

A crash (or Ctrl-C) mid-build leaves only the temporary folder, which is removed, never a
half-written store under the final name. An outdated store stays under the final name
until its replacement is complete, then is swapped out. Used by the sample and the
real-data importers.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from alpha_arena.data.store import read_meta
from alpha_arena.errors import DataError


def built_with(path: Path, key: str, value: object) -> bool:
    """True when `path` is a readable store whose meta.json has `key == value`."""
    try:
        return read_meta(path).get(key) == value
    except DataError:
        return False


def build_atomically(final: Path, write: Callable[[Path], None], key: str, value: object) -> Path:
    """Unless `final` is already built (meta `key == value`), build it with `write(folder)`."""
    if built_with(final, key, value):
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    retired = None
    try:
        write(staging)
        if final.exists() and not built_with(final, key, value):
            retired = Path(tempfile.mkdtemp(prefix=f".{final.name}.old.", dir=final.parent))
            os.replace(final, retired / final.name)  # the outdated store steps aside
        try:
            os.replace(staging, final)
        except OSError:
            if built_with(final, key, value):  # a concurrent build that finished first
                return final
            if retired is not None and not final.exists():
                os.replace(retired / final.name, final)  # keep the outdated store, not none
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
    return final
