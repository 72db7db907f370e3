"""OHLCV bars: checked against pandas resample / group-by references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.data.bars import bars
from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import NS_PER_SECOND
from tests.factories import make_dataset


def reference_ohlc(ds, seconds):
    frame = ds.prices_frame()
    rule = f"{int(seconds)}s"
    grouped = frame.resample(rule, origin="epoch", label="left", closed="left")
    return {
        "open": grouped.first(),
        "high": grouped.max(),
        "low": grouped.min(),
        "close": grouped.last(),
    }


def reference_volume(ds, seconds, index):
    bar_ns = int(seconds * NS_PER_SECOND)
    totals = (
        ds.trades.with_columns((pl.col("ts") // bar_ns * bar_ns).alias("bar"))
        .group_by("bar", "token_id")
        .agg(pl.col("size").sum())
        .to_pandas()
        .pivot(index="bar", columns="token_id", values="size")
    )
    out = pd.DataFrame(0.0, index=index, columns=ds.tokens.index)
    for bar, row in totals.iterrows():
        if bar in out.index:
            out.loc[bar, row.index] = row.fillna(0.0).to_numpy()
    return out


@pytest.mark.parametrize("seconds", [300, 3600, 4 * 3600])
def test_panel_ohlc_and_volume_match_pandas(synthetic, seconds):
    out = bars(synthetic, seconds)
    ref = reference_ohlc(synthetic, seconds)
    ref_index = ref["open"].index.as_unit("ns").asi8
    keep = np.isin(ref_index, out.times)
    assert np.array_equal(ref_index[keep], out.times)
    for name in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(getattr(out, name), ref[name].to_numpy()[keep])
    volume = reference_volume(synthetic, seconds, out.times)
    np.testing.assert_allclose(out.volume, volume.to_numpy())
    assert out.volume.sum() == pytest.approx(synthetic.trades["size"].sum())


def test_trade_bars_use_the_trades_where_there_are_some(synthetic):
    seconds = 3600
    out = bars(synthetic, seconds, use_trades=True)
    panel = bars(synthetic, seconds)
    bar_ns = seconds * NS_PER_SECOND
    ref = (
        synthetic.trades.sort("ts")
        .with_columns((pl.col("ts") // bar_ns * bar_ns).alias("bar"))
        .group_by("bar", "token_id", maintain_order=True)
        .agg(
            pl.col("price").first().alias("open"),
            pl.col("price").max().alias("high"),
            pl.col("price").min().alias("low"),
            pl.col("price").last().alias("close"),
        )
    )
    rows = np.searchsorted(out.times, ref["bar"].to_numpy())
    cols = synthetic.tokens.index.get_indexer(ref["token_id"].to_numpy())
    for name in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(getattr(out, name)[rows, cols], ref[name].to_numpy())
    untouched = np.ones(out.open.shape, dtype=bool)
    untouched[rows, cols] = False
    np.testing.assert_array_equal(out.close[untouched], panel.close[untouched])


@settings(deadline=None, max_examples=25)
@given(
    seed=st.integers(0, 10_000),
    n_times=st.integers(2, 90),
    every=st.sampled_from([1, 2, 5, 7, 60]),
    holes=st.floats(0.0, 0.9),
)
def test_bars_match_a_plain_loop_with_gaps(seed, n_times, every, holes):
    ds = make_dataset(n_markets=2, n_times=n_times, seed=seed)
    rng = np.random.default_rng(seed)
    prices = ds.prices.copy()
    prices[rng.random(prices.shape) < holes] = np.nan
    ds = ds._replace(prices=prices)
    out = bars(ds, 60 * every)
    bar_of_row = ds.times // (60 * every * NS_PER_SECOND)
    for i, b in enumerate(np.unique(bar_of_row)):
        block = prices[bar_of_row == b]
        for col in range(ds.n_tokens):
            values = block[:, col][~np.isnan(block[:, col])]
            if values.size:
                assert out.open[i, col] == values[0]
                assert out.close[i, col] == values[-1]
                assert out.high[i, col] == values.max()
                assert out.low[i, col] == values.min()
            else:
                assert np.isnan(out.close[i, col])


def test_frame_for_pandas_indicators(synthetic):
    out = bars(synthetic, 3600)
    token = synthetic.token_ids[0]
    frame = out.frame(token)
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert frame.index.tz is not None
    with pytest.raises(KeyError):
        out.frame("nope")


@pytest.mark.parametrize("seconds", [0, -60, 90, "1h"])
def test_bad_bar_lengths_name_the_field(synthetic, seconds):
    with pytest.raises(ValidationError) as info:
        bars(synthetic, seconds)
    assert info.value.field == "seconds"
