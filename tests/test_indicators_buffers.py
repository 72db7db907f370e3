"""The output buffer pool: reuse only what nobody references, within its byte limit."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

import alpha_arena.indicators as ind
from alpha_arena.errors import ConfigError
from alpha_arena.indicators import buffers
from alpha_arena.indicators.buffers import BufferPool

ROWS = 1_000_000  # 8 MB outputs: above buffers.MIN_BYTES, so pooled


def series(seed: int) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).normal(size=ROWS)) + 100.0


def address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def test_a_dropped_result_is_reused_and_a_held_one_never_overwritten():
    first = ind.ema(series(1), 20)
    kept = first.copy()
    second = ind.ema(series(2), 20)  # `first` is alive: must get other memory
    assert address(second) != address(first)
    np.testing.assert_array_equal(first, kept)
    where = address(second)
    del second
    third = ind.ema(series(3), 20)
    assert address(third) == where  # the dropped buffer came back
    np.testing.assert_array_equal(first, kept)


def test_a_view_or_a_pandas_object_keeps_its_buffer_out_of_reuse():
    view = ind.rsi(series(4), 14)[1000:2000]
    kept_view = view.copy()
    wrapped = ind.bbands(pd.Series(series(5)), 20)  # five pandas Series over one block
    kept_upper = wrapped.upper.to_numpy().copy()
    for seed in range(6, 10):  # results dropped at once: their buffers are reused
        ind.rsi(series(seed), 14)
        ind.bbands(series(seed), 20)
    np.testing.assert_array_equal(view, kept_view)
    np.testing.assert_array_equal(wrapped.upper.to_numpy(), kept_upper)


def test_results_equal_fresh_allocations_across_threads():
    """Two threads drawing from the pool at once get disjoint buffers: each result
    equals the same indicator computed alone."""
    inputs = [series(seed) for seed in range(4)]
    expected = [ind.ema(x, 30).copy() for x in inputs]
    results: dict[int, np.ndarray] = {}

    def work(k: int) -> None:
        for _ in range(5):
            results[k] = ind.ema(inputs[k], 30)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k in range(4):
        np.testing.assert_array_equal(results[k], expected[k])


def test_the_pool_keeps_no_more_than_its_limit():
    pool = BufferPool(limit_bytes=3 * 8 * ROWS)
    held = [pool.empty(ROWS) for _ in range(5)]  # all in use: distinct buffers
    assert len({address(b) for b in held}) == 5
    assert pool.pooled_bytes <= pool.limit_bytes
    del held
    pool.empty(ROWS)
    assert pool.pooled_bytes <= pool.limit_bytes


def test_small_buffers_and_a_zero_limit_bypass_the_pool():
    off = BufferPool(limit_bytes=0)
    off.empty(ROWS)
    assert off.pooled_bytes == 0
    on = BufferPool(limit_bytes=2**30)
    on.empty(buffers.MIN_BYTES // 8 - 1)
    assert on.pooled_bytes == 0


@pytest.mark.parametrize("raw", ["lots", "-1", "nan", "inf"])
def test_a_bad_limit_in_the_environment_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv(buffers.ENV, raw)
    with pytest.raises(ConfigError, match=buffers.ENV):
        buffers._limit_from_env()


def test_the_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(buffers.ENV, "0.5")
    assert buffers._limit_from_env() == 2**19
