"""The `Strategy` base class: parameters as dataclass fields, callbacks the engine invokes."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from alpha_arena.data import Dataset
    from alpha_arena.strategy.context import Context
    from alpha_arena.types import Fill, Settlement


@dataclasses.dataclass
class Strategy:
    """Subclass as a `@dataclass`; its fields are the parameters sweeps vary.

    The engine calls `on_start` once, `on_snapshot` at every decision time, `on_fill` and
    `on_resolution` as they happen, and `on_end` after the last snapshot. The same object
    runs in a backtest and in the live runner: it only ever sees the `Context`.
    """

    name: ClassVar[str] = ""
    every: ClassVar[int] = 1
    """Decide at every `every`-th snapshot (1 = every grid step)."""

    def on_start(self, ctx: Context) -> None:
        """Called once before the first snapshot."""

    def on_snapshot(self, ctx: Context) -> None:
        """Called at each decision time: read `ctx`, place orders with `ctx.buy`/`ctx.sell`."""

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        """Called for each fill of one of this strategy's orders."""

    def on_resolution(self, ctx: Context, settlement: Settlement) -> None:
        """Called when a held position is paid out at its market's resolution."""

    def on_end(self, ctx: Context) -> None:
        """Called once after the last snapshot."""

    def signals(self, data: Dataset) -> np.ndarray | None:
        """Optional vectorised form for fast sweeps: target shares per (time, token).

        Row t may use only rows <= t of the data. Return None when not supported.
        """
        return None

    def params(self) -> dict[str, Any]:
        """The parameter values of this instance."""
        return dataclasses.asdict(self)

    @classmethod
    def param_fields(cls) -> dict[str, dataclasses.Field]:
        """The parameters this strategy takes, by name."""
        return {f.name: f for f in dataclasses.fields(cls)}
