"""Probability-native and order-book indicators: hand-worked cases, properties, fees."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alpha_arena.indicators as ind
from alpha_arena.fees import fee_rate_for, polymarket_fee
from alpha_arena.timeutil import to_ns

SETTINGS = settings(deadline=None, max_examples=50)
probs = st.floats(0.001, 0.999)


@SETTINGS
@given(p=st.lists(probs, min_size=1, max_size=30))
def test_expit_inverts_logit(p):
    x = np.array(p)
    np.testing.assert_allclose(ind.expit(ind.logit(x)), x, rtol=1e-12)
    np.testing.assert_allclose(ind.logit(x), np.log(x / (1 - x)), rtol=1e-12, atol=1e-12)


def test_logit_edges_and_clipping():
    p = np.array([0.0, 0.5, 1.0, -0.1, 1.2, np.nan])
    out = ind.logit(p)
    assert out[0] == -math.inf
    assert out[1] == 0.0
    assert out[2] == math.inf
    assert np.isnan(out[3:]).all()
    clipped = ind.logit(p, eps=0.01)
    assert clipped[0] == pytest.approx(math.log(0.01 / 0.99))
    assert clipped[2] == pytest.approx(math.log(0.99 / 0.01))
    big = ind.expit(np.array([-800.0, 800.0]))
    np.testing.assert_array_equal(big, [0.0, 1.0])


def test_bernoulli_std():
    out = ind.bernoulli_std(np.array([0.0, 0.5, 0.1, 1.0, 1.5]))
    np.testing.assert_allclose(out[:4], [0.0, 0.5, 0.3, 0.0])
    assert np.isnan(out[4])


@SETTINGS
@given(p=st.lists(st.one_of(probs, st.just(math.nan)), max_size=40), n=st.integers(2, 6))
def test_logodds_momentum_and_vol_against_pandas(p, n):
    x = np.array(p, dtype=np.float64)
    valid = np.isfinite(x)
    lo = pd.Series(np.log(x[valid] / (1 - x[valid])))
    for got, ref in [
        (ind.logodds_momentum(x, n), lo.diff(n)),
        (ind.logodds_vol(x, n), lo.diff().rolling(n).std()),
    ]:
        expected = np.full(x.size, np.nan)
        expected[valid] = ref.to_numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_top_of_book():
    bid = np.array([0.40, 0.55, np.nan])
    ask = np.array([0.42, 0.58, 0.60])
    np.testing.assert_allclose(ind.spread(bid, ask), [0.02, 0.03, np.nan])
    np.testing.assert_allclose(ind.mid(bid, ask), [0.41, 0.565, np.nan])
    micro = ind.microprice(bid, ask, np.array([300.0, 10.0, 5.0]), np.array([100.0, 10.0, 5.0]))
    np.testing.assert_allclose(micro, [0.415, 0.565, np.nan])  # leans to the thin ask side
    gap = ind.yes_no_gap(np.array([0.52, 0.50]), np.array([0.50, 0.49]))
    np.testing.assert_allclose(gap, [0.02, -0.01])
    assert np.isnan(ind.microprice(bid[:1], ask[:1], np.zeros(1), np.ones(1))[0])


def _imbalance_brute(bp, bs, ap, as_, decay, depth):
    def side(px, sz):
        return sum(
            decay**k * sz[k]
            for k in range(min(depth, len(px)))
            if not math.isnan(px[k]) and sz[k] > 0
        )

    b, a = side(bp, bs), side(ap, as_)
    return (b - a) / (b + a) if b + a > 0 else math.nan


@st.composite
def books(draw):
    t, m, levels = draw(st.integers(1, 6)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    shape = (t, m, levels)
    size = t * m * levels
    px = st.one_of(st.just(math.nan), st.integers(1, 99).map(lambda c: c / 100))
    sz = st.one_of(st.just(0.0), st.integers(1, 500).map(float))
    arrays = [
        np.array(draw(st.lists(s, min_size=size, max_size=size))).reshape(shape)
        for s in (px, sz, px, sz)
    ]
    return arrays


@SETTINGS
@given(book=books(), decay=st.sampled_from([1.0, 0.5, 0.2]), depth=st.integers(1, 6))
def test_book_imbalance_matches_brute_force(book, decay, depth):
    bp, bs, ap, as_ = book
    out = ind.book_imbalance(bp, bs, ap, as_, decay, depth)
    assert out.shape == bp.shape[:2]
    for t in range(bp.shape[0]):
        for j in range(bp.shape[1]):
            expected = _imbalance_brute(bp[t, j], bs[t, j], ap[t, j], as_[t, j], decay, depth)
            if math.isnan(expected):
                assert math.isnan(out[t, j])
            else:
                assert out[t, j] == pytest.approx(expected, rel=1e-12, abs=1e-12)
                assert -1.0 <= out[t, j] <= 1.0
    single = ind.book_imbalance(*(np.ascontiguousarray(a[:, 0]) for a in book), decay, depth)
    np.testing.assert_array_equal(single, out[:, 0])


def test_book_imbalance_hand_worked():
    bid_px = np.array([[0.50, 0.49, np.nan]])
    bid_sz = np.array([[100.0, 200.0, 50.0]])
    ask_px = np.array([[0.52, 0.53, 0.54]])
    ask_sz = np.array([[100.0, 0.0, 400.0]])
    # bids 100 + 0.5·200 = 200 (level 3 absent); asks 100 + 0 + 0.25·400 = 200
    assert ind.book_imbalance(bid_px, bid_sz, ask_px, ask_sz, 0.5)[0] == 0.0
    # best level only: 100 vs 100; depth 2: 200 vs 100
    assert ind.book_imbalance(bid_px, bid_sz, ask_px, ask_sz, 0.5, 2)[0] == pytest.approx(1 / 3)


def test_expected_value_and_kelly_after_fees_hand_worked():
    rate = fee_rate_for("politics")  # 0.04
    fee = polymarket_fee(100, 0.40, "BUY", fee_rate=rate)
    kept = (100 - fee.shares) / 100  # 0.976 shares kept per share bought
    assert kept == pytest.approx(0.976)
    ev = ind.expected_value(np.array([0.5]), np.array([0.40]), rate)[0]
    assert ev == pytest.approx(0.5 * kept - 0.40)  # 0.088
    cost = 0.40 / kept
    kelly = ind.kelly_fraction(np.array([0.5]), np.array([0.40]), rate, 0.25)[0]
    assert kelly == pytest.approx(0.25 * (0.5 - cost) / (1 - cost))  # ≈ 0.0382
    assert ind.kelly_fraction(np.array([0.40]), np.array([0.40]), rate, 1.0)[0] == 0.0


@SETTINGS
@given(q=probs, a=st.floats(0.01, 0.99), rate=st.sampled_from([0.0, 0.03, 0.072]))
def test_kelly_properties(q, a, rate):
    qa, aa = np.array([q]), np.array([a])
    ev = ind.expected_value(qa, aa, rate)[0]
    full = ind.kelly_fraction(qa, aa, rate, 1.0)[0]
    half = ind.kelly_fraction(qa, aa, rate, 0.5)[0]
    assert 0.0 <= full <= 1.0
    assert half == pytest.approx(0.5 * full)
    assert (full > 0) == (ev > 0)  # size only with a positive expected value
    if rate == 0.0:
        assert ev == pytest.approx(q - a)
        assert full == pytest.approx(max(0.0, (q - a) / (1 - a)))
    assert ev <= q - a + 1e-15  # fees never help


def test_scalar_estimate_against_a_price_series_keeps_the_series_kind():
    asks = pd.Series([0.40, 0.50, 0.60], index=["a", "b", "c"], name="ask")
    ev = ind.expected_value(0.5, asks)
    assert isinstance(ev, pd.Series)
    assert list(ev.index) == ["a", "b", "c"]
    np.testing.assert_allclose(ev.to_numpy(), [0.1, 0.0, -0.1])
    frame = pd.DataFrame({"m1": [0.4, 0.5], "m2": [0.3, 0.7]})
    np.testing.assert_allclose(
        ind.kelly_fraction(0.5, frame, 0.0, 1.0).to_numpy(), [[1 / 6, 2 / 7], [0.0, 0.0]]
    )


def test_ev_and_kelly_reject_non_prices():
    out = ind.expected_value(np.array([0.5, 1.2, 0.5]), np.array([0.0, 0.5, np.nan]), 0.04)
    assert np.isnan(out).all()


def test_time_to_resolution():
    times = pd.date_range("2025-01-01", periods=4, freq="12h", tz="UTC")
    out = ind.time_to_resolution(times, "2025-01-02T00:00Z")
    assert isinstance(out, pd.Series)
    np.testing.assert_allclose(out.to_numpy(), [1.0, 0.5, 0.0, 0.0])  # 0 once resolved
    ends = pd.Series([pd.Timestamp("2025-01-03", tz="UTC"), pd.NaT], index=["a", "b"])
    grid = ind.time_to_resolution(times, ends, unit="h")
    assert list(grid.columns) == ["a", "b"]
    np.testing.assert_allclose(grid["a"].to_numpy(), [48.0, 36.0, 24.0, 12.0])
    assert grid["b"].isna().all()
    ns = np.array([to_ns("2025-01-01T00:00Z")], dtype=np.int64)
    raw = ind.time_to_resolution(ns, to_ns("2025-01-01T06:00Z"), unit="h")
    np.testing.assert_allclose(raw, [6.0])
    stamps = np.array(["2025-01-01T00:00", "NaT"], dtype="datetime64[s]")
    out = ind.time_to_resolution(stamps, "2025-01-01T00:30Z", unit="m")
    np.testing.assert_allclose(out, [30.0, np.nan])
