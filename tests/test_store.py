"""The parquet store: round trips, merges, atomic writes, selection and as-of alignment."""

import json

import numpy as np
import polars as pl
import pytest

from alpha_arena.data.store import (
    read_dataset,
    read_meta,
    token_file,
    write_dataset,
    write_prices,
)
from alpha_arena.errors import DataError, ValidationError
from alpha_arena.timeutil import NS_PER_MINUTE
from tests.factories import make_dataset


def test_round_trip_keeps_everything(tmp_path):
    ds = make_dataset(n_markets=3, n_times=40)
    write_dataset(ds, tmp_path)
    back = read_dataset(tmp_path)
    np.testing.assert_array_equal(back.times, ds.times)
    np.testing.assert_array_equal(back.prices, ds.prices)
    assert list(back.tokens.index) == list(ds.tokens.index)
    for name in ("bid_px", "bid_sz", "ask_px", "ask_sz"):
        np.testing.assert_array_equal(getattr(back.books, name), getattr(ds.books, name))
    assert back.markets.equals(ds.markets)
    assert back.synthetic
    assert back.source == "factory"


def test_selection_and_time_window(tmp_path):
    ds = make_dataset(n_markets=3, n_times=40)
    write_dataset(ds, tmp_path)
    part = read_dataset(tmp_path, markets=["thing-2"], start=ds.times[5], end=ds.times[20])
    assert list(part.tokens.index) == ["m2-yes", "m2-no"]
    np.testing.assert_array_equal(part.prices, ds.prices[5:21, 4:6])
    with pytest.raises(ValidationError, match="markets: expected condition ids"):
        read_dataset(tmp_path, markets=["missing"])


def test_irregular_observations_are_carried_forward_within_life(tmp_path):
    ds = make_dataset(n_markets=1, n_times=10)
    write_dataset(ds, tmp_path)
    t = ds.times
    # replace the YES series with two sparse observations
    token_file(tmp_path, "prices", "m0-yes").unlink()
    write_prices(tmp_path, "m0-yes", np.array([t[2], t[6]]), np.array([0.3, 0.7]))
    back = read_dataset(tmp_path)
    yes = back.prices[:, 0]
    assert np.isnan(yes[:2]).all()
    np.testing.assert_array_equal(yes[2:6], 0.3)
    np.testing.assert_array_equal(yes[6:], 0.7)


def test_merge_overwrites_equal_timestamps_and_keeps_order(tmp_path):
    write_prices(tmp_path, "tok", np.array([3, 1]), np.array([0.3, 0.1]))
    write_prices(tmp_path, "tok", np.array([2, 3]), np.array([0.2, 0.35]))
    frame = pl.read_parquet(token_file(tmp_path, "prices", "tok"))
    assert frame["ts"].to_list() == [1, 2, 3]
    assert frame["price"].to_list() == [0.1, 0.2, 0.35]


def test_a_failed_write_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    write_prices(tmp_path, "tok", np.array([1]), np.array([0.5]))
    path = token_file(tmp_path, "prices", "tok")
    before = path.read_bytes()

    def explode(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", explode)
    with pytest.raises(OSError, match="disk full"):
        write_prices(tmp_path, "tok", np.array([2]), np.array([0.6]))
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_meta_errors_are_specific(tmp_path):
    with pytest.raises(DataError, match=r"no meta\.json"):
        read_meta(tmp_path)
    (tmp_path / "meta.json").write_text(json.dumps({"format": "other", "version": 9}))
    with pytest.raises(DataError, match="expected 'alpha-arena-store' v1"):
        read_meta(tmp_path)


def test_custom_grid_step_resamples(tmp_path):
    ds = make_dataset(n_markets=1, n_times=30)
    write_dataset(ds, tmp_path)
    coarse = read_dataset(tmp_path, step_ns=5 * NS_PER_MINUTE)
    assert coarse.step_ns == 5 * NS_PER_MINUTE
    np.testing.assert_array_equal(coarse.prices, ds.prices[::5])


def test_load_days_keeps_the_last_days(tmp_path):
    from alpha_arena.data import load

    ds = make_dataset(n_markets=2, n_times=120)
    write_dataset(ds, tmp_path)
    recent = load(tmp_path, days=30 / (24 * 60))
    assert recent.times[-1] == ds.times[-1]
    assert recent.n_times == 31
    with pytest.raises(ValidationError, match="days: expected a number of days > 0"):
        load(tmp_path, days=-1)
    with pytest.raises(DataError, match="not a data store"):
        load(tmp_path / "nowhere")
