"""Window primitives shared by the indicator kernels: rolling moments and EMA chains.

Missing rows (non-finite input) are skipped: a window holds the last `n` *valid*
observations, and a missing row gets NaN. That makes every indicator equal to the same
indicator computed on the series with its missing rows removed (see docs/indicators.md).

The primitives walk a series in spans of `SPAN` rows. Each span first takes a fast
loop that checks no row: a missing row (NaN, ±inf) in it poisons the loop's running
state, which is checked once at the end of the span, and a poisoned span is redone by
the general one-row loop from the state before it (so is the span after it, as gaps
tend to cluster). Real panels are mostly valid rows, so almost every span is fast, and
a gap only slows the spans around it.
"""

from __future__ import annotations

import math

import numpy as np

from alpha_arena.indicators._jit import kernel, step

SPAN = 512
"""Rows per span (a multiple of 4): long enough to amortise the per-span work, short
enough that one gap sends few rows to the general loop."""

_REFRESH = 1024
"""Roughly how many valid values pass between exact recomputations of running sums."""

_VAR_RTOL = 1e-11
"""Relative error bound kept on a rolling variance (bounds the error of z-score, %b)."""

_ERR_LIMIT = _VAR_RTOL / 2.220446049250313e-16
"""The variance is recomputed exactly once its accumulated rounding bound, `err` times
machine epsilon, could exceed `_VAR_RTOL` of it: when err > _ERR_LIMIT · m2."""


@kernel
def _exact_moments(x: np.ndarray, stop: int, n: int) -> tuple[float, float]:
    """Sum and sum of squared deviations of x[stop − n:stop], two-pass (no drift)."""
    total = 0.0
    for i in range(stop - n, stop):
        total += x[i]
    mean = total / n
    m2 = 0.0
    for i in range(stop - n, stop):
        d = x[i] - mean
        m2 += d * d
    return total, m2


@step
def _spread(m2: float, inv_dof: float, deviation: bool) -> float:
    """The variance from the sum of squared deviations, or its square root."""
    var = max(m2, 0.0) * inv_dof
    return math.sqrt(var) if deviation else var


@kernel
def _moment_rows(
    x: np.ndarray,
    start: int,
    stop: int,
    n: int,
    inv_dof: float,
    deviation: bool,
    buf: np.ndarray,
    state: tuple[int, int, int, int, float, float, float, float],
    mean_out: np.ndarray,
    var_out: np.ndarray | None,
) -> tuple[int, int, int, int, float, float, float, float]:
    """The general loop over rows [start, stop): gaps skipped, a ring buffer of the last
    `n` valid values, Welford replacement updates, exact recomputation every `_REFRESH`
    values and whenever the variance's rounding bound grows too large. State in, out:
    (ring position, valid values seen, wraps left to a refresh, length of the current
    run of equal values, sum, sum of squared deviations, rounding bound, last value)."""
    pos, k, wraps, run, s, m2, err, prev = state
    inv_n = 1.0 / n
    refresh = max(1, _REFRESH // n)
    for i in range(start, stop):
        v = x[i]
        if not math.isfinite(v):
            mean_out[i] = np.nan
            if var_out is not None:
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
            s_new = s + d
            if var_out is not None:
                m2 += d * ((v + old) - (s + s_new) * inv_n)
                err += abs(d) * (abs(v) + abs(old))
                if err > _ERR_LIMIT * m2:
                    s_new, m2 = _exact_moments(buf, n, n)
                    err = 0.0
            s = s_new
        pos += 1
        if pos == n:
            pos = 0
            wraps -= 1
            if wraps <= 0:
                wraps = refresh
                s, m2 = _exact_moments(buf, n, n)
                err = 0.0
        if k < n:
            mean_out[i] = np.nan
            if var_out is not None:
                var_out[i] = np.nan
        elif run >= n:
            mean_out[i] = v
            if var_out is not None:
                var_out[i] = 0.0
        else:
            mean_out[i] = s * inv_n
            if var_out is not None:
                var_out[i] = _spread(m2, inv_dof, deviation)
    return pos, k, wraps, run, s, m2, err, prev


@kernel
def _moment_span(
    x: np.ndarray,
    start: int,
    stop: int,
    n: int,
    inv_dof: float,
    deviation: bool,
    state: tuple[int, int, int, int, float, float, float, float],
    mean_out: np.ndarray,
    var_out: np.ndarray | None,
) -> tuple[int, float, float]:
    """The fast loop over rows [start, stop), assuming x[start − n:stop] all valid: the
    value leaving the window is x[i − n], so no ring buffer and no per-row check. Same
    updates and exact recomputations as `_moment_rows`; returns (run, sum, m2) at the
    end, the sum NaN if the assumption was wrong. That check needs every row of the
    opening window to leave during the span, so a span shorter than `n` is not fast.
    Rows are read through views indexed from 0, which spares every access numba's
    negative-index check."""
    run, s, m2, err, prev = state[3], state[4], state[5], state[6], state[7]
    inv_n = 1.0 / n
    new = x[start:stop]
    leaving = x[start - n : stop - n]
    means = mean_out[start:stop]
    variances = var_out[start:stop] if var_out is not None else means
    for j in range(new.size):
        v = new[j]
        old = leaving[j]
        run = run + 1 if v == prev else 1
        prev = v
        d = v - old
        s_new = s + d
        if var_out is not None:
            m2 += d * ((v + old) - (s + s_new) * inv_n)
            err += abs(d) * (abs(v) + abs(old))
            if err > _ERR_LIMIT * m2 and math.isfinite(s_new):  # never heal a poisoned sum
                s_new, m2 = _exact_moments(x, start + j + 1, n)
                err = 0.0
        s = s_new
        flat = run >= n
        means[j] = v if flat else s * inv_n
        if var_out is not None:
            variances[j] = 0.0 if flat else _spread(m2, inv_dof, deviation)
    return run, s, m2


@kernel
def window_moments(
    x: np.ndarray,
    n: int,
    ddof: int,
    mean_out: np.ndarray,
    var_out: np.ndarray | None,
    deviation: bool = False,
) -> None:
    """Rolling mean (and, unless `var_out` is None, variance with `ddof`, or with
    `deviation` the standard deviation) over the last `n` valid values. (The square
    root taken in the window loop is nearly free: that loop waits on its running sums.)

    Running sums are updated per row (Welford replacement for the variance) and
    recomputed exactly at least every `_REFRESH` values and at the end of every fast
    span, so float drift cannot build up over long series; the variance is also
    recomputed exactly whenever the rounding error its updates may have accumulated
    could exceed `_VAR_RTOL` of it (after a large swing leaves a now quiet window). A
    window of identical values gives exactly that value and variance 0.
    """
    buf = np.empty(n)
    inv_dof = 1.0 / (n - ddof)
    span = max(SPAN, 4 * n)
    state = (0, 0, 0, 0, 0.0, 0.0, 0.0, np.nan)
    size = x.size
    attempted = False
    for first in range(0, size // span + 1):
        start = first * span
        stop = min(start + span, size)
        if not attempted and state[1] >= n and start >= n and stop - start >= n:
            attempted = True
            run, s, m2 = _moment_span(
                x, start, stop, n, inv_dof, deviation, state, mean_out, var_out
            )
            if math.isfinite(s) and math.isfinite(m2):
                buf[:] = x[stop - n : stop]
                s, m2 = _exact_moments(x, stop, n)
                state = (0, n, max(1, _REFRESH // n), run, s, m2, 0.0, x[stop - 1])
                attempted = False
                continue
        else:
            attempted = False
        state = _moment_rows(x, start, stop, n, inv_dof, deviation, buf, state, mean_out, var_out)


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


@step
def ema_block(
    e: float, b0: float, b1: float, b2: float, b3: float, c: float
) -> tuple[float, float, float, float]:
    """Four rows of e ← c·e + b at once: the last comes straight from `e` as c⁴·e +
    (c³·b₀ + c²·b₁ + c·b₂ + b₃), so the loop-carried chain is one multiply-add per four
    rows (the update's latency, not memory, bounds a one-row loop). The rows inside
    the block use the one-row update, so only every fourth value rounds differently
    (a few ulp; the average damps it)."""
    c2 = c * c
    e1 = c * e + b0
    e2 = c * e1 + b1
    e3 = c * e2 + b2
    e4 = (c2 * c2) * e + (((c2 * c * b0 + c2 * b1) + c * b2) + b3)
    return e1, e2, e3, e4


@kernel
def ema_into(x: np.ndarray, n: int, alpha: float, out: np.ndarray) -> None:
    """Exponential average of the valid values of `x`: NaN for the first n − 1 and for
    missing rows. `alpha` is 2/(n+1) for an EMA and 1/n for Wilder's smoothing (RMA).
    Once seeded, a span is first tried four rows per step (`ema_block`) with no row
    checked; a missing row in it leaves the average non-finite and the span is redone
    row by row (see the module docstring)."""
    k = 0
    s = 0.0
    e = np.nan
    c = 1.0 - alpha
    size = x.size
    attempted = False
    for first in range(0, size // SPAN + 1):
        start = first * SPAN
        stop = min(start + SPAN, size)
        if not attempted and k >= n and stop - start == SPAN:
            attempted = True
            rows = x[start:stop]
            outs = out[start:stop]
            f = e
            for b in range(SPAN // 4):
                i = 4 * b
                e1, e2, e3, f = ema_block(
                    f,
                    alpha * rows[i],
                    alpha * rows[i + 1],
                    alpha * rows[i + 2],
                    alpha * rows[i + 3],
                    c,
                )
                outs[i] = e1
                outs[i + 1] = e2
                outs[i + 2] = e3
                outs[i + 3] = f
            if math.isfinite(f):
                e = f
                attempted = False
                continue
        else:
            attempted = False
        for i in range(start, stop):
            v = x[i]
            if not math.isfinite(v):
                out[i] = np.nan
            else:
                k, s, e = ema_step(v, n, alpha, k, s, e)
                out[i] = e


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
