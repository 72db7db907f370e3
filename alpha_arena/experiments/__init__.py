"""Research experiments: parameter sweeps, walk-forward analysis and overfitting statistics.

`sweep(strategy, grid, data, ...)` backtests every grid point (or `random=n` of them) on
every market subset with joblib (loky processes or a Dask cluster); `walk_forward(...)`
re-tunes on rolling training windows and scores on the unseen test windows;
`deflated_sharpe` and `pbo` say how much of the best result is selection luck.
"""

from alpha_arena.experiments.stats import (
    deflated_sharpe,
    deflated_sharpe_of,
    expected_max_sharpe,
    pbo,
    probabilistic_sharpe,
    sharpe,
)
from alpha_arena.experiments.sweep import SweepResult, grid_params, random_params, sweep
from alpha_arena.experiments.walkforward import WalkForwardResult, walk_forward, windows

__all__ = [
    "SweepResult",
    "WalkForwardResult",
    "deflated_sharpe",
    "deflated_sharpe_of",
    "expected_max_sharpe",
    "grid_params",
    "pbo",
    "probabilistic_sharpe",
    "random_params",
    "sharpe",
    "sweep",
    "walk_forward",
    "windows",
]
