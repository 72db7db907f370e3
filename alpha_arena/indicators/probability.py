"""Probability-native indicators: log-odds, Bernoulli std, time to resolution, and the
expected value and fractional-Kelly size of a probability estimate after Polymarket fees.

Kernels come as `*_1d` (a series) and `*_2d` (a (time, markets) matrix, markets in
parallel) and write into caller-allocated `out` arrays, like the classic indicators;
`time_to_resolution_2d` is the exception (times × markets, it allocates its result).
A probability outside [0, 1] or a non-finite input gives NaN.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from alpha_arena.fees.polymarket import pm_fee_per_share
from alpha_arena.indicators._jit import kernel, parallel_kernel
from alpha_arena.indicators.rolling import lagged_into, window_moments


@kernel
def _logit(p: float, eps: float) -> float:
    if not (0.0 <= p <= 1.0):
        return np.nan
    q = min(max(p, eps), 1.0 - eps)
    return math.log(q / (1.0 - q))


@kernel
def logit_1d(p: np.ndarray, eps: float, out: np.ndarray) -> None:
    """log(p / (1 − p)), p clipped to [eps, 1 − eps] first (eps 0: 0 → −inf, 1 → +inf)."""
    for i in range(p.size):
        out[i] = _logit(p[i], eps)


@kernel
def expit_1d(x: np.ndarray, out: np.ndarray) -> None:
    """1 / (1 + e^−x), the inverse of logit, without overflow for large |x|."""
    for i in range(x.size):
        v = x[i]
        if v >= 0.0:
            out[i] = 1.0 / (1.0 + math.exp(-v))
        else:
            z = math.exp(v)
            out[i] = z / (1.0 + z)


@kernel
def bernoulli_std_1d(p: np.ndarray, out: np.ndarray) -> None:
    """sqrt(p(1 − p)): the standard deviation of a binary payoff priced at p."""
    for i in range(p.size):
        v = p[i]
        out[i] = math.sqrt(v * (1.0 - v)) if 0.0 <= v <= 1.0 else np.nan


@kernel
def logodds_momentum_1d(p: np.ndarray, n: int, eps: float, out: np.ndarray) -> None:
    """logit(p) − logit(p `n` valid rows ago)."""
    lo = np.empty_like(p)
    for i in range(p.size):
        lo[i] = _logit(p[i], eps)
    lagged_into(lo, n, False, out)


@kernel
def logodds_vol_1d(p: np.ndarray, n: int, eps: float, out: np.ndarray) -> None:
    """Rolling sample std (ddof 1) of the last n log-odds changes between valid rows."""
    diff = np.empty_like(p)
    prev = np.nan
    for i in range(p.size):
        lo = _logit(p[i], eps)
        if not math.isfinite(lo):
            diff[i] = np.nan
            continue
        diff[i] = lo - prev
        prev = lo
    mean = np.empty_like(p)
    window_moments(diff, n, 1, mean, out, True)


@parallel_kernel
def time_to_resolution_2d(times_ns: np.ndarray, end_ns: np.ndarray, unit_ns: float) -> np.ndarray:
    """(time, markets) time left until each market's end, in units of `unit_ns`.

    0 once the end has passed; NaN where the end is unknown (int64 min, i.e. NaT).
    """
    out = np.empty((times_ns.size, end_ns.size))
    nat = np.iinfo(np.int64).min
    for j in prange(end_ns.size):
        end = end_ns[j]
        for i in range(times_ns.size):
            if end == nat or times_ns[i] == nat:
                out[i, j] = np.nan
            else:
                out[i, j] = max(end - times_ns[i], 0) / unit_ns
    return out


@kernel
def _net_shares(price: float, fee_rate: float) -> float:
    """Shares kept per share bought as a taker: Polymarket takes the buy fee in shares."""
    return 1.0 - pm_fee_per_share(price, fee_rate) / price


@kernel
def expected_value_1d(
    prob: np.ndarray, price: np.ndarray, fee_rate: float, out: np.ndarray
) -> None:
    """Expected profit in USDC per share bought at `price` (taker), for a YES probability
    `prob`: prob × (shares kept after the fee) − price."""
    for i in range(prob.size):
        q = prob[i]
        a = price[i]
        if 0.0 <= q <= 1.0 and 0.0 < a < 1.0:
            out[i] = q * _net_shares(a, fee_rate) - a
        else:
            out[i] = np.nan


@kernel
def kelly_fraction_1d(
    prob: np.ndarray, price: np.ndarray, fee_rate: float, fraction: float, out: np.ndarray
) -> None:
    """Fraction of bankroll to spend buying at `price`: `fraction` × (q − c)/(1 − c),
    where c = price / shares kept is the cost of one share held after the fee; 0 when
    there is no edge (a buy-only sizing: for the NO side pass the NO price and 1 − q)."""
    for i in range(prob.size):
        q = prob[i]
        a = price[i]
        if 0.0 <= q <= 1.0 and 0.0 < a < 1.0:
            c = a / _net_shares(a, fee_rate)
            out[i] = fraction * (q - c) / (1.0 - c) if q > c and c < 1.0 else 0.0
        else:
            out[i] = np.nan


@parallel_kernel
def logit_2d(p: np.ndarray, eps: float, out: np.ndarray) -> None:
    """`logit_1d` of every market (column) of (time, markets) arrays, in parallel."""
    p_t = p.T
    out_t = out.T
    for j in prange(p_t.shape[0]):
        logit_1d(p_t[j], eps, out_t[j])


@parallel_kernel
def expit_2d(x: np.ndarray, out: np.ndarray) -> None:
    """`expit_1d` of every market (column) of (time, markets) arrays, in parallel."""
    x_t = x.T
    out_t = out.T
    for j in prange(x_t.shape[0]):
        expit_1d(x_t[j], out_t[j])


@parallel_kernel
def bernoulli_std_2d(p: np.ndarray, out: np.ndarray) -> None:
    """`bernoulli_std_1d` of every market (column) of (time, markets) arrays, in parallel."""
    p_t = p.T
    out_t = out.T
    for j in prange(p_t.shape[0]):
        bernoulli_std_1d(p_t[j], out_t[j])


@parallel_kernel
def logodds_momentum_2d(p: np.ndarray, n: int, eps: float, out: np.ndarray) -> None:
    """`logodds_momentum_1d` of every market (column) of (time, markets) arrays, in parallel."""
    p_t = p.T
    out_t = out.T
    for j in prange(p_t.shape[0]):
        logodds_momentum_1d(p_t[j], n, eps, out_t[j])


@parallel_kernel
def logodds_vol_2d(p: np.ndarray, n: int, eps: float, out: np.ndarray) -> None:
    """`logodds_vol_1d` of every market (column) of (time, markets) arrays, in parallel."""
    p_t = p.T
    out_t = out.T
    for j in prange(p_t.shape[0]):
        logodds_vol_1d(p_t[j], n, eps, out_t[j])


@parallel_kernel
def expected_value_2d(
    prob: np.ndarray, price: np.ndarray, fee_rate: float, out: np.ndarray
) -> None:
    """`expected_value_1d` of every market (column) of (time, markets) arrays, in parallel."""
    prob_t = prob.T
    price_t = price.T
    out_t = out.T
    for j in prange(prob_t.shape[0]):
        expected_value_1d(prob_t[j], price_t[j], fee_rate, out_t[j])


@parallel_kernel
def kelly_fraction_2d(
    prob: np.ndarray, price: np.ndarray, fee_rate: float, fraction: float, out: np.ndarray
) -> None:
    """`kelly_fraction_1d` of every market (column) of (time, markets) arrays, in parallel."""
    prob_t = prob.T
    price_t = price.T
    out_t = out.T
    for j in prange(prob_t.shape[0]):
        kelly_fraction_1d(prob_t[j], price_t[j], fee_rate, fraction, out_t[j])
