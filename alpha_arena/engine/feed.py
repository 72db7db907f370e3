"""Feeds: where the engine's snapshots come from. The historical feed replays a Dataset."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from alpha_arena.data import Dataset
from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import TimeLike, to_ns


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One moment of market state: row `k` of the feed's dataset grid, at `t_ns`."""

    k: int
    t_ns: int


@runtime_checkable
class Feed(Protocol):
    """A source of snapshots; `dataset` holds everything known up to the latest one."""

    @property
    def dataset(self) -> Dataset:
        """The data known so far (a live feed's grows; a historical one's is fixed)."""
        ...

    def __iter__(self) -> Iterator[Snapshot]:
        """The snapshots, in time order."""
        ...


class HistoricalFeed:
    """Replays a Dataset's grid rows from `start` to `end` (inclusive)."""

    def __init__(
        self,
        dataset: Dataset,
        start: TimeLike | int | None = None,
        end: TimeLike | int | None = None,
    ) -> None:
        if dataset.n_times == 0:
            raise ValidationError("dataset", "at least one grid row", 0)
        self._dataset = dataset
        lo = 0 if start is None else int(np.searchsorted(dataset.times, to_ns(start, "start")))
        hi = (
            dataset.n_times
            if end is None
            else int(np.searchsorted(dataset.times, to_ns(end, "end"), side="right"))
        )
        if lo >= hi:
            raise ValidationError("start/end", "a window containing grid rows", (start, end))
        self._rows = range(lo, hi)

    @property
    def dataset(self) -> Dataset:
        """The replayed dataset."""
        return self._dataset

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Snapshot]:
        times = self._dataset.times
        for k in self._rows:
            yield Snapshot(k, int(times[k]))
