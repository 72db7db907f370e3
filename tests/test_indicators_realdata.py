"""Indicators on real Polymarket and Kalshi series (skipped when ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pandas_ta_classic as ta
import pytest

import alpha_arena.indicators as ind

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "elections-2024" / "app"
HOURLY = DATA / "data" / "polymarket" / "polymarket-price-data-hourly.csv"
KALSHI = DATA / "data" / "kalshi" / "PRES-2024-DJT_candlesticks.csv"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not HOURLY.exists(), reason="real data not present"),
]


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """17 candidates' hourly YES prices in the 2024 presidential winner event."""
    raw = pd.read_csv(HOURLY)
    index = pd.to_datetime(raw["Timestamp (UTC)"], unit="s", utc=True)
    return raw.drop(columns=["Date (UTC)", "Timestamp (UTC)"]).set_index(index).astype(float)


def test_panel_indicators_match_pandas_ta_per_market(panel):
    ema = ind.ema(panel, 24)
    rsi = ind.rsi(panel, 14)
    bands = ind.bbands(panel, 20, 2.0)
    assert ema.index.equals(panel.index)
    assert list(rsi.columns) == list(panel.columns)
    for name in ("Donald Trump", "Kamala Harris", "Joe Biden"):
        col = panel[name]
        np.testing.assert_allclose(ema[name], ta.ema(col, 24), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(rsi[name], ta.rsi(col, 14), rtol=1e-9, atol=1e-9)
        ref = ta.bbands(col, 20, 2.0)
        np.testing.assert_allclose(bands.upper[name], ref.iloc[:, 2], rtol=1e-9, atol=1e-12)


def test_probability_views_of_the_event(panel):
    trump = panel["Donald Trump"]
    sd = ind.bernoulli_std(panel)
    assert ((sd >= 0) & (sd <= 0.5)).all().all()
    lo = ind.logodds_momentum(trump, 24)
    assert lo.iloc[-1] > 0  # the last day moved Trump toward 1
    assert np.isfinite(ind.logodds_vol(trump, 24).iloc[-1])
    overround = panel.sum(axis=1) - 1.0  # all outcomes' YES prices of one event
    assert overround.abs().max() < 0.1
    gap = ind.yes_no_gap(trump, 1.0 - trump)
    np.testing.assert_allclose(gap, 0.0, atol=1e-12)


@pytest.mark.skipif(not KALSHI.exists(), reason="real data not present")
def test_kalshi_candles_atr_and_top_of_book():
    bars = pd.read_csv(KALSHI)
    high, low, close = (bars[f"price_{k}"] / 100 for k in ("high", "low", "close"))
    atr = ind.atr(high, low, close, 14)
    gap = close.isna()
    assert gap.sum() == 1  # one hour without a candle
    assert atr[gap].isna().all()
    # the gap is skipped: the same as pandas-ta on the series without that row
    kept = ta.atr(high[~gap], low[~gap], close[~gap], 14)
    np.testing.assert_allclose(atr[~gap], kept, rtol=1e-9, atol=1e-12)
    bid, ask = bars["bid_close"] / 100, bars["ask_close"] / 100
    spread = ind.spread(bid, ask)
    assert (spread.dropna() >= 0).all()
    assert ((ind.mid(bid, ask) - (bid + ask) / 2).abs() < 1e-12).all()
