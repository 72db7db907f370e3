"""`DecisionLog`: the engine's sink for the live runner, crash-safe JSON lines.

Every decision goes to `decisions.jsonl` and every order, fill and settlement to
`orders.jsonl`, each line flushed and fsynced before the engine moves on, so a `kill -9`
loses at most the line being written. On open, a torn last line (from such a kill) is cut
off, so the files always parse.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any, TextIO

from alpha_arena.timeutil import from_ns
from alpha_arena.types import Fill, Order, Settlement


def _repair(path: Path) -> None:
    """Drop a partial last line (no trailing newline) left by a crash."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


class DecisionLog:
    """Appends the run's decisions and order events under `directory`."""

    def __init__(self, directory: str | Path, run_id: str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id
        self.decisions_path = self.directory / "decisions.jsonl"
        self.orders_path = self.directory / "orders.jsonl"
        for path in (self.decisions_path, self.orders_path):
            _repair(path)
        self._decisions: TextIO = self.decisions_path.open("a", encoding="utf-8")
        self._orders: TextIO = self.orders_path.open("a", encoding="utf-8")

    def _write(self, stream: TextIO, record: dict[str, Any]) -> None:
        stream.write(json.dumps(record, default=str) + "\n")
        stream.flush()
        os.fsync(stream.fileno())

    def decision(self, decision: Any) -> None:
        """One decision of the engine (written and fsynced at once)."""
        record = dataclasses.asdict(decision)
        record["time"] = from_ns(decision.t_ns).isoformat()
        record["run_id"] = self.run_id
        self._write(self._decisions, record)

    def order(self, order: Order) -> None:
        """An order as placed, or a change of its status."""
        record = {"event": "order", "run_id": self.run_id, **dataclasses.asdict(order)}
        self._write(self._orders, record)

    def fill(self, fill: Fill) -> None:
        """One fill."""
        self._write(self._orders, {"event": "fill", "run_id": self.run_id, **_fields(fill)})

    def settlement(self, settlement: Settlement) -> None:
        """One resolution payout."""
        record = {"event": "settlement", "run_id": self.run_id, **_fields(settlement)}
        self._write(self._orders, record)

    def equity(self, t_ns: int, cash: float, equity: float) -> None:
        """Equity is in every decision line already; nothing more to write."""

    def flush(self) -> None:
        """Everything is written as it happens; flush the streams for good measure."""
        self._decisions.flush()
        self._orders.flush()

    def close(self) -> None:
        """Close both files."""
        self._decisions.close()
        self._orders.close()


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
