"""The runner's pid file: written at start, removed at exit, refused while another runs.

`alpha-arena health` and `status` read it to tell whether the runner is alive.
"""

from __future__ import annotations

import os
from pathlib import Path

from alpha_arena.errors import ConfigError
from alpha_arena.ops.health import pid_alive, read_pid


class PidFile:
    """Context manager owning `path` for this process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __enter__(self) -> PidFile:
        other = read_pid(self.path)
        if other is not None and other != os.getpid() and pid_alive(other):
            raise ConfigError(f"pid file {self.path}: runner already running as pid {other}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(f"{os.getpid()}\n")
        os.replace(tmp, self.path)
        return self

    def __exit__(self, *_: object) -> None:
        if read_pid(self.path) == os.getpid():
            self.path.unlink(missing_ok=True)
