"""Probability-native indicators: log-odds, Bernoulli std, time to resolution, and the
expected value and fractional-Kelly size of a probability estimate after Polymarket fees.

Elementwise kernels (`*_nd`) take a 1-D series or a (time, markets) matrix and return
the same shape; windowed ones come as `*_1d` / `*_2d` like the classic indicators.
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


@parallel_kernel
def logit_nd(p: np.ndarray, eps: float) -> np.ndarray:
    """log(p / (1 − p)), p clipped to [eps, 1 − eps] first (eps 0: 0 → −inf, 1 → +inf)."""
    flat = p.ravel()
    out = np.empty(flat.size)
    for i in prange(flat.size):
        out[i] = _logit(flat[i], eps)
    return out.reshape(p.shape)


@parallel_kernel
def expit_nd(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^−x), the inverse of logit, without overflow for large |x|."""
    flat = x.ravel()
    out = np.empty(flat.size)
    for i in prange(flat.size):
        v = flat[i]
        if v >= 0.0:
            out[i] = 1.0 / (1.0 + math.exp(-v))
        else:
            z = math.exp(v)
            out[i] = z / (1.0 + z)
    return out.reshape(x.shape)


@parallel_kernel
def bernoulli_std_nd(p: np.ndarray) -> np.ndarray:
    """sqrt(p(1 − p)): the standard deviation of a binary payoff priced at p."""
    flat = p.ravel()
    out = np.empty(flat.size)
    for i in prange(flat.size):
        v = flat[i]
        out[i] = math.sqrt(v * (1.0 - v)) if 0.0 <= v <= 1.0 else np.nan
    return out.reshape(p.shape)


@kernel
def _logodds_mom(p: np.ndarray, n: int, eps: float, out: np.ndarray) -> None:
    lo = np.empty_like(p)
    for i in range(p.size):
        lo[i] = _logit(p[i], eps)
    lagged_into(lo, n, False, out)


@kernel
def _logodds_vol(p: np.ndarray, n: int, eps: float, out: np.ndarray) -> None:
    """Sample std (ddof 1) of the last n log-odds changes between valid rows."""
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
    for i in range(p.size):
        out[i] = math.sqrt(out[i])


@kernel
def logodds_momentum_1d(p: np.ndarray, length: int, eps: float) -> np.ndarray:
    """logit(p) − logit(p `length` valid rows ago)."""
    out = np.empty_like(p)
    _logodds_mom(p, length, eps, out)
    return out


@parallel_kernel
def logodds_momentum_2d(p: np.ndarray, length: int, eps: float) -> np.ndarray:
    """`logodds_momentum_1d` of every column (market) of a (time, markets) matrix."""
    xt = p.T
    out = np.empty_like(xt)
    for j in prange(xt.shape[0]):
        _logodds_mom(xt[j], length, eps, out[j])
    return out.T


@kernel
def logodds_vol_1d(p: np.ndarray, length: int, eps: float) -> np.ndarray:
    """Rolling sample std of log-odds changes over `length` changes."""
    out = np.empty_like(p)
    _logodds_vol(p, length, eps, out)
    return out


@parallel_kernel
def logodds_vol_2d(p: np.ndarray, length: int, eps: float) -> np.ndarray:
    """`logodds_vol_1d` of every column (market) of a (time, markets) matrix."""
    xt = p.T
    out = np.empty_like(xt)
    for j in prange(xt.shape[0]):
        _logodds_vol(xt[j], length, eps, out[j])
    return out.T


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


@parallel_kernel
def expected_value_nd(prob: np.ndarray, price: np.ndarray, fee_rate: float) -> np.ndarray:
    """Expected profit in USDC per share bought at `price` (taker), for a YES probability
    `prob`: prob × (shares kept after the fee) − price."""
    fp = prob.ravel()
    fx = price.ravel()
    out = np.empty(fp.size)
    for i in prange(fp.size):
        q = fp[i]
        a = fx[i]
        if 0.0 <= q <= 1.0 and 0.0 < a < 1.0:
            out[i] = q * _net_shares(a, fee_rate) - a
        else:
            out[i] = np.nan
    return out.reshape(prob.shape)


@parallel_kernel
def kelly_fraction_nd(
    prob: np.ndarray, price: np.ndarray, fee_rate: float, fraction: float
) -> np.ndarray:
    """Fraction of bankroll to spend buying at `price`: `fraction` × (q − c)/(1 − c),
    where c = price / shares kept is the cost of one share held after the fee; 0 when
    there is no edge (a buy-only sizing: for the NO side pass the NO price and 1 − q)."""
    fp = prob.ravel()
    fx = price.ravel()
    out = np.empty(fp.size)
    for i in prange(fp.size):
        q = fp[i]
        a = fx[i]
        if 0.0 <= q <= 1.0 and 0.0 < a < 1.0:
            c = a / _net_shares(a, fee_rate)
            out[i] = fraction * (q - c) / (1.0 - c) if q > c and c < 1.0 else 0.0
        else:
            out[i] = np.nan
    return out.reshape(prob.shape)
