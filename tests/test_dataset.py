"""The Dataset container: validation, per-token arrays, slicing, frames and summary."""

import numpy as np
import pandas as pd
import pytest

from alpha_arena.data import Dataset
from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import NS_PER_MINUTE
from alpha_arena.types import ResolutionState
from tests.factories import make_dataset


def test_per_token_arrays_line_up_with_markets():
    ds = make_dataset(n_markets=3)
    assert ds.n_tokens == 6
    assert ds.n_markets == 3
    assert list(ds.complement) == [1, 0, 3, 2, 5, 4]
    assert list(ds.is_yes) == [True, False] * 3
    assert list(ds.token_market) == [0, 0, 1, 1, 2, 2]
    np.testing.assert_array_equal(ds.payout[:4], [1.0, 0.0, 0.5, 0.5])
    assert np.isnan(ds.payout[4:]).all()
    assert ds.resolve_ns[0] == ds.times[-1]
    assert ds.resolve_ns[4] == np.iinfo(np.int64).max
    assert ds.market("m0").resolution.state is ResolutionState.RESOLVED
    assert ds.market("m0").yes.token_id == "m0-yes"


def test_window_last_and_select_cut_everything_consistently():
    ds = make_dataset(n_times=60)
    cut = ds.window(ds.times[10], ds.times[29])
    assert cut.n_times == 20
    assert cut.books.times[0] >= ds.times[10]
    np.testing.assert_array_equal(cut.prices, ds.prices[10:30])
    last = ds.last(days=10 / (24 * 60))
    assert last.n_times == 11
    one = ds.select(["thing-1"])
    assert list(one.tokens.index) == ["m1-yes", "m1-no"]
    assert one.books.bid_px.shape[1] == 2
    np.testing.assert_array_equal(one.prices, ds.prices[:, 2:4])
    with pytest.raises(ValidationError, match="markets: expected condition ids"):
        ds.select(["nope"])
    with pytest.raises(ValidationError, match="days"):
        ds.last(0)


def test_frames_keep_index_and_columns():
    ds = make_dataset()
    frame = ds.prices_frame()
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert str(frame.index.tz) == "UTC"
    assert list(frame.columns) == list(ds.tokens.index)
    pl_frame = ds.prices_polars()
    assert pl_frame.columns[0] == "time"
    assert pl_frame.shape == (ds.n_times, ds.n_tokens + 1)


def test_summary_and_repr_label_synthetic_data():
    ds = make_dataset()
    text = repr(ds)
    assert "SYNTHETIC" in text
    assert "resolved 1, void 1, unresolved 1" in text
    assert ds.summary()["step_seconds"] == NS_PER_MINUTE / 1e9


def test_bad_panels_are_refused_with_the_field():
    ds = make_dataset()
    with pytest.raises(ValidationError, match="prices: expected shape"):
        ds._replace(prices=ds.prices[:, :2])
    with pytest.raises(ValidationError, match=r"prices: expected probabilities in \[0, 1\]"):
        ds._replace(prices=ds.prices * 3)
    with pytest.raises(ValidationError, match="times: expected strictly increasing"):
        ds._replace(times=ds.times[::-1].copy())
    with pytest.raises(ValidationError, match="tokens: expected exactly one YES"):
        Dataset(ds.markets, ds.tokens.assign(is_yes=True), ds.times, ds.prices)
