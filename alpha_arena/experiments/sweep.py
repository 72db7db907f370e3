"""Parameter sweeps: grid or random search over strategy parameters and market subsets.

Every configuration is a full backtest (`alpha_arena.backtest`) run by joblib: `loky`
processes on this machine, or a Dask cluster through joblib's `dask` backend
(`backend="dask", address="tcp://..."`; without an address the current Dask client).
The result keeps one row per run (parameters, subset, scalar statistics) and the
per-period returns of every run, from which the deflated Sharpe ratio and PBO of the
sweep's best are computed.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alpha_arena.errors import ValidationError
from alpha_arena.experiments.stats import deflated_sharpe_of, pbo, sharpe

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from alpha_arena.data import Dataset

BACKENDS = ("loky", "dask", "threading", "sequential")
ALL_MARKETS = "all"
"""Subset name of the whole data set when `markets_subsets` is not given."""


def grid_params(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values (the cartesian product, in key order)."""
    _check_grid(grid)
    keys = list(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*grid.values())]


def random_params(grid: Mapping[str, Sequence[Any]], n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` distinct combinations drawn without replacement (all of them when fewer exist)."""
    combos = grid_params(grid)
    if n < 1:
        raise ValidationError("random", "a number of draws >= 1", n)
    picks = np.random.default_rng(seed).permutation(len(combos))[: min(n, len(combos))]
    return [combos[i] for i in sorted(picks)]


def _check_grid(grid: Mapping[str, Sequence[Any]]) -> None:
    if not isinstance(grid, Mapping) or not grid:
        raise ValidationError("grid", "a non-empty mapping of parameter -> values", grid)
    for key, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise ValidationError(f"grid.{key}", "a non-empty list of values", values)


def period_returns(equity: pd.Series, capital: float, freq: str) -> pd.Series:
    """Returns of the last equity of each `freq` period, the first against `capital`."""
    marks = equity.resample(freq).last().ffill()
    return pd.concat([pd.Series([capital]), marks.reset_index(drop=True)]).pct_change().iloc[1:]


def run_config(
    strategy: str,
    data: Dataset,
    params: dict[str, Any],
    options: dict[str, Any],
    freq: str,
    fast: bool = False,
) -> tuple[dict[str, Any], pd.Series]:
    """One run of the sweep: its scalar statistics and per-period returns.

    With `fast`, a strategy whose `signals(data)` gives target shares is simulated by the
    vectorized path (`alpha_arena.sim.vectorized`: bar prices, no books or latency);
    otherwise, and for strategies without signals, a full event backtest runs.
    """
    if fast:
        vectorized = _vectorized(strategy, data, params, options)
        if vectorized is not None:
            scalars, equity, capital = vectorized
            return _with_period_sharpe(scalars, equity, capital, freq)
    from alpha_arena.backtest import backtest

    result = backtest(strategy, data, params=params, **options)
    scalars = {
        k: float(v) for k, v in result.stats.items() if isinstance(v, (int, float, np.number))
    }
    scalars["vectorized"] = 0.0
    capital = float(result.stats["start_equity"])
    return _with_period_sharpe(scalars, result.equity["equity"], capital, freq)


def _with_period_sharpe(
    scalars: dict[str, Any], equity: pd.Series, capital: float, freq: str
) -> tuple[dict[str, Any], pd.Series]:
    returns = period_returns(equity, capital, freq)
    scalars["period_sharpe"] = float(sharpe(returns.to_numpy()[:, None])[0])
    return scalars, returns


def _vectorized(
    strategy: str, data: Dataset, params: dict[str, Any], options: dict[str, Any]
) -> tuple[dict[str, Any], pd.Series, float] | None:
    """Statistics and equity of the vectorized run, or None when there are no signals."""
    from alpha_arena.backtest.inputs import resolve_strategy
    from alpha_arena.metrics import performance_stats
    from alpha_arena.sim.vectorized import simulate

    instance = resolve_strategy(strategy, params, int(options.get("seed", 0)))
    targets = instance.signals(data)
    if targets is None:
        return None
    capital = float(options.get("capital", 10_000.0))
    run = simulate(data, targets=targets, cash=capital, config=options.get("sim"))
    stats = performance_stats(data.times, run.equity, capital=capital)
    scalars = {k: float(v) for k, v in stats.items() if isinstance(v, (int, float, np.number))}
    scalars.update(trades=float(run.trades.sum()), fees_paid=float(run.fees.sum()), vectorized=1.0)
    equity = pd.Series(run.equity, index=pd.to_datetime(data.times, utc=True))
    return scalars, equity, capital


@dataclass
class SweepResult:
    """The runs of a sweep: `frame` (one row per run), `returns` (periods × runs)."""

    frame: pd.DataFrame
    returns: pd.DataFrame
    metric: str
    param_names: list[str]
    seconds: float

    def best(self, metric: str | None = None, subset: str | None = None) -> pd.Series:
        """The row with the highest `metric` (default the sweep's), optionally in one subset."""
        metric = metric or self.metric
        frame = self.frame if subset is None else self.frame[self.frame["subset"] == subset]
        if metric not in frame or frame[metric].isna().all():
            raise ValidationError("metric", f"a statistic with values ({list(frame)})", metric)
        return frame.loc[frame[metric].idxmax()]

    def best_params(self, metric: str | None = None, subset: str | None = None) -> dict[str, Any]:
        """The parameters of `best()` as a dict for `aa.backtest(params=...)`."""
        row = self.best(metric, subset)
        return {name: _plain(row[name]) for name in self.param_names}

    def deflated_sharpe(self, subset: str | None = None) -> float:
        """Deflated Sharpe ratio of the best run (by per-period Sharpe) among all the runs."""
        matrix = self._matrix(subset)
        ratios = np.nan_to_num(sharpe(matrix), nan=-np.inf)
        return deflated_sharpe_of(matrix, int(np.argmax(ratios)))

    def pbo(self, n_splits: int = 8, subset: str | None = None) -> dict[str, Any]:
        """Probability of backtest overfitting (CSCV) of the sweep's runs."""
        return pbo(self._matrix(subset), n_splits)

    def _matrix(self, subset: str | None) -> np.ndarray:
        runs = (
            self.frame.index if subset is None else self.frame.index[self.frame["subset"] == subset]
        )
        return self.returns[list(runs)].fillna(0.0).to_numpy()

    def heatmap(self, x: str, y: str, metric: str | None = None, ax: Any = None) -> Figure:
        """Mean `metric` over the other dimensions for each (x, y) pair, as a colour grid."""
        from matplotlib.figure import Figure

        metric = metric or self.metric
        for name in (x, y, metric):
            if name not in self.frame:
                raise ValidationError(
                    "heatmap", f"a column of the sweep ({list(self.frame)})", name
                )
        table = self.frame.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
        if ax is None:
            fig = Figure(figsize=(6, 4.5), layout="constrained")
            ax = fig.add_subplot()
        image = ax.imshow(
            table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis"
        )
        ax.set_xticks(range(table.shape[1]), [str(v) for v in table.columns])
        ax.set_yticks(range(table.shape[0]), [str(v) for v in table.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(metric)
        ax.figure.colorbar(image, ax=ax)
        return ax.figure


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _parallel(backend: str, n_jobs: int, address: str | None):
    """A joblib Parallel on the backend, and the Dask client it opened (to close), if any."""
    from joblib import Parallel, parallel_config

    if backend not in BACKENDS:
        raise ValidationError("backend", f"one of {BACKENDS}", backend)
    client = None
    if backend == "dask":
        from distributed import Client, get_client

        client = Client(address) if address else None
        if client is None:
            try:
                get_client()
            except ValueError as exc:
                raise ValidationError("address", "a scheduler address or a running Dask client",
                                      None) from exc  # fmt: skip
        return parallel_config(backend="dask"), Parallel(n_jobs=-1, return_as="generator"), client
    if backend == "sequential":
        return (
            parallel_config(backend="sequential"),
            Parallel(n_jobs=1, return_as="generator"),
            None,
        )
    return (
        parallel_config(backend=backend),
        Parallel(n_jobs=n_jobs, return_as="generator"),
        None,
    )


def sweep(
    strategy: str,
    grid: Mapping[str, Sequence[Any]],
    data: Dataset | str = "sample",
    *,
    random: int | None = None,
    seed: int = 0,
    metric: str = "period_sharpe",
    markets_subsets: Mapping[str, Sequence[str]] | None = None,
    n_jobs: int = -1,
    backend: str = "loky",
    address: str | None = None,
    freq: str = "1D",
    fast: bool = True,
    progress: bool = False,
    **backtest_options: Any,
) -> SweepResult:
    """Backtest `strategy` (a registered name) on every grid point × market subset.

    `random=n` draws n grid points instead of all of them (seeded). `markets_subsets` maps a
    name to market ids / slugs / event ids (default: one subset with every market). `freq`
    is the return period of `period_sharpe` (the default metric: per-period, not
    annualised, so it exists on runs shorter than a few days), the deflated Sharpe ratio
    and PBO. `fast` uses the vectorized simulator for strategies that define `signals`
    (column `vectorized` says which path ran). Other keyword
    arguments go to `aa.backtest` (capital, latency_ms, sim, ...).
    """
    import time

    from joblib import delayed
    from tqdm.auto import tqdm

    from alpha_arena.backtest.inputs import resolve_data

    if not isinstance(strategy, str):
        raise ValidationError("strategy", "a registered strategy name or module:Class", strategy)
    if not isinstance(n_jobs, int) or n_jobs == 0:
        raise ValidationError("n_jobs", "a non-zero integer (-1: all cores)", n_jobs)
    configs = grid_params(grid) if random is None else random_params(grid, random, seed)
    dataset = resolve_data(data, days=None, markets=None)
    subsets = {ALL_MARKETS: dataset} if markets_subsets is None else {
        name: dataset.select(list(markets)) for name, markets in markets_subsets.items()
    }  # fmt: skip
    tasks = [(name, params) for name in subsets for params in configs]
    options = {"seed": seed, **backtest_options}
    config, parallel, client = _parallel(backend, n_jobs, address)
    started = time.perf_counter()
    try:
        with config:
            jobs = parallel(
                delayed(run_config)(strategy, subsets[name], params, options, freq, fast)
                for name, params in tasks
            )
            outputs = list(tqdm(jobs, total=len(tasks), disable=not progress, desc="sweep"))
    finally:
        if client is not None:
            client.close()
    seconds = time.perf_counter() - started
    rows = [
        {"subset": name, **params, **stats}
        for (name, params), (stats, _) in zip(tasks, outputs, strict=True)
    ]
    returns = pd.concat(
        [r.reset_index(drop=True) for _, r in outputs], axis=1, keys=range(len(tasks))
    )
    frame = pd.DataFrame(rows)
    if metric not in frame:
        raise ValidationError("metric", f"a statistic of the runs ({list(frame)})", metric)
    return SweepResult(frame, returns, metric, list(grid), seconds)
