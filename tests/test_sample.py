"""The bundled sample: its size and labels, `load('sample')`, and the atomic cache build."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import alpha_arena as aa
from alpha_arena.data import sample as sample_module
from alpha_arena.data.cachedir import build_atomically, built_with
from alpha_arena.data.generator import generate
from alpha_arena.data.sample import (
    SAMPLE_SOURCE,
    SAMPLE_VERSION,
    cache_root,
    ensure_sample,
    load_sample,
    sample_path,
)
from alpha_arena.data.store import read_meta, write_dataset, write_meta
from alpha_arena.errors import DataError
from alpha_arena.timeutil import NS_PER_DAY, NS_PER_MINUTE

SMALL = {"seed": 3, "n_markets": 3, "n_events": 1, "days": 0.5, "step": 300.0}


def test_sample_has_the_promised_size(sample_dir):
    meta = read_meta(sample_dir)
    assert meta["synthetic"] is True
    assert meta["source"] == SAMPLE_SOURCE
    assert meta["sample_version"] == SAMPLE_VERSION
    ds = aa.data.load(sample_dir, books=False, trades=False)
    assert ds.n_markets >= 200
    assert len(ds.events) >= 20
    assert (ds.times[-1] - ds.times[0]) >= 45 * NS_PER_DAY
    assert ds.step_ns == NS_PER_MINUTE


def test_sample_fixture_is_labelled_synthetic_with_books_every_five_minutes(sample):
    assert sample.synthetic
    assert sample.source == "sample (synthetic)"
    assert "SYNTHETIC" in repr(sample)
    assert sample.summary()["synthetic"] is True
    assert set(np.diff(sample.books.times)) == {5 * NS_PER_MINUTE}
    assert sample.books.n_levels == 5
    assert sample.trades.height > 1000
    assert (sample.times[-1] - sample.times[0]) <= 10 * NS_PER_DAY


def test_load_sample_reads_the_cache_without_rebuilding(sample_dir, monkeypatch):
    monkeypatch.setenv("ALPHA_ARENA_CACHE", str(sample_dir.parent))

    def refuse(**_kw):
        raise AssertionError("the sample was rebuilt although it is cached")

    monkeypatch.setattr("alpha_arena.data.generator.generate", refuse)
    ds = aa.data.load("sample", days=2, trades=False)
    assert ds.synthetic
    assert (ds.times[-1] - ds.times[0]) == 2 * NS_PER_DAY
    event = ds.markets.loc[ds.markets["neg_risk"], "event_id"].iloc[0]
    chosen = aa.data.load("sample", days=1, markets=[event], books=False, trades=False)
    assert set(chosen.markets["event_id"]) == {event}
    assert chosen.n_markets >= 3


def test_cache_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ALPHA_ARENA_CACHE", str(tmp_path))
    assert cache_root() == tmp_path
    assert sample_path() == tmp_path / SAMPLE_VERSION
    monkeypatch.delenv("ALPHA_ARENA_CACHE")
    assert cache_root() == Path.home() / ".cache" / "alpha-arena"


def test_a_crash_mid_build_leaves_no_half_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(sample_module, "SAMPLE_PARAMS", SMALL)
    real_write = sample_module.write_dataset

    def crash(ds, root):
        real_write(ds, root)
        raise KeyboardInterrupt

    monkeypatch.setattr(sample_module, "write_dataset", crash)
    with pytest.raises(KeyboardInterrupt):
        ensure_sample(tmp_path)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(sample_module, "write_dataset", real_write)
    built = ensure_sample(tmp_path)
    assert built == tmp_path / SAMPLE_VERSION
    assert [p.name for p in tmp_path.iterdir()] == [SAMPLE_VERSION]
    ds = load_sample(cache=tmp_path)
    assert ds.synthetic
    assert ds.source == SAMPLE_SOURCE


def test_a_stale_folder_is_replaced(monkeypatch, tmp_path):
    monkeypatch.setattr(sample_module, "SAMPLE_PARAMS", SMALL)
    stale = tmp_path / SAMPLE_VERSION
    stale.mkdir()
    (stale / "junk.parquet").write_text("half written")
    ensure_sample(tmp_path)
    assert not (stale / "junk.parquet").exists()
    assert read_meta(stale)["sample_version"] == SAMPLE_VERSION


def test_build_is_deterministic(monkeypatch, tmp_path):
    monkeypatch.setattr(sample_module, "SAMPLE_PARAMS", SMALL)
    a = load_sample(cache=tmp_path / "a")
    b = load_sample(cache=tmp_path / "b")
    assert a.prices.tobytes() == b.prices.tobytes()
    assert a.books.bid_px.tobytes() == b.books.bid_px.tobytes()
    assert a.trades.equals(b.trades)


def test_unknown_source_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="not a data store"):
        aa.data.load(tmp_path / "nowhere")


def test_a_concurrent_build_that_finishes_first_wins(tmp_path):
    final = tmp_path / "store"
    small = generate(**SMALL)

    def write(folder):
        write_dataset(small, folder)
        write_meta(folder, mark=1)

    def ours(folder):
        build_atomically(final, write, "mark", 1)  # another process finishes first
        write(folder)
        (folder / "ours").write_text("x")

    assert build_atomically(final, ours, "mark", 1) == final
    assert not (final / "ours").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]
    assert built_with(final, "mark", 1)
