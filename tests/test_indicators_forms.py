"""Indicator forms: 2-D equals column-wise 1-D, fronts keep the caller's kind, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alpha_arena
import alpha_arena.indicators as ind
from alpha_arena.errors import ValidationError

rng = np.random.default_rng(7)
T, M = 60, 5
PRICE = np.clip(0.5 + np.cumsum(rng.normal(0, 0.02, (T, M)), axis=0), 0.01, 0.99).round(2)
PRICE[:7, 1] = np.nan  # market 1 not listed yet
PRICE[20:23, 2] = np.nan  # market 2 has a gap
PRICE[:, 4] = np.nan  # market 4 never trades
HIGH = PRICE + 0.01
LOW = PRICE - 0.01
VOLUME = rng.integers(0, 100, (T, M)).astype(float)

SINGLE = {
    "sma": lambda x: ind.sma(x, 5),
    "ema": lambda x: ind.ema(x, 5),
    "wma": lambda x: ind.wma(x, 5),
    "dema": lambda x: ind.dema(x, 4),
    "tema": lambda x: ind.tema(x, 3),
    "rsi": lambda x: ind.rsi(x, 6),
    "momentum": lambda x: ind.momentum(x, 3),
    "roc": lambda x: ind.roc(x, 3),
    "stdev": lambda x: ind.stdev(x, 6, 1),
    "zscore": lambda x: ind.zscore(x, 6),
    "realized_vol": lambda x: ind.realized_vol(x, 6),
    "logit": lambda x: ind.logit(x, 1e-3),
    "expit": ind.expit,
    "bernoulli_std": ind.bernoulli_std,
    "logodds_momentum": lambda x: ind.logodds_momentum(x, 3),
    "logodds_vol": lambda x: ind.logodds_vol(x, 6),
    "macd": lambda x: ind.macd(x, 3, 7, 3),
    "bbands": lambda x: ind.bbands(x, 5),
}
MULTI = {
    "stoch": lambda h, lo, c, v: ind.stoch(h, lo, c, 5, 3, 2),
    "atr": lambda h, lo, c, v: ind.atr(h, lo, c, 5),
    "obv": lambda h, lo, c, v: ind.obv(c, v),
    "vwap": lambda h, lo, c, v: ind.vwap(c, v),
    "vwap_rolling": lambda h, lo, c, v: ind.vwap(c, v, 4),
    "spread": lambda h, lo, c, v: ind.spread(lo, h),
    "mid": lambda h, lo, c, v: ind.mid(lo, h),
    "microprice": lambda h, lo, c, v: ind.microprice(lo, h, v, v + 1.0),
    "yes_no_gap": lambda h, lo, c, v: ind.yes_no_gap(c, 1.0 - lo),
    "expected_value": lambda h, lo, c, v: ind.expected_value(c, h, 0.04),
    "kelly_fraction": lambda h, lo, c, v: ind.kelly_fraction(c, lo, 0.04, 0.5),
}


def _parts(result):
    return list(result) if isinstance(result, tuple) else [result]


def _column(a: np.ndarray, j: int) -> np.ndarray:
    return np.ascontiguousarray(a[:, j])


@pytest.mark.parametrize("name", sorted(SINGLE))
def test_2d_equals_columnwise_1d(name):
    fn = SINGLE[name]
    whole = _parts(fn(PRICE))
    for j in range(M):
        for got, one in zip(whole, _parts(fn(_column(PRICE, j))), strict=True):
            np.testing.assert_array_equal(got[:, j], one)


@pytest.mark.parametrize("name", sorted(MULTI))
def test_2d_equals_columnwise_1d_multi_input(name):
    fn = MULTI[name]
    whole = _parts(fn(HIGH, LOW, PRICE, VOLUME))
    for j in range(M):
        cols = [_column(a, j) for a in (HIGH, LOW, PRICE, VOLUME)]
        for got, one in zip(whole, _parts(fn(*cols)), strict=True):
            np.testing.assert_array_equal(got[:, j], one)


def test_market_not_listed_yet_is_nan_then_warms_up():
    out = ind.sma(PRICE, 5)
    assert np.isnan(out[:11, 1]).all()  # 7 unlisted rows + 4 warm-up rows
    assert np.isfinite(out[11:, 1]).all()
    assert np.isnan(out[:, 4]).all()


@settings(deadline=None, max_examples=25)
@given(n=st.integers(1, 8), data=st.data())
def test_2d_equals_1d_on_random_panels(n, data):
    cells = st.one_of(st.just(np.nan), st.integers(1, 99).map(lambda c: c / 100))
    rows = data.draw(st.integers(0, 30))
    flat = data.draw(st.lists(cells, min_size=rows * 3, max_size=rows * 3))
    x = np.array(flat, dtype=np.float64).reshape(rows, 3)
    for fn in (ind.ema, ind.wma, ind.rsi, ind.roc):
        whole = fn(x, n)
        for j in range(3):
            np.testing.assert_array_equal(whole[:, j], fn(_column(x, j), n))


def test_pandas_series_keeps_index_and_name():
    index = pd.date_range("2025-01-01", periods=T, freq="min", tz="UTC")
    s = pd.Series(PRICE[:, 0], index=index, name="m0-yes")
    out = ind.ema(s, 5)
    assert isinstance(out, pd.Series)
    assert out.index.equals(index)
    assert out.name == "m0-yes"
    np.testing.assert_array_equal(out.to_numpy(), ind.ema(PRICE[:, 0].copy(), 5))
    bands = ind.bbands(s, 5)
    assert isinstance(bands, ind.Bollinger)
    assert all(isinstance(part, pd.Series) and part.index.equals(index) for part in bands)


def test_pandas_frame_keeps_index_and_columns():
    index = pd.RangeIndex(100, 100 + T)
    frame = pd.DataFrame(PRICE, index=index, columns=[f"m{j}" for j in range(M)])
    out = ind.rsi(frame, 6)
    assert isinstance(out, pd.DataFrame)
    assert out.index.equals(index)
    assert list(out.columns) == list(frame.columns)
    np.testing.assert_array_equal(out.to_numpy(), ind.rsi(PRICE, 6))
    result = ind.macd(frame, 3, 7, 3)
    assert isinstance(result.signal, pd.DataFrame)
    assert list(result.hist.columns) == list(frame.columns)


def test_pandas_nullable_and_int_inputs_convert():
    s = pd.Series([1, 2, None, 4, 5], dtype="Int64")
    np.testing.assert_array_equal(ind.sma(s, 2).to_numpy(), [np.nan, 1.5, np.nan, 3.0, 4.5])
    np.testing.assert_array_equal(ind.sma(np.arange(4), 2), [np.nan, 0.5, 1.5, 2.5])


def test_polars_series_and_frame_keep_kind():
    s = pl.Series("m0", PRICE[:, 0])
    out = ind.sma(s, 5)
    assert isinstance(out, pl.Series)
    assert out.name == "m0"
    np.testing.assert_array_equal(out.to_numpy(), ind.sma(PRICE[:, 0].copy(), 5))
    frame = pl.DataFrame({f"m{j}": PRICE[:, j] for j in range(M)})
    out = ind.stoch(frame + 0.01, frame - 0.01, frame, 5, 3, 2)
    assert isinstance(out.k, pl.DataFrame)
    assert out.k.columns == frame.columns
    np.testing.assert_array_equal(out.k.to_numpy(), ind.stoch(HIGH, LOW, PRICE, 5, 3, 2).k)


def test_polars_nulls_are_missing_rows():
    s = pl.Series("p", [0.1, 0.2, None, 0.3])
    np.testing.assert_allclose(ind.momentum(s, 1).to_numpy(), [np.nan, 0.1, np.nan, 0.1])


def test_public_api_exposes_indicators():
    assert alpha_arena.indicators is ind
    assert "indicators" in alpha_arena.__all__


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: ind.ema(PRICE[:, 0].copy(), 0), "length"),
        (lambda: ind.ema(PRICE[:, 0].copy(), -3), "length"),
        (lambda: ind.ema(PRICE[:, 0].copy(), 2.5), "length"),
        (lambda: ind.ema(PRICE[:, 0].copy(), True), "length"),
        (lambda: ind.zscore(PRICE, 1), "length"),
        (lambda: ind.macd(PRICE, 26, 12), "fast"),
        (lambda: ind.stdev(PRICE, 5, 5), "ddof"),
        (lambda: ind.bbands(PRICE, 5, std=-1.0), "std"),
        (lambda: ind.logit(PRICE, eps=0.7), "eps"),
        (lambda: ind.kelly_fraction(PRICE, PRICE, fraction=2.0), "fraction"),
        (lambda: ind.ema(np.zeros((3, 4, 2)), 2), "x"),
        (lambda: ind.ema(np.array(["a", "b"]), 2), "x"),
        (lambda: ind.ema(np.array([True, False]), 2), "x"),
        (lambda: ind.ema(np.array([1 + 2j]), 2), "x"),
        (lambda: ind.ema([1.0, 2.0], 2), "x"),
        (lambda: ind.ema(3.0, 2), "x"),
        (lambda: ind.spread(0.4, 0.5), "bid"),
        (lambda: ind.ema(pd.Series(["a", "b"]), 2), "x"),
        (lambda: ind.ema(pd.DataFrame({"p": [0.1], "q": ["x"]}), 2), "x['q']"),
        (lambda: ind.ema(pl.Series(["a"]), 2), "x"),
        (lambda: ind.ema(pl.DataFrame({"t": ["a"]}), 2), "x['t']"),
        (lambda: ind.obv(PRICE, VOLUME[:-1]), "volume"),
        (lambda: ind.atr(HIGH[:, 0].copy(), LOW, PRICE), "low"),
        (lambda: ind.book_imbalance(*[np.zeros(3)] * 4), "bid_px"),
        (lambda: ind.book_imbalance(*[np.zeros((3, 2))] * 3, np.zeros((3, 3))), "ask_sz"),
        (lambda: ind.book_imbalance(*[np.zeros((3, 2))] * 4, decay=0.0), "decay"),
        (lambda: ind.time_to_resolution(np.zeros(3), "2025-01-01Z"), "times"),
        (lambda: ind.time_to_resolution(np.zeros(3, np.int64), "2025-01-01Z", "y"), "unit"),
    ],
)
def test_bad_input_raises_validation_error_naming_the_field(call, field):
    with pytest.raises(ValidationError) as info:
        call()
    assert info.value.field == field
