"""Walk-forward analysis: rolling train/test windows, best parameters on train, scored on test.

Each window sweeps the grid on its training span, takes the best configuration by the
metric, and backtests it on the following test span it has never seen. The out-of-sample
figures (test-window PnL and metric) are what the strategy would have shown had it been
re-tuned on that schedule; the in-sample/out-of-sample gap measures the overfitting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alpha_arena.errors import ValidationError
from alpha_arena.experiments.sweep import run_config, sweep
from alpha_arena.timeutil import from_ns

if TYPE_CHECKING:
    from alpha_arena.data import Dataset

NS_PER_HOUR = 3_600 * 10**9


@dataclass
class WalkForwardResult:
    """One row per window: spans, chosen parameters, in-sample and out-of-sample figures."""

    windows: pd.DataFrame
    metric: str

    def summary(self) -> dict[str, float]:
        """Out-of-sample totals: PnL summed over test windows, mean metric IS vs OOS."""
        w = self.windows
        return {
            "windows": float(len(w)),
            "oos_pnl": float(w["test_pnl"].sum()),
            "oos_mean_metric": float(w["test_metric"].mean()),
            "is_mean_metric": float(w["train_metric"].mean()),
            "oos_positive_windows": float((w["test_pnl"] > 0).mean()),
        }


def windows(
    times: np.ndarray, train_hours: float, test_hours: float, step_hours: float | None = None
) -> list[tuple[int, int, int]]:
    """(train start, train end = test start, test end) in ns of every complete window."""
    for name, value in (("train_hours", train_hours), ("test_hours", test_hours)):
        if not value > 0:
            raise ValidationError(name, "a positive number of hours", value)
    step = test_hours if step_hours is None else step_hours
    if not step > 0:
        raise ValidationError("step_hours", "a positive number of hours", step_hours)
    if times.size == 0:
        raise ValidationError("data", "a data set with grid rows", 0)
    first, last = int(times[0]), int(times[-1])
    spans = []
    start = first
    while start + int((train_hours + test_hours) * NS_PER_HOUR) <= last:
        split = start + int(train_hours * NS_PER_HOUR)
        spans.append((start, split, split + int(test_hours * NS_PER_HOUR)))
        start += int(step * NS_PER_HOUR)
    if not spans:
        raise ValidationError("train_hours", "train + test shorter than the data", train_hours)
    return spans


def walk_forward(
    strategy: str,
    grid: Mapping[str, Sequence[Any]],
    data: Dataset,
    *,
    train_hours: float,
    test_hours: float,
    step_hours: float | None = None,
    metric: str = "period_sharpe",
    freq: str = "1D",
    fast: bool = True,
    n_jobs: int = 1,
    backend: str = "loky",
    address: str | None = None,
    **backtest_options: Any,
) -> WalkForwardResult:
    """Rolling walk-forward of `strategy` over `data` (see the module docstring).

    `fast`: the vectorized path for strategies with `signals`, in and out of sample alike.
    """
    rows = []
    for train_start, split, test_end in windows(data.times, train_hours, test_hours, step_hours):
        train = data.window(train_start, split - 1)
        test = data.window(split, test_end)
        result = sweep(strategy, grid, train, metric=metric, n_jobs=n_jobs, backend=backend,
                       address=address, freq=freq, fast=fast, **backtest_options)  # fmt: skip
        best = result.best(metric)
        params = result.best_params(metric)
        stats, _ = run_config(strategy, test, params, backtest_options, freq, fast)
        rows.append(
            {
                "train_start": from_ns(train_start),
                "test_start": from_ns(split),
                "test_end": from_ns(test_end),
                "params": params,
                "train_metric": float(best[metric]),
                "test_metric": stats.get(metric, float("nan")),
                "train_pnl": float(best["pnl"]),
                "test_pnl": stats["pnl"],
            }
        )
    return WalkForwardResult(pd.DataFrame(rows), metric)
