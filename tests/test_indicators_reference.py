"""Classic indicators against pandas-ta-classic and TA-Lib on hypothesis-generated series.

Series are tick prices with flat runs, leading NaNs (a market not yet listed) and
internal NaN gaps. The documented gap rule is checked by computing the reference on the
series with its missing rows dropped and putting the NaNs back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas_ta_classic as ta
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alpha_arena.indicators as ind

talib = pytest.importorskip("talib")

SETTINGS = settings(deadline=None, max_examples=40)
TOL = {"rtol": 1e-9, "atol": 1e-9}


@st.composite
def prices(draw, gaps: bool = True, max_runs: int = 30) -> np.ndarray:
    """Tick prices (multiples of 0.01) made of flat runs, with leading NaNs and gaps."""
    runs = draw(st.lists(st.tuples(st.integers(1, 3000), st.integers(1, 5)), max_size=max_runs))
    values = [cents / 100.0 for cents, length in runs for _ in range(length)]
    lead = draw(st.integers(0, 4))
    x = np.array([np.nan] * lead + values, dtype=np.float64)
    if gaps and x.size:
        holes = draw(st.lists(st.integers(0, x.size - 1), max_size=4))
        x[holes] = np.nan
    return x


@st.composite
def bars(draw, gaps: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(high, low, close, volume) bars around a price path; a bar may be flat (h = l = c)."""
    close = draw(prices(gaps=gaps))
    n = close.size
    up = np.array(draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)), float) / 100
    down = np.array(draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)), float) / 100
    volume = np.array(draw(st.lists(st.integers(0, 500), min_size=n, max_size=n)), float)
    return close + up, close - down, close, volume


def on_valid(reference, *columns: np.ndarray) -> list[np.ndarray | None]:
    """Run a pandas reference on the rows where every column is finite, NaN elsewhere.

    Returns one array per output, or [None] * 5 when pandas-ta refuses the series
    (it returns None when there are fewer rows than its minimum).
    """
    mask = np.logical_and.reduce([np.isfinite(c) for c in columns])
    result = reference(*(pd.Series(c[mask]) for c in columns)) if mask.any() else None
    if result is None:
        return [None] * 5
    parts = [result] if isinstance(result, pd.Series) else result
    outs = []
    for part in parts:
        full = np.full(columns[0].size, np.nan)
        full[mask] = np.asarray(part, dtype=np.float64)
        outs.append(full)
    return outs


def split(frame: pd.DataFrame | None) -> list[pd.Series] | None:
    return None if frame is None else [frame.iloc[:, j] for j in range(frame.shape[1])]


def assert_same(ours: np.ndarray, ref: np.ndarray | None) -> None:
    if ref is None:  # pandas-ta gave no result for this series
        return
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_allclose(ours, ref, **TOL)


lengths = st.integers(2, 12)


@SETTINGS
@given(x=prices(), n=lengths)
def test_moving_averages_match_pandas_ta(x, n):
    for ours, ref in [
        (ind.sma, ta.sma),
        (ind.ema, ta.ema),
        (ind.wma, ta.wma),
        (ind.dema, ta.dema),
        (ind.tema, ta.tema),
    ]:
        expected, *_ = on_valid(lambda s, ref=ref: ref(s, length=n), x)
        assert_same(ours(x, n), expected)


@SETTINGS
@given(x=prices(), n=lengths)
def test_momentum_family_matches_pandas_ta(x, n):
    expected, *_ = on_valid(lambda s: ta.mom(s, length=n), x)
    assert_same(ind.momentum(x, n), expected)
    expected, *_ = on_valid(lambda s: ta.roc(s, length=n), x)
    assert_same(ind.roc(x, n), expected)
    expected, *_ = on_valid(lambda s: ta.rsi(s, length=n), x)
    assert_same(ind.rsi(x, n), expected)


@SETTINGS
@given(x=prices(), fast=st.integers(2, 6), extra=st.integers(1, 6), signal=st.integers(2, 5))
def test_macd_matches_pandas_ta(x, fast, extra, signal):
    slow = fast + extra
    expected = on_valid(lambda s: split(ta.macd(s, fast, slow, signal)), x)
    got = ind.macd(x, fast, slow, signal)
    line, hist, sig = expected[:3]
    assert_same(got.macd, line)
    assert_same(got.signal, sig)
    assert_same(got.hist, hist)


@SETTINGS
@given(x=prices(), n=lengths, ddof=st.integers(0, 1))
def test_dispersion_matches_pandas_ta(x, n, ddof):
    expected, *_ = on_valid(lambda s: ta.stdev(s, length=n, ddof=ddof), x)
    assert_same(ind.stdev(x, n, ddof), expected)
    expected_z, *_ = on_valid(lambda s: ta.zscore(s, length=n), x)
    sd, *_ = on_valid(lambda s: ta.stdev(s, length=n, ddof=1), x)
    z = ind.zscore(x, n)
    if sd is None:
        return
    flat = np.isfinite(sd) & (sd < 1e-12)  # pandas-ta divides by ~0 there; we say NaN
    assert np.isnan(z[flat]).all()
    assert_same(z[~flat], expected_z[~flat])


@SETTINGS
@given(x=prices(), n=lengths, width=st.sampled_from([1.0, 2.0, 2.5]))
def test_bbands_match_pandas_ta(x, n, width):
    expected = on_valid(lambda s: split(ta.bbands(s, length=n, std=width)), x)
    got = ind.bbands(x, n, width)
    lower, mid, upper, bandwidth, percent = expected
    if lower is None:
        return
    assert_same(got.lower, lower)
    assert_same(got.mid, mid)
    assert_same(got.upper, upper)
    np.testing.assert_allclose(got.bandwidth, bandwidth, rtol=1e-9, atol=1e-9)
    flat = np.isfinite(upper) & (upper - lower < 1e-12)  # zero width: %b is NaN here
    assert np.isnan(got.percent_b[flat]).all()
    assert_same(got.percent_b[~flat], percent[~flat])


@SETTINGS
@given(b=bars(), n=lengths, smooth=st.integers(1, 4), d=st.integers(1, 4))
def test_bar_indicators_match_pandas_ta(b, n, smooth, d):
    high, low, close, volume = b
    got = ind.stoch(high, low, close, n, d, smooth)
    expected = on_valid(lambda h, lo, c: split(ta.stoch(h, lo, c, n, d, smooth)), high, low, close)
    assert_same(got.k, expected[0])
    assert_same(got.d, expected[1])
    expected, *_ = on_valid(lambda h, lo, c: ta.atr(h, lo, c, length=n), high, low, close)
    assert_same(ind.atr(high, low, close, n), expected)
    expected, *_ = on_valid(lambda c, v: ta.obv(c, v), close, volume)
    assert_same(ind.obv(close, volume), expected)


@SETTINGS
@given(b=bars(), n=st.integers(1, 8))
def test_vwap_matches_pandas_ta_and_rolling_sums(b, n):
    high, low, close, volume = b
    typical = (high + low + close) / 3.0

    def anchored(h, lo, c, v):
        index = pd.date_range("2025-01-01", periods=len(c), freq="s")
        return ta.vwap(*(s.set_axis(index) for s in (h, lo, c, v)))

    expected, *_ = on_valid(anchored, high, low, close, volume)
    with np.errstate(invalid="ignore"):
        assert_same(ind.vwap(typical, volume), expected)

    def rolling(p, v):
        return (p * v).rolling(n).sum() / v.rolling(n).sum().replace(0.0, np.nan)

    expected, *_ = on_valid(rolling, typical, volume)
    assert_same(ind.vwap(typical, volume, n), expected)


@SETTINGS
@given(x=prices(), n=lengths)
def test_realized_vol_is_root_sum_of_squared_log_returns(x, n):
    def reference(s):
        r = np.log(s / s.shift(1))
        return np.sqrt((r * r).rolling(n).sum())

    expected, *_ = on_valid(reference, x)
    assert_same(ind.realized_vol(x, n), expected)


@SETTINGS
@given(x=prices(gaps=False), n=lengths)
def test_single_series_indicators_match_talib(x, n):
    pairs = [
        (ind.sma(x, n), talib.SMA(x, n)),
        (ind.ema(x, n), talib.EMA(x, n)),
        (ind.wma(x, n), talib.WMA(x, n)),
        (ind.dema(x, n), talib.DEMA(x, n)),
        (ind.tema(x, n), talib.TEMA(x, n)),
        (ind.momentum(x, n), talib.MOM(x, n)),
        (ind.roc(x, n), talib.ROC(x, n)),
        (ind.stdev(x, n), talib.STDDEV(x, n, 1.0)),
        (ind.bbands(x, n, 2.0).upper, talib.BBANDS(x, n, 2.0, 2.0)[0]),
    ]
    for ours, theirs in pairs:
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
        np.testing.assert_allclose(ours, theirs, **TOL)
    ours, theirs = ind.rsi(x, n), talib.RSI(x, n)
    both = np.isfinite(ours) & np.isfinite(theirs)  # no movement: we say NaN, TA-Lib 0
    np.testing.assert_allclose(ours[both], theirs[both], rtol=1e-9, atol=1e-9)


@SETTINGS
@given(b=bars(gaps=False), n=lengths)
def test_bar_indicators_match_talib(b, n):
    high, low, close, volume = b
    np.testing.assert_allclose(ind.atr(high, low, close, n), talib.ATR(high, low, close, n), **TOL)
    listed = np.isfinite(close)  # TA-Lib's OBV reports 0, not NaN, before the listing
    np.testing.assert_allclose(
        ind.obv(close, volume)[listed], talib.OBV(close, volume)[listed], **TOL
    )
    k, d = ind.stoch(high, low, close, n, 3, 3)
    tk, td = talib.STOCH(high, low, close, n, 3, 0, 3, 0)
    both = np.isfinite(tk)  # TA-Lib starts %K where %D starts
    np.testing.assert_allclose(k[both], tk[both], **TOL)
    np.testing.assert_allclose(d[both], td[both], **TOL)


def test_macd_converges_to_talib_after_its_later_seed():
    """TA-Lib seeds MACD's fast EMA at the slow EMA's start, pandas-ta (and we) at the
    fast one's: the lines differ early and agree once the seed has decayed."""
    x = 50.0 + np.cumsum(np.random.default_rng(3).normal(size=800))
    got = ind.macd(x)
    line, signal, hist = talib.MACD(x)
    np.testing.assert_allclose(got.macd[400:], line[400:], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got.signal[400:], signal[400:], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got.hist[400:], hist[400:], rtol=1e-9, atol=1e-9)


def test_internal_gap_is_skipped_not_filled():
    """A missing row is NaN and the window continues over it (hand-worked)."""
    x = np.array([1.0, 2.0, np.nan, 3.0, 4.0])
    np.testing.assert_array_equal(ind.sma(x, 2), [np.nan, 1.5, np.nan, 2.5, 3.5])
    np.testing.assert_array_equal(ind.momentum(x, 1), [np.nan, 1.0, np.nan, 1.0, 1.0])
    np.testing.assert_allclose(ind.ema(x, 2), [np.nan, 1.5, np.nan, 2.5, 3.5])


def test_long_series_does_not_drift():
    """Running sums are refreshed exactly: after 10⁶ steps SMA/std still match numpy."""
    x = 0.5 + 0.01 * np.random.default_rng(0).standard_normal(1_000_000)
    window = x[-20:]
    assert ind.sma(x, 20)[-1] == pytest.approx(window.mean(), rel=1e-12)
    assert ind.stdev(x, 20)[-1] == pytest.approx(window.std(), rel=1e-9)
