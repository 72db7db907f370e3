"""Sweeps and walk-forward: same numbers as direct backtests, on loky, threads and Dask."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

import alpha_arena as aa
from alpha_arena.errors import ValidationError
from alpha_arena.experiments import grid_params, random_params, sweep, walk_forward, windows
from alpha_arena.sim.vectorized import simulate_signals
from alpha_arena.strategy import Strategy
from tests.factories import make_dataset

GRID = {"fast": [2, 4], "slow": [10, 20], "threshold": [0.0]}
SUBSETS = {"first": ["m0", "m1"], "last": ["m2"]}


@pytest.fixture(scope="module")
def data():
    return make_dataset(n_markets=3, n_times=240)


@pytest.fixture(scope="module")
def swept(data):
    return sweep("momentum", GRID, data, markets_subsets=SUBSETS, n_jobs=2, freq="10min",
                 fast=False)  # fmt: skip


def test_grid_and_random_params():
    combos = grid_params({"a": [1, 2, 3], "b": ["x", "y"]})
    assert len(combos) == 6
    assert combos[0] == {"a": 1, "b": "x"}
    drawn = random_params({"a": [1, 2, 3], "b": ["x", "y"]}, 4, seed=1)
    assert len(drawn) == 4
    assert all(d in combos for d in drawn)
    assert len({tuple(d.items()) for d in drawn}) == 4
    assert drawn == random_params({"a": [1, 2, 3], "b": ["x", "y"]}, 4, seed=1)
    assert len(random_params({"a": [1, 2]}, 10)) == 2


def test_sweep_rows_match_direct_backtests(swept, data):
    assert len(swept.frame) == 8
    assert sorted(swept.frame["subset"].unique()) == ["first", "last"]
    row = swept.frame[(swept.frame["subset"] == "first") & (swept.frame["fast"] == 4)
                      & (swept.frame["slow"] == 20)].iloc[0]  # fmt: skip
    direct = aa.backtest("momentum", data.select(SUBSETS["first"]),
                         params={"fast": 4, "slow": 20, "threshold": 0.0})  # fmt: skip
    assert row["pnl"] == pytest.approx(direct.stats["pnl"])
    assert row["trades"] == direct.stats["trades"]
    assert swept.returns.shape == (24, 8)


def test_best_and_heatmap(swept):
    frame = swept.frame
    best = swept.best()
    assert best["period_sharpe"] == frame["period_sharpe"].max()
    last = swept.best("pnl", subset="last")
    assert last["pnl"] == frame.loc[frame["subset"] == "last", "pnl"].max()
    assert set(swept.best_params()) == set(GRID)
    fig = swept.heatmap("fast", "slow", "pnl")
    image = fig.axes[0].images[0].get_array()
    expected = frame.pivot_table(index="slow", columns="fast", values="pnl", aggfunc="mean")
    assert np.allclose(np.asarray(image), expected.to_numpy())
    assert 0.0 <= swept.pbo(n_splits=4)["pbo"] <= 1.0
    assert 0.0 <= swept.deflated_sharpe() <= 1.0


def test_backends_agree(swept, data):
    threads = sweep("momentum", GRID, data, markets_subsets=SUBSETS, backend="threading",
                    n_jobs=2, freq="10min", fast=False)  # fmt: skip
    pd.testing.assert_frame_equal(threads.frame, swept.frame)


def test_dask_local_cluster_gives_the_same_frame(swept, data):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:  # fmt: skip
        result = sweep("momentum", GRID, data, markets_subsets=SUBSETS, backend="dask",
                       address=cluster.scheduler_address, freq="10min", fast=False)  # fmt: skip
    pd.testing.assert_frame_equal(result.frame, swept.frame)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"grid": {}}, "grid"),
        ({"grid": {"fast": []}}, "grid.fast"),
        ({"backend": "spark"}, "backend"),
        ({"metric": "nope"}, "metric"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"markets_subsets": {"none": ["zz"]}}, "markets"),
        ({"backend": "dask"}, "address"),
    ],
)
def test_sweep_rejects_bad_input(data, kwargs, field):
    args = {"grid": GRID, "n_jobs": 1, "backend": "sequential", **kwargs}
    with pytest.raises(ValidationError, match=field):
        sweep("momentum", data=data, **args)


def test_windows_hand_worked():
    hour = 3_600 * 10**9
    times = np.arange(0, 5 * hour + 1, hour // 60, dtype=np.int64)
    spans = windows(times, train_hours=2, test_hours=1)
    assert spans == [(0, 2 * hour, 3 * hour), (hour, 3 * hour, 4 * hour),
                     (2 * hour, 4 * hour, 5 * hour)]  # fmt: skip
    with pytest.raises(ValidationError, match="train_hours"):
        windows(times, train_hours=5, test_hours=1)


def test_walk_forward_scores_the_train_best_on_unseen_data(data):
    result = walk_forward("momentum", GRID, data, train_hours=1, test_hours=1, freq="10min",
                          backend="sequential", fast=False)  # fmt: skip
    w = result.windows
    assert len(w) == 2
    first = w.iloc[0]
    train = data.window(data.times[0], data.times[0] + 3_600 * 10**9 - 1)
    best = sweep("momentum", GRID, train, backend="sequential", n_jobs=1, freq="10min",
                 fast=False)  # fmt: skip
    assert first["params"] == best.best_params()
    test = data.window(first["test_start"], first["test_end"])
    direct = aa.backtest("momentum", test, params=first["params"])
    assert first["test_pnl"] == pytest.approx(direct.stats["pnl"])
    assert result.summary()["oos_pnl"] == pytest.approx(w["test_pnl"].sum())


@dataclass
class HoldYes(Strategy):
    """Holds `shares` of every YES token (vectorized form only, for the fast path)."""

    shares: float = 10.0

    def signals(self, data):
        return np.where(data.is_yes, self.shares, 0.0)[None, :].repeat(data.n_times, axis=0)


def test_fast_path_simulates_signals_and_matches_the_vectorized_simulator(data):
    spec = "tests.test_experiments_sweep:HoldYes"
    result = sweep(spec, {"shares": [5.0, 20.0]}, data, backend="sequential", n_jobs=1,
                   freq="10min", metric="pnl")  # fmt: skip
    assert list(result.frame["vectorized"]) == [1.0, 1.0]
    direct = simulate_signals(HoldYes(shares=20.0), data)
    row = result.frame.iloc[1]
    assert row["pnl"] == pytest.approx(direct.final_equity - 10_000.0)
    assert row["trades"] == direct.trades.sum()
    full = sweep("mean_reversion", {"length": [10, 20]}, data, backend="sequential", n_jobs=1,
                 freq="10min")  # fmt: skip
    assert set(full.frame["vectorized"]) == {0.0}  # no signals(): full event backtests
