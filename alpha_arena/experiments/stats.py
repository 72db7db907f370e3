"""Overfitting statistics for a parameter search: the deflated Sharpe ratio and PBO (CSCV).

- Deflated Sharpe ratio (Bailey & López de Prado, 2014, "The Deflated Sharpe Ratio"):
  the probability that the best of `n_trials` Sharpe ratios beats the Sharpe ratio the
  best of `n_trials` skill-less strategies would show, given the sample length, skewness
  and kurtosis of the returns.
- Probability of backtest overfitting (Bailey, Borwein, López de Prado & Zhu, 2015,
  combinatorially symmetric cross-validation): how often the configuration that is best
  in-sample ranks in the bottom half out-of-sample.

All Sharpe ratios here are per period (not annualised): mean / standard deviation of the
returns at the frequency given.
"""

from __future__ import annotations

import itertools
import math
from statistics import NormalDist

import numpy as np

from alpha_arena.errors import ValidationError

EULER_GAMMA = 0.5772156649015329
_NORMAL = NormalDist()


def sharpe(returns: np.ndarray) -> np.ndarray:
    """Per-period Sharpe ratio of each column (NaN when the deviation is zero)."""
    values = np.asarray(returns, dtype=float)
    std = values.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(std > 0, values.mean(axis=0) / std, np.nan)


def expected_max_sharpe(n_trials: int, variance: float) -> float:
    """E[max SR] of `n_trials` skill-less trials whose Sharpe ratios have `variance`."""
    if n_trials < 1:
        raise ValidationError("n_trials", "at least 1 trial", n_trials)
    if not variance >= 0:
        raise ValidationError("variance", "a variance >= 0", variance)
    if n_trials == 1:
        return 0.0
    z1 = _NORMAL.inv_cdf(1.0 - 1.0 / n_trials)
    z2 = _NORMAL.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return math.sqrt(variance) * ((1.0 - EULER_GAMMA) * z1 + EULER_GAMMA * z2)


def probabilistic_sharpe(
    observed: float, benchmark: float, n_obs: int, skew: float = 0.0, kurtosis: float = 3.0
) -> float:
    """P(true SR > benchmark) given an observed SR over `n_obs` returns (kurtosis not excess)."""
    if n_obs < 2:
        raise ValidationError("n_obs", "at least 2 returns", n_obs)
    denominator = 1.0 - skew * observed + (kurtosis - 1.0) / 4.0 * observed**2
    if denominator <= 0:
        raise ValidationError("kurtosis", "moments giving a positive SR variance", kurtosis)
    z = (observed - benchmark) * math.sqrt(n_obs - 1) / math.sqrt(denominator)
    return _NORMAL.cdf(z)


def deflated_sharpe(
    observed: float,
    n_trials: int,
    trials_variance: float,
    n_obs: int,
    skew: float = 0.0,
    kurtosis: float = 3.0,
) -> float:
    """The deflated Sharpe ratio: PSR of `observed` against E[max SR] of `n_trials` trials."""
    benchmark = expected_max_sharpe(n_trials, trials_variance)
    return probabilistic_sharpe(observed, benchmark, n_obs, skew, kurtosis)


def deflated_sharpe_of(returns: np.ndarray, best: int) -> float:
    """DSR of column `best` of a (periods × trials) return matrix, moments from the data."""
    values = np.asarray(returns, dtype=float)
    if values.ndim != 2 or values.shape[0] < 3:
        raise ValidationError("returns", "a (periods >= 3) x trials matrix", values.shape)
    ratios = sharpe(values)
    finite = ratios[np.isfinite(ratios)]
    column = values[:, best]
    centred = column - column.mean()
    std = column.std()
    if std == 0 or not finite.size:
        return float("nan")
    skew = float(np.mean(centred**3) / std**3)
    kurt = float(np.mean(centred**4) / std**4)
    variance = float(finite.var(ddof=1)) if finite.size > 1 else 0.0
    return deflated_sharpe(float(ratios[best]), values.shape[1], variance, values.shape[0],
                           skew, kurt)  # fmt: skip


def pbo(returns: np.ndarray, n_splits: int = 8) -> dict[str, float | np.ndarray]:
    """Probability of backtest overfitting by CSCV over a (periods × trials) return matrix.

    Rows are cut into `n_splits` contiguous blocks (even number); every half of the blocks
    is once the in-sample set and the other half the out-of-sample set. For each split the
    in-sample best (by Sharpe) gets its out-of-sample relative rank ω in (0, 1) and logit
    λ = ln(ω / (1 − ω)); PBO is the share of splits with λ <= 0 (best IS below the OOS median).
    """
    values = np.asarray(returns, dtype=float)
    if values.ndim != 2 or values.shape[1] < 2:
        raise ValidationError("returns", "a periods x trials matrix with >= 2 trials",
                              values.shape)  # fmt: skip
    if n_splits < 2 or n_splits % 2:
        raise ValidationError("n_splits", "an even number >= 2", n_splits)
    if values.shape[0] < 2 * n_splits:
        raise ValidationError("returns", f"at least {2 * n_splits} periods", values.shape[0])
    blocks = np.array_split(np.arange(values.shape[0]), n_splits)
    n = values.shape[1]
    logits = []
    for chosen in itertools.combinations(range(n_splits), n_splits // 2):
        train = np.concatenate([blocks[i] for i in chosen])
        test = np.concatenate([blocks[i] for i in range(n_splits) if i not in chosen])
        in_sample = np.nan_to_num(sharpe(values[train]), nan=-np.inf)
        out_sample = np.nan_to_num(sharpe(values[test]), nan=-np.inf)
        best = int(np.argmax(in_sample))
        rank = int(np.sum(out_sample < out_sample[best])) + 1  # 1 = worst, n = best
        omega = rank / (n + 1)
        logits.append(math.log(omega / (1.0 - omega)))
    lam = np.asarray(logits)
    return {"pbo": float(np.mean(lam <= 0)), "logits": lam, "n_combinations": float(lam.size)}
