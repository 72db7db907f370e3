"""Deflated Sharpe ratio and PBO against published and hand-worked values, and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.errors import ValidationError
from alpha_arena.experiments import (
    deflated_sharpe,
    deflated_sharpe_of,
    expected_max_sharpe,
    pbo,
    probabilistic_sharpe,
    sharpe,
)


def test_deflated_sharpe_matches_the_published_example():
    # Bailey & López de Prado (2014), section "A numerical example": annualised SR 2.5 over
    # 1250 daily returns, 100 trials with annualised SR variance 0.5, skew -3, kurtosis 10.
    sr = 2.5 / math.sqrt(250)
    variance = 0.5 / 250
    assert expected_max_sharpe(100, variance) == pytest.approx(0.1132, abs=1e-4)
    assert deflated_sharpe(sr, 100, variance, 1250, -3.0, 10.0) == pytest.approx(0.9004, abs=1e-4)


def test_probabilistic_sharpe_hand_worked():
    assert probabilistic_sharpe(0.1, 0.1, 100) == pytest.approx(0.5)
    # normal returns: z = 0.1 * sqrt(99) / sqrt(1 + 0.5 * 0.01)
    z = 0.1 * math.sqrt(99) / math.sqrt(1.005)
    expected = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    assert probabilistic_sharpe(0.1, 0.0, 100) == pytest.approx(expected)
    assert expected_max_sharpe(1, 0.3) == 0.0


def test_deflated_sharpe_of_uses_the_moments_of_the_data():
    rng = np.random.default_rng(3)
    returns = rng.normal(0.0, 0.01, size=(500, 20))
    returns[:, 7] += 0.004
    ratios = sharpe(returns)
    column = returns[:, 7]
    c = column - column.mean()
    skew = np.mean(c**3) / column.std() ** 3
    kurt = np.mean(c**4) / column.std() ** 4
    expected = deflated_sharpe(ratios[7], 20, ratios.var(ddof=1), 500, skew, kurt)
    assert deflated_sharpe_of(returns, 7) == pytest.approx(expected)
    assert deflated_sharpe_of(returns, 7) > 0.95
    assert deflated_sharpe_of(returns, 0) < 0.5


def test_pbo_is_zero_when_the_in_sample_best_stays_best():
    rng = np.random.default_rng(0)
    drift = np.linspace(0.0, 0.01, 6)
    returns = drift + rng.normal(0.0, 0.001, size=(80, 6))
    result = pbo(returns, n_splits=8)
    assert result["pbo"] == 0.0
    assert result["n_combinations"] == math.comb(8, 4)
    assert np.allclose(result["logits"], math.log(6 / 1))  # best of 6: ω = 6/7


def test_pbo_is_one_when_the_in_sample_best_reverses():
    rng = np.random.default_rng(1)
    noise = rng.normal(0.0, 0.001, size=(40, 2))
    a = np.r_[np.full(20, 0.01), np.full(20, -0.01)]
    returns = np.c_[a, -a] + noise
    result = pbo(returns, n_splits=2)
    # IS best is the OOS worst of 2: rank 1, ω = 1/3, λ = ln(1/2)
    assert result["pbo"] == 1.0
    assert np.allclose(result["logits"], math.log(0.5))


@settings(deadline=None, max_examples=25)
@given(st.integers(0, 10_000), st.floats(0.1, 100.0))
def test_pbo_bounded_and_scale_invariant(seed, scale):
    returns = np.random.default_rng(seed).normal(0.0, 0.01, size=(48, 5))
    first = pbo(returns, n_splits=6)
    assert 0.0 <= first["pbo"] <= 1.0
    assert pbo(returns * scale, n_splits=6)["pbo"] == first["pbo"]


def test_pbo_of_noise_is_near_one_half():
    returns = np.random.default_rng(5).normal(0.0, 0.01, size=(400, 50))
    assert 0.3 < pbo(returns, n_splits=10)["pbo"] < 0.7


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"returns": np.zeros((40, 1))}, "returns"),
        ({"returns": np.zeros((40, 3)), "n_splits": 3}, "n_splits"),
        ({"returns": np.zeros((5, 3)), "n_splits": 4}, "returns"),
    ],
)
def test_pbo_rejects_bad_input(kwargs, field):
    with pytest.raises(ValidationError, match=field):
        pbo(**kwargs)


def test_dsr_rejects_bad_input():
    with pytest.raises(ValidationError, match="n_trials"):
        expected_max_sharpe(0, 0.1)
    with pytest.raises(ValidationError, match="n_obs"):
        probabilistic_sharpe(0.1, 0.0, 1)
    with pytest.raises(ValidationError, match="returns"):
        deflated_sharpe_of(np.zeros(10), 0)
