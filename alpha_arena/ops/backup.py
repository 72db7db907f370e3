"""Backups of the live state: SQLite online backups, verified, and an atomic restore.

A backup is a timestamped folder holding a consistent copy of each database (SQLite's online
backup API, safe while the runner writes), copies of the plain logs, and `manifest.json` with
each file's sha256 and the integrity check's verdict. `restore` re-verifies all of that
before it touches anything, keeps the current file as `<name>.pre-restore-<stamp>`, and
moves the restored copy in with `os.replace` (atomic on one filesystem).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alpha_arena.errors import DataError

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BackupResult:
    """Where a backup went and what it holds (name -> bytes)."""

    path: Path
    files: dict[str, int]


def integrity(path: str | Path) -> str:
    """`ok`, or the first problem `PRAGMA integrity_check` reports (or why it cannot run)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"not a readable SQLite database: {exc}"


def sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(2**20):
            digest.update(chunk)
    return digest.hexdigest()


def sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live database via the online backup API (WAL included)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def backup(
    databases: Mapping[str, Path],
    files: Mapping[str, Path],
    dest: str | Path,
    now: datetime | None = None,
) -> BackupResult:
    """Back up each existing database and plain file into `dest/alpha-arena-<UTC stamp>/`.

    Raises DataError when nothing exists to back up or a copy fails its integrity check (the
    partial folder is removed then).
    """
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    folder = Path(dest) / f"alpha-arena-{stamp}"
    present_db = {n: Path(p) for n, p in databases.items() if Path(p).is_file()}
    present_files = {n: Path(p) for n, p in files.items() if Path(p).is_file()}
    if not present_db and not present_files:
        wanted = ", ".join(str(p) for p in [*databases.values(), *files.values()])
        raise DataError(f"backup: nothing to back up (looked for {wanted})")
    folder.mkdir(parents=True)
    manifest: dict[str, dict[str, object]] = {}
    try:
        for name, source in present_db.items():
            target = folder / name
            try:
                sqlite_copy(source, target)
            except sqlite3.Error as exc:
                raise DataError(f"backup: cannot copy {source}: {exc}") from None
            verdict = integrity(target)
            if verdict != "ok":
                raise DataError(f"backup: {source} copy failed its integrity check: {verdict}")
            manifest[name] = _entry(target, source, "sqlite")
        for name, source in present_files.items():
            target = folder / name
            shutil.copy2(source, target)
            manifest[name] = _entry(target, source, "file")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    (folder / MANIFEST).write_text(json.dumps({"created": stamp, "files": manifest}, indent=2))
    return BackupResult(folder, {n: int(e["bytes"]) for n, e in manifest.items()})  # type: ignore[call-overload]


def _entry(target: Path, source: Path, kind: str) -> dict[str, object]:
    return {
        "kind": kind,
        "source": str(source),
        "bytes": target.stat().st_size,
        "sha256": sha256(target),
    }


def verify(folder: str | Path) -> dict[str, dict[str, object]]:
    """The manifest's entries after checking every file's sha256 and each database's integrity."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"restore: {folder} has no readable {MANIFEST} ({exc})") from None
    for name, entry in manifest.items():
        path = folder / name
        if not path.is_file():
            raise DataError(f"restore: {path} is missing")
        if sha256(path) != entry["sha256"]:
            raise DataError(f"restore: {path} does not match its sha256 (corrupted)")
        if entry["kind"] == "sqlite" and (verdict := integrity(path)) != "ok":
            raise DataError(f"restore: {path} fails the integrity check: {verdict}")
    return manifest


def restore(
    folder: str | Path,
    targets: Mapping[str, Path] | None = None,
    skip: Collection[str] = (),
) -> dict[str, Path]:
    """Verify a backup folder, then atomically put each file back (name -> path restored).

    `targets` maps a backed-up name to where it goes (default: where it was backed up
    from); names in `skip` stay as they are. Nothing is replaced unless every file
    verified. The runner must be stopped.
    """
    folder = Path(folder)
    manifest = verify(folder)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    restored: dict[str, Path] = {}
    for name, entry in manifest.items():
        if name in skip:
            continue
        target = Path((targets or {}).get(name) or str(entry["source"]))
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(f".{target.name}.restoring")
        shutil.copy2(folder / name, staging)
        with staging.open("rb") as fh:
            os.fsync(fh.fileno())
        if target.exists():
            keep = target.with_name(f"{target.name}.pre-restore-{stamp}")
            if entry["kind"] == "sqlite":
                sqlite_copy(target, keep)
            else:
                shutil.copy2(target, keep)
        if entry["kind"] == "sqlite":
            for suffix in ("-wal", "-shm"):
                target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(staging, target)
        restored[name] = target
    return restored
