"""The bundled sample: its size and labels, `load('sample')`, and the atomic cache build."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import alpha_arena as aa
from alpha_arena.data import sample as sample_module
from alpha_arena.data import store
from alpha_arena.data.cachedir import build_atomically, built_with
from alpha_arena.data.generator import generate
from alpha_arena.data.sample import (
    SAMPLE_PARAMS,
    SAMPLE_SOURCE,
    SAMPLE_VERSION,
    cache_root,
    ensure_sample,
    generator_source,
    load_sample,
    sample_fingerprint,
    sample_path,
)
from alpha_arena.data.store import read_dataset, read_meta, write_dataset, write_meta
from alpha_arena.errors import DataError
from alpha_arena.timeutil import NS_PER_DAY, NS_PER_MINUTE

SMALL = {"seed": 3, "n_markets": 3, "n_events": 1, "days": 0.5, "step": 300.0}


def test_sample_has_the_promised_size(sample_dir):
    meta = read_meta(sample_dir)
    assert meta["synthetic"] is True
    assert meta["source"] == SAMPLE_SOURCE
    assert meta["sample_version"] == SAMPLE_VERSION
    assert meta["sample_fingerprint"] == sample_fingerprint()
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


# ----- the cache is keyed by a fingerprint of the generator's inputs --------------------------


def fingerprint_of(folder):
    return read_meta(folder)["sample_fingerprint"]


def count_builds(monkeypatch):
    """Count calls of the generator (the sample builds) from now on."""
    import alpha_arena.data.generator as generator

    calls = []
    real = generator.generate

    def counted(**params):
        calls.append(params)
        return real(**params)

    monkeypatch.setattr(generator, "generate", counted)
    return calls


def test_fingerprint_changes_with_each_input_and_only_then(monkeypatch):
    base = sample_fingerprint(SMALL, b"generator v1")
    assert sample_fingerprint(dict(reversed(list(SMALL.items()))), b"generator v1") == base
    assert sample_fingerprint({**SMALL, "seed": 4}, b"generator v1") != base
    assert sample_fingerprint(SMALL, b"generator v2") != base
    monkeypatch.setattr(store, "VERSION", store.VERSION + 1)
    assert sample_fingerprint(SMALL, b"generator v1") != base


def test_fingerprint_defaults_to_the_installed_generator_and_parameters():
    import alpha_arena.data.generator as generator

    assert generator_source() == Path(generator.__file__).read_bytes()
    assert sample_fingerprint() == sample_fingerprint(SAMPLE_PARAMS, generator_source())


def test_same_fingerprint_reuses_the_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(sample_module, "SAMPLE_PARAMS", SMALL)
    built = ensure_sample(tmp_path)
    stamp = (built / "meta.json").stat().st_mtime_ns
    builds = count_builds(monkeypatch)
    assert ensure_sample(tmp_path) == built
    assert builds == []
    assert (built / "meta.json").stat().st_mtime_ns == stamp
    assert fingerprint_of(built) == sample_fingerprint(SMALL)


def test_a_new_generator_or_new_parameters_rebuild_the_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(sample_module, "SAMPLE_PARAMS", SMALL)
    built = ensure_sample(tmp_path)
    first = fingerprint_of(built)
    old_prices = read_dataset(built).prices
    builds = count_builds(monkeypatch)
    real = generator_source()
    monkeypatch.setattr(sample_module, "generator_source", lambda: real + b"# changed\n")
    assert ensure_sample(tmp_path) == built
    assert len(builds) == 1
    second = fingerprint_of(built)
    assert second != first
    assert np.array_equal(read_dataset(built).prices, old_prices, equal_nan=True)
    monkeypatch.setattr(sample_module, "SAMPLE_PARAMS", {**SMALL, "seed": 4})
    ensure_sample(tmp_path)
    assert len(builds) == 2
    assert fingerprint_of(built) not in (first, second)
    assert not np.array_equal(read_dataset(built).prices, old_prices, equal_nan=True)
    assert [p.name for p in tmp_path.iterdir()] == [SAMPLE_VERSION]


def test_the_old_cache_serves_until_the_new_one_is_complete(monkeypatch, tmp_path):
    monkeypatch.setattr(sample_module, "SAMPLE_PARAMS", SMALL)
    built = ensure_sample(tmp_path)
    old = fingerprint_of(built)
    monkeypatch.setattr(sample_module, "SAMPLE_PARAMS", {**SMALL, "seed": 5})
    real_write = sample_module.write_dataset
    seen = []

    def check_then(fail):
        def write(ds, root):
            seen.append(fingerprint_of(built))  # the old cache is still there, readable
            assert read_dataset(built).n_markets > 0
            real_write(ds, root)
            if fail:
                raise KeyboardInterrupt

        return write

    monkeypatch.setattr(sample_module, "write_dataset", check_then(fail=True))
    with pytest.raises(KeyboardInterrupt):
        ensure_sample(tmp_path)
    assert fingerprint_of(built) == old
    assert [p.name for p in tmp_path.iterdir()] == [SAMPLE_VERSION]
    monkeypatch.setattr(sample_module, "write_dataset", check_then(fail=False))
    ensure_sample(tmp_path)
    assert seen == [old, old]
    assert fingerprint_of(built) == sample_fingerprint({**SMALL, "seed": 5})
    assert [p.name for p in tmp_path.iterdir()] == [SAMPLE_VERSION]


def test_a_cache_from_before_fingerprints_is_rebuilt(monkeypatch, tmp_path):
    import json

    monkeypatch.setattr(sample_module, "SAMPLE_PARAMS", SMALL)
    built = ensure_sample(tmp_path)
    meta = json.loads((built / "meta.json").read_text())
    del meta["sample_fingerprint"]  # what an older release wrote: the version name only
    (built / "meta.json").write_text(json.dumps(meta))
    builds = count_builds(monkeypatch)
    ensure_sample(tmp_path)
    assert len(builds) == 1
    assert fingerprint_of(built) == sample_fingerprint(SMALL)


def test_a_failed_swap_puts_the_old_cache_back(monkeypatch, tmp_path):
    from alpha_arena.data import cachedir

    monkeypatch.setattr(sample_module, "SAMPLE_PARAMS", SMALL)
    built = ensure_sample(tmp_path)
    old = fingerprint_of(built)
    monkeypatch.setattr(sample_module, "SAMPLE_PARAMS", {**SMALL, "seed": 6})
    real_replace = cachedir.os.replace

    def refuse_new(src, dst):
        if Path(dst) == built and Path(src).name.startswith(f".{SAMPLE_VERSION}."):
            raise OSError("disk trouble")  # the new build cannot move into place
        real_replace(src, dst)

    monkeypatch.setattr(cachedir.os, "replace", refuse_new)
    with pytest.raises(OSError, match="disk trouble"):
        ensure_sample(tmp_path)
    assert fingerprint_of(built) == old
    assert read_dataset(built).n_markets > 0
    assert [p.name for p in tmp_path.iterdir()] == [SAMPLE_VERSION]
