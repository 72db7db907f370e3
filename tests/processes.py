"""Waiting on a live runner started as a subprocess (the kill -9 tests)."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path


def wait_until(
    done: Callable[[], bool], proc: subprocess.Popen, what: str, timeout: float = 60.0
) -> None:
    """Poll `done` until it holds; fail naming `what` on timeout, or with the runner's
    stderr if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        if proc.poll() is not None:
            raise AssertionError(f"runner exited early: {proc.stderr.read()}")
        time.sleep(0.05)
    raise AssertionError(f"{what} (waited {timeout:.0f} s)")


def wait_lines(path: Path, n: int, proc: subprocess.Popen) -> None:
    """Until the file at `path` has at least `n` lines."""
    wait_until(
        lambda: path.exists() and path.read_text().count("\n") >= n,
        proc,
        f"{path} never reached {n} lines",
    )


def saved_cycle(path: Path) -> int:
    """The cycle of the paper account saved in the state database at `path` (-1: none yet)."""
    if not path.exists():
        return -1
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT cycle FROM paper_account").fetchone()
    except sqlite3.OperationalError:
        return -1
    return -1 if row is None else row[0]
