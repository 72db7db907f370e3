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
from alpha_arena.indicators._stream import STREAM_ROWS, store, store_fence

SPAN = 512
"""Rows per span (a multiple of 4): long enough to amortise the per-span work, short
enough that one gap sends few rows to the general loop."""

_REFRESH = 1024
"""Roughly how many valid values pass between exact recomputations of running sums."""

_VAR_RTOL = 1e-11
"""Relative error bound kept on a rolling variance (bounds the error of z-score, %b)."""

_EPS = 2.220446049250313e-16
"""Machine epsilon of float64."""

_ERR_LIMIT = _VAR_RTOL / _EPS
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
def _run_length(x: np.ndarray, stop: int, n: int) -> int:
    """How many rows before `stop` equal x[stop − 1], counting at most `n` (all valid)."""
    v = x[stop - 1]
    run = 1
    while run < n and x[stop - 1 - run] == v:
        run += 1
    return run


@kernel
def _exact_rows(
    x: np.ndarray, start: int, n: int, limit: float, means: np.ndarray, m2s: np.ndarray
) -> None:
    """Redo the rows of a fast span (`means`, `m2s` start at row `start`) whose sum of
    squared deviations is within `limit` of the rounding bound: a window of identical
    values gets exactly that value and 0, any other an exact two-pass recomputation."""
    run = 0
    last = -2
    for j in range(means.size):
        if m2s[j] > limit:
            continue
        i = start + j
        v = x[i]
        if last == j - 1:
            run = min(run + 1, n) if v == x[i - 1] else 1
        else:
            run = _run_length(x, i + 1, n)
        last = j
        if run >= n:
            means[j] = v
            m2s[j] = 0.0
        else:
            total, m2s[j] = _exact_moments(x, i + 1, n)
            means[j] = total / n


@kernel
def _moment_span(
    x: np.ndarray,
    start: int,
    stop: int,
    n: int,
    inv_dof: float,
    deviation: bool,
    s: float,
    m2: float,
    means: np.ndarray,
    m2s: np.ndarray,
) -> bool:
    """The fast loop over rows [start, stop) (a multiple of 4 rows) into `means` and
    `m2s` (those rows' slots), assuming x[start − n:stop] all valid, from the window's
    sum `s` and squared deviations `m2`; False (the rows unfinished) if that was wrong.

    Values are shifted by the opening window's mean `k` (the shifted sum is summed
    afresh: k is rounded, and a sum taken as zero would bias every update), so the
    running sum stays near zero. The leaving value is x[i − n], read through views
    indexed from 0 (no ring buffer, no negative-index checks). Four rows per step, so
    the loop-carried chains (sum and Welford sum of squares) take one addition per four
    rows. No row is checked in the loop: a missing value leaves the sums non-finite,
    and a row whose sum of squares may be mostly rounding error (the bound summed over
    the span) or whose window is flat is redone exactly afterwards (`_exact_rows`).
    The last passes turn sums of squares into variances or deviations, vectorized.
    """
    k = s / n
    inv_n = 1.0 / n
    new = x[start:stop]
    leaving = x[start - n : stop - n]
    s = 0.0
    for v in leaving[:n]:
        s += v - k
    err = n * n * n * _EPS * k * k + n * m2
    for b in range(new.size // 4):
        j = 4 * b
        u0 = new[j] - k
        u1 = new[j + 1] - k
        u2 = new[j + 2] - k
        u3 = new[j + 3] - k
        w0 = leaving[j] - k
        w1 = leaving[j + 1] - k
        w2 = leaving[j + 2] - k
        w3 = leaving[j + 3] - k
        d0 = u0 - w0
        d1 = u1 - w1
        d2 = u2 - w2
        d3 = u3 - w3
        d01 = d0 + d1
        s0 = s + d0
        s1 = s + d01
        s2 = s1 + d2
        s3 = s + (d01 + (d2 + d3))
        i0 = d0 * ((u0 + w0) - (s + s0) * inv_n)
        i1 = d1 * ((u1 + w1) - (s0 + s1) * inv_n)
        i2 = d2 * ((u2 + w2) - (s1 + s2) * inv_n)
        i3 = d3 * ((u3 + w3) - (s2 + s3) * inv_n)
        i01 = i0 + i1
        q1 = m2 + i01
        m2s[j] = m2 + i0
        m2s[j + 1] = q1
        m2s[j + 2] = q1 + i2
        m2 = m2 + (i01 + (i2 + i3))
        m2s[j + 3] = m2
        err += (abs(d0) * (abs(u0) + abs(w0)) + abs(d1) * (abs(u1) + abs(w1))) + (
            abs(d2) * (abs(u2) + abs(w2)) + abs(d3) * (abs(u3) + abs(w3))
        )
        means[j] = k + s0 * inv_n
        means[j + 1] = k + s1 * inv_n
        means[j + 2] = k + s2 * inv_n
        means[j + 3] = k + s3 * inv_n
        s = s3
    if not (math.isfinite(s) and math.isfinite(m2)):
        return False
    limit = err / _ERR_LIMIT
    suspects = 0
    for j in range(m2s.size):
        suspects += m2s[j] <= limit
    if suspects:
        _exact_rows(x, start, n, limit, means, m2s)
    if deviation:
        for j in range(m2s.size):
            m2s[j] = math.sqrt(max(m2s[j], 0.0) * inv_dof)
    else:
        for j in range(m2s.size):
            m2s[j] = max(m2s[j], 0.0) * inv_dof
    return True


@kernel
def _mean_span(x: np.ndarray, start: int, stop: int, n: int, s: float, means: np.ndarray) -> bool:
    """`_moment_span` for the mean alone, from the window's sum `s`: no sum of squares
    to flag flat windows, so the loop counts the changes between neighbouring values
    inside the window (a flat window has none, and gets exactly its value)."""
    k = s / n
    inv_n = 1.0 / n
    new = x[start:stop]
    before = x[start - 1 : stop - 1]
    leaving = x[start - n : stop - n]
    after_leaving = x[start - n + 1 : stop - n + 1]
    s = 0.0
    for v in leaving[:n]:
        s += v - k
    changes = 0
    for j in range(1, n):
        changes += leaving[j] != leaving[j - 1]
    for b in range(new.size // 4):
        j = 4 * b
        d0 = new[j] - leaving[j]
        d1 = new[j + 1] - leaving[j + 1]
        d2 = new[j + 2] - leaving[j + 2]
        d3 = new[j + 3] - leaving[j + 3]
        d01 = d0 + d1
        s0 = s + d0
        s1 = s + d01
        s2 = s1 + d2
        s = s + (d01 + (d2 + d3))
        c0 = changes + (new[j] != before[j]) - (after_leaving[j] != leaving[j])
        c1 = c0 + (new[j + 1] != before[j + 1]) - (after_leaving[j + 1] != leaving[j + 1])
        c2 = c1 + (new[j + 2] != before[j + 2]) - (after_leaving[j + 2] != leaving[j + 2])
        changes = c2 + (new[j + 3] != before[j + 3]) - (after_leaving[j + 3] != leaving[j + 3])
        means[j] = new[j] if c0 == 0 else k + s0 * inv_n
        means[j + 1] = new[j + 1] if c1 == 0 else k + s1 * inv_n
        means[j + 2] = new[j + 2] if c2 == 0 else k + s2 * inv_n
        means[j + 3] = new[j + 3] if changes == 0 else k + s * inv_n
    return math.isfinite(s)


@kernel
def band_rows(
    x: np.ndarray,
    width: float,
    lower: np.ndarray,
    mid: np.ndarray,
    upper: np.ndarray,
    bandwidth: np.ndarray,
    percent: np.ndarray,
) -> None:
    """Bollinger Bands from the mean (`mid`) and deviation (in `percent`, replaced by
    %b): bands = mid ± width·deviation, bandwidth = 100·(upper − lower)/mid, %b =
    (x − lower)/(upper − lower), NaN when the bands have zero width."""
    for i in range(x.size):
        dev = width * percent[i]
        lower[i] = mid[i] - dev
        upper[i] = mid[i] + dev
        span = upper[i] - lower[i]
        bandwidth[i] = 100.0 * span / mid[i]
        percent[i] = (x[i] - lower[i]) / span if span > 0.0 else np.nan


@kernel
def window_moments(
    x: np.ndarray,
    n: int,
    ddof: int,
    mean_out: np.ndarray,
    var_out: np.ndarray | None,
    deviation: bool = False,
    bands: tuple[float, np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> None:
    """Rolling mean (and, unless `var_out` is None, variance with `ddof`, or with
    `deviation` the standard deviation) over the last `n` valid values. With `bands`
    = (width, lower, upper, bandwidth), also Bollinger Bands (`band_rows`), a span at
    a time while its rows are in cache; `var_out` then ends up holding %b.

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
        fast = start + (stop - start) // 4 * 4
        if not attempted and state[1] >= n and start >= n and fast - start >= n:
            attempted = True
            means = mean_out[start:fast]
            if var_out is None:
                done = _mean_span(x, start, fast, n, state[4], means)
            else:
                m2s = var_out[start:fast]
                done = _moment_span(
                    x, start, fast, n, inv_dof, deviation, state[4], state[5], means, m2s
                )
            if done:
                buf[:] = x[fast - n : fast]
                s, m2 = _exact_moments(x, fast, n)
                run = _run_length(x, fast, n)
                state = (0, n, max(1, _REFRESH // n), run, s, m2, 0.0, x[fast - 1])
                attempted = False
                start = fast
        else:
            attempted = False
        state = _moment_rows(x, start, stop, n, inv_dof, deviation, buf, state, mean_out, var_out)
        if bands is not None and var_out is not None:
            first_row = first * span
            width, lower, upper, bandwidth = bands
            band_rows(
                x[first_row:stop],
                width,
                lower[first_row:stop],
                mean_out[first_row:stop],
                upper[first_row:stop],
                bandwidth[first_row:stop],
                var_out[first_row:stop],
            )


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


@step
def _ema_span(rows: np.ndarray, outs: np.ndarray, e: float, alpha: float, streaming: bool) -> float:
    """The fast loop of `ema_into` over one span (a multiple of 4 rows), four rows per
    step; returns the last average (non-finite if a row was missing). `streaming` (a
    compile-time constant) writes around the cache."""
    c = 1.0 - alpha
    for b in range(rows.size // 4):
        i = 4 * b
        e1, e2, e3, e = ema_block(
            e, alpha * rows[i], alpha * rows[i + 1], alpha * rows[i + 2], alpha * rows[i + 3], c
        )
        store(outs, i, e1, streaming)
        store(outs, i + 1, e2, streaming)
        store(outs, i + 2, e3, streaming)
        store(outs, i + 3, e, streaming)
    return e


@kernel
def ema_rows(
    x: np.ndarray,
    start: int,
    stop: int,
    n: int,
    alpha: float,
    out: np.ndarray,
    state: tuple[int, float, float, bool],
    streaming: bool,
) -> tuple[int, float, float, bool]:
    """`ema_into` over rows [start, stop) (`start` a multiple of `SPAN`), resuming from
    `state` = (valid values seen, their sum while seeding, the average, whether the
    last span was redone); returns the state after `stop`. Chunked calls give exactly
    the one-call result, so a kernel can run several averages chunk by chunk while the
    rows are in cache (MACD). `streaming` writes the fast spans around the cache."""
    k, s, e, attempted = state
    for first in range(start // SPAN, (stop + SPAN - 1) // SPAN):
        lo = first * SPAN
        hi = min(lo + SPAN, stop)
        if not attempted and k >= n and hi - lo == SPAN:
            attempted = True
            rows = x[lo:hi]
            outs = out[lo:hi]
            if streaming:
                f = _ema_span(rows, outs, e, alpha, True)
            else:
                f = _ema_span(rows, outs, e, alpha, False)
            if math.isfinite(f):
                e = f
                attempted = False
                continue
        else:
            attempted = False
        for i in range(lo, hi):
            v = x[i]
            if not math.isfinite(v):
                out[i] = np.nan
            else:
                k, s, e = ema_step(v, n, alpha, k, s, e)
                out[i] = e
    return k, s, e, attempted


@kernel
def ema_into(x: np.ndarray, n: int, alpha: float, out: np.ndarray) -> None:
    """Exponential average of the valid values of `x`: NaN for the first n − 1 and for
    missing rows. `alpha` is 2/(n+1) for an EMA and 1/n for Wilder's smoothing (RMA).
    Once seeded, a span is first tried four rows per step (`ema_block`) with no row
    checked; a missing row in it leaves the average non-finite and the span is redone
    row by row (see the module docstring). An output too large to stay cached is
    written around the cache (`_stream.py`)."""
    streaming = x.size >= STREAM_ROWS
    ema_rows(x, 0, x.size, n, alpha, out, (0, 0.0, np.nan, False), streaming)
    if streaming:
        store_fence()


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
