"""Window primitives shared by the indicator kernels: rolling moments and EMA chains.

Missing rows (non-finite input) are skipped: a window holds the last `n` *valid*
observations, and a missing row gets NaN. That makes every indicator equal to the same
indicator computed on the series with its missing rows removed (see docs/indicators.md).
"""

from __future__ import annotations

import math

import numpy as np

from alpha_arena.indicators._jit import kernel, step


@kernel
def _exact_moments(buf: np.ndarray, n: int) -> tuple[float, float]:
    """Sum and sum of squared deviations of a full window, two-pass (no drift)."""
    total = 0.0
    for i in range(n):
        total += buf[i]
    mean = total / n
    m2 = 0.0
    for i in range(n):
        d = buf[i] - mean
        m2 += d * d
    return total, m2


_REFRESH = 1024
"""Roughly how many valid values pass between exact recomputations of running sums."""

_VAR_RTOL = 1e-11
"""Relative error bound kept on a rolling variance (bounds the error of z-score, %b)."""

_EPS = 2.220446049250313e-16


@kernel
def window_moments(
    x: np.ndarray, n: int, ddof: int, mean_out: np.ndarray, var_out: np.ndarray, with_var: bool
) -> None:
    """Rolling mean (and variance with `ddof`) over the last `n` valid values.

    Running sums are updated per step (Welford replacement for the variance) and
    recomputed exactly about every `_REFRESH` values, so float drift cannot build up
    over long series; the variance is also recomputed exactly whenever the rounding
    error its updates may have accumulated could exceed `_VAR_RTOL` of it (after a
    large swing leaves a now quiet window). A window of identical values gives exactly
    that value and variance 0.
    """
    buf = np.empty(n)
    inv_n = 1.0 / n
    inv_dof = 1.0 / (n - ddof)
    refresh = max(1, _REFRESH // n)
    wraps = 0
    pos = 0
    k = 0
    s = 0.0
    m2 = 0.0
    run = 0
    err = 0.0
    prev = np.nan
    for i in range(x.size):
        v = x[i]
        if not math.isfinite(v):
            mean_out[i] = np.nan
            if with_var:
                var_out[i] = np.nan
            continue
        run = run + 1 if v == prev else 1
        prev = v
        if k < n:
            buf[pos] = v
            s += v
            k += 1
        else:
            old = buf[pos]
            buf[pos] = v
            d = v - old
            if with_var:
                mean_old = s * inv_n
                s += d
                m2 += d * (v - s * inv_n + old - mean_old)
                err += abs(d) * (abs(v) + abs(old))
                if err * _EPS > _VAR_RTOL * m2:
                    s, m2 = _exact_moments(buf, n)
                    err = 0.0
            else:
                s += d
        pos += 1
        if pos == n:
            pos = 0
            wraps -= 1
            if wraps <= 0:
                wraps = refresh
                s, m2 = _exact_moments(buf, n)
                err = 0.0
        if k < n:
            mean_out[i] = np.nan
            if with_var:
                var_out[i] = np.nan
        elif run >= n:
            mean_out[i] = v
            if with_var:
                var_out[i] = 0.0
        else:
            mean_out[i] = s * inv_n
            if with_var:
                var_out[i] = max(m2, 0.0) * inv_dof


@step
def ema_step(
    v: float, n: int, alpha: float, k: int, s: float, e: float
) -> tuple[int, float, float]:
    """One update of an EMA seeded with the mean of its first `n` values.

    State (k values seen, their sum s, the average e) in, new state out; e stays NaN
    until the n-th value, where it becomes their mean (TA-Lib's and pandas-ta-classic's
    seed), then e ← (1 − alpha)·e + alpha·v.
    """
    if k < n:
        s += v
        k += 1
        if k == n:
            e = s / n
        return k, s, e
    return k, s, (1.0 - alpha) * e + alpha * v


@kernel
def ema_into(x: np.ndarray, n: int, alpha: float, out: np.ndarray) -> None:
    """Exponential average of the valid values of `x`: NaN for the first n − 1 and for
    missing rows. `alpha` is 2/(n+1) for an EMA and 1/n for Wilder's smoothing (RMA).

    Once seeded, runs of four valid values are taken as a block: the block's last
    average comes straight from the one before the block, c⁴·e + (c³·b₀ + c²·b₁ + c·b₂
    + b₃) with c = 1 − alpha and bᵢ = alpha·vᵢ, so the loop-carried chain is one
    multiply-add per four rows instead of four (the update's latency, not memory, bound
    the one-row loop). The three rows inside the block use the one-row update, so only
    every fourth value is rounded differently (a few ulp; the EMA damps it).
    """
    k = 0
    s = 0.0
    e = np.nan
    c = 1.0 - alpha
    c2 = c * c
    c3 = c2 * c
    c4 = c2 * c2
    size = x.size
    i = 0
    while i < size:
        if k >= n and i + 4 <= size:
            v0 = x[i]
            v1 = x[i + 1]
            v2 = x[i + 2]
            v3 = x[i + 3]
            if math.isfinite(v0) and math.isfinite(v1) and math.isfinite(v2) and math.isfinite(v3):
                b0 = alpha * v0
                b1 = alpha * v1
                b2 = alpha * v2
                b3 = alpha * v3
                e1 = c * e + b0
                e2 = c * e1 + b1
                out[i] = e1
                out[i + 1] = e2
                out[i + 2] = c * e2 + b2
                e = c4 * e + (((c3 * b0 + c2 * b1) + c * b2) + b3)
                out[i + 3] = e
                i += 4
                continue
        v = x[i]
        if not math.isfinite(v):
            out[i] = np.nan
        else:
            k, s, e = ema_step(v, n, alpha, k, s, e)
            out[i] = e
        i += 1


@kernel
def lagged_into(x: np.ndarray, n: int, ratio: bool, out: np.ndarray) -> None:
    """x − x[n valid rows ago] (momentum), or 100·(x − lag)/lag with `ratio` (ROC)."""
    buf = np.empty(n)
    pos = 0
    k = 0
    for i in range(x.size):
        v = x[i]
        if not math.isfinite(v):
            out[i] = np.nan
            continue
        if k < n:
            out[i] = np.nan
            k += 1
        else:
            old = buf[pos]
            out[i] = 100.0 * (v - old) / old if ratio else v - old
        buf[pos] = v
        pos += 1
        if pos == n:
            pos = 0
