"""The kill switch: a config flag, a file on disk, or a programmatic trip; any one stops trading."""

from __future__ import annotations

from pathlib import Path


class KillSwitch:
    """Tripped when the flag is set, the file exists, or `trip()` was called."""

    def __init__(self, flag: bool = False, path: str | Path | None = None) -> None:
        self._flag = flag
        self._path = Path(path) if path else None
        self._reason = "kill switch set in config" if flag else ""

    def trip(self, reason: str) -> None:
        """Stop trading from now on, for the given reason."""
        self._flag = True
        self._reason = reason

    def tripped(self) -> str:
        """The reason trading is stopped, or "" while it is not."""
        if self._flag:
            return self._reason or "kill switch tripped"
        if self._path is not None and self._path.exists():
            return f"kill switch file {self._path} exists"
        return ""
