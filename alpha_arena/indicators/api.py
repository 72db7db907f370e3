"""Public indicator functions: numpy, pandas or polars in, the same kind out.

Each takes a series (1-D: one market) or a frame (2-D: time × markets, one column per
market) and returns the same container with the index / columns / name kept.
Multi-output indicators return a NamedTuple of such containers. Leading NaNs (a market
not yet listed), warm-up rows and missing rows are NaN in the result; a missing row is
skipped, so results equal the indicator of the series with its missing rows dropped.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from alpha_arena.errors import ValidationError
from alpha_arena.indicators import averages as av
from alpha_arena.indicators import book as bk
from alpha_arena.indicators import oscillators as osc
from alpha_arena.indicators import probability as pr
from alpha_arena.indicators import volatility as vol
from alpha_arena.indicators import volume as vo
from alpha_arena.indicators._fronts import Frame, apply, from_array, number, period
from alpha_arena.timeutil import NS_PER_DAY, NS_PER_HOUR, NS_PER_MINUTE, NS_PER_SECOND, to_ns

Data = Any
"""A numpy array, pandas Series/DataFrame or polars Series/DataFrame of numbers."""


class MACD(NamedTuple):
    """MACD line, signal line and histogram."""

    macd: Data
    signal: Data
    hist: Data


class Bollinger(NamedTuple):
    """Bollinger Bands, their width in % of the mid, and %b."""

    lower: Data
    mid: Data
    upper: Data
    bandwidth: Data
    percent_b: Data


class Stochastic(NamedTuple):
    """Slow stochastic %K and its moving average %D."""

    k: Data
    d: Data


def sma(x: Data, length: int = 10) -> Data:
    """Simple moving average of the last `length` values."""
    return apply((av.sma_1d, av.sma_2d), {"x": x}, (period("length", length),))


def ema(x: Data, length: int = 10) -> Data:
    """Exponential moving average (alpha 2/(length+1)), seeded with the first SMA."""
    return apply((av.ema_1d, av.ema_2d), {"x": x}, (period("length", length),))


def wma(x: Data, length: int = 10) -> Data:
    """Linearly weighted moving average (weights 1..length, newest heaviest)."""
    return apply((av.wma_1d, av.wma_2d), {"x": x}, (period("length", length),))


def dema(x: Data, length: int = 10) -> Data:
    """Double exponential moving average 2·EMA − EMA(EMA)."""
    return apply((av.dema_1d, av.dema_2d), {"x": x}, (period("length", length),))


def tema(x: Data, length: int = 10) -> Data:
    """Triple exponential moving average 3·(EMA − EMA²) + EMA³."""
    return apply((av.tema_1d, av.tema_2d), {"x": x}, (period("length", length),))


def macd(x: Data, fast: int = 12, slow: int = 26, signal: int = 9) -> MACD:
    """MACD: EMA(fast) − EMA(slow), its EMA(signal) and their difference."""
    fast_n, slow_n = period("fast", fast), period("slow", slow)
    if fast_n >= slow_n:
        raise ValidationError("fast", f"a period shorter than slow ({slow_n})", fast)
    params = (fast_n, slow_n, period("signal", signal))
    return apply((av.macd_1d, av.macd_2d), {"x": x}, params, MACD)


def rsi(x: Data, length: int = 14) -> Data:
    """Wilder's relative strength index (0–100); NaN while the price has not moved."""
    return apply((osc.rsi_1d, osc.rsi_2d), {"x": x}, (period("length", length),))


def momentum(x: Data, length: int = 10) -> Data:
    """x − x `length` rows ago."""
    return apply((osc.mom_1d, osc.mom_2d), {"x": x}, (period("length", length),))


def roc(x: Data, length: int = 10) -> Data:
    """Rate of change in percent: 100·(x − x₋ₙ)/x₋ₙ."""
    return apply((osc.roc_1d, osc.roc_2d), {"x": x}, (period("length", length),))


def stoch(
    high: Data, low: Data, close: Data, k: int = 14, d: int = 3, smooth_k: int = 3
) -> Stochastic:
    """Slow stochastic: %K = SMA(fast %K, smooth_k) over `k` bars, %D = SMA(%K, d)."""
    params = (period("k", k), period("smooth_k", smooth_k), period("d", d))
    inputs = {"high": high, "low": low, "close": close}
    return apply((osc.stoch_1d, osc.stoch_2d), inputs, params, Stochastic)


def stdev(x: Data, length: int = 30, ddof: int = 0) -> Data:
    """Rolling standard deviation with `ddof` delta degrees of freedom (0 ≤ ddof < length)."""
    n = period("length", length)
    if isinstance(ddof, bool) or not isinstance(ddof, int) or not 0 <= ddof < n:
        raise ValidationError("ddof", f"an integer in [0, {n})", ddof)
    return apply((vol.stdev_1d, vol.stdev_2d), {"x": x}, (n, ddof))


def zscore(x: Data, length: int = 30) -> Data:
    """Rolling z-score (x − SMA)/std with the sample std; NaN on a flat window."""
    return apply((vol.zscore_1d, vol.zscore_2d), {"x": x}, (period("length", length, 2),))


def bbands(x: Data, length: int = 5, std: float = 2.0, ddof: int = 0) -> Bollinger:
    """Bollinger Bands: SMA ± std·σ (σ with `ddof`), bandwidth in %, %b (NaN at zero width)."""
    n = period("length", length)
    if isinstance(ddof, bool) or not isinstance(ddof, int) or not 0 <= ddof < n:
        raise ValidationError("ddof", f"an integer in [0, {n})", ddof)
    params = (n, number("std", std, 0.0, 1e6, open_low=True), ddof)
    return apply((vol.bbands_1d, vol.bbands_2d), {"x": x}, params, Bollinger)


def atr(high: Data, low: Data, close: Data, length: int = 14) -> Data:
    """Average true range with Wilder's smoothing, from high/low/close bars."""
    inputs = {"high": high, "low": low, "close": close}
    return apply((vol.atr_1d, vol.atr_2d), inputs, (period("length", length),))


def realized_vol(x: Data, length: int = 30) -> Data:
    """sqrt(Σ r²) of the last `length` log returns (per-period, not annualized)."""
    return apply((vol.realized_vol_1d, vol.realized_vol_2d), {"x": x}, (period("length", length),))


def obv(close: Data, volume: Data) -> Data:
    """On-balance volume, starting at the first row's volume."""
    return apply((vo.obv_1d, vo.obv_2d), {"close": close, "volume": volume})


def vwap(price: Data, volume: Data, length: int | None = None) -> Data:
    """Volume-weighted average price: cumulative, or over the last `length` rows."""
    n = 0 if length is None else period("length", length)
    return apply((vo.vwap_1d, vo.vwap_2d), {"price": price, "volume": volume}, (n,))


def logit(p: Data, eps: float = 0.0) -> Data:
    """Log-odds log(p/(1 − p)), p clipped to [eps, 1 − eps]; NaN outside [0, 1]."""
    params = (number("eps", eps, 0.0, 0.5),)
    return apply((pr.logit_1d, pr.logit_2d), {"p": p}, params)


def expit(x: Data) -> Data:
    """The logistic function 1/(1 + e^−x), inverse of `logit`."""
    return apply((pr.expit_1d, pr.expit_2d), {"x": x})


def logodds_momentum(p: Data, length: int = 10, eps: float = 1e-4) -> Data:
    """logit(p) − logit(p `length` rows ago): momentum on the scale where moves add up."""
    params = (period("length", length), number("eps", eps, 0.0, 0.5))
    return apply((pr.logodds_momentum_1d, pr.logodds_momentum_2d), {"p": p}, params)


def logodds_vol(p: Data, length: int = 30, eps: float = 1e-4) -> Data:
    """Rolling sample std of log-odds changes over `length` changes."""
    params = (period("length", length, 2), number("eps", eps, 0.0, 0.5))
    return apply((pr.logodds_vol_1d, pr.logodds_vol_2d), {"p": p}, params)


def bernoulli_std(p: Data) -> Data:
    """sqrt(p(1 − p)): the payoff std of a binary contract priced at p."""
    return apply((pr.bernoulli_std_1d, pr.bernoulli_std_2d), {"p": p})


def spread(bid: Data, ask: Data) -> Data:
    """Best ask − best bid."""
    return apply((bk.spread_1d, bk.spread_2d), {"bid": bid, "ask": ask})


def mid(bid: Data, ask: Data) -> Data:
    """(bid + ask)/2."""
    return apply((bk.mid_1d, bk.mid_2d), {"bid": bid, "ask": ask})


def microprice(bid: Data, ask: Data, bid_size: Data, ask_size: Data) -> Data:
    """Size-weighted mid (bid·ask_size + ask·bid_size)/(bid_size + ask_size)."""
    inputs = {"bid": bid, "ask": ask, "bid_size": bid_size, "ask_size": ask_size}
    return apply((bk.microprice_1d, bk.microprice_2d), inputs)


def yes_no_gap(p_yes: Data, p_no: Data) -> Data:
    """p_yes + p_no − 1 (positive: the pair is rich; negative: cheap)."""
    return apply((bk.yes_no_gap_1d, bk.yes_no_gap_2d), {"p_yes": p_yes, "p_no": p_no})


def book_imbalance(
    bid_px: np.ndarray,
    bid_sz: np.ndarray,
    ask_px: np.ndarray,
    ask_sz: np.ndarray,
    decay: float = 0.5,
    depth: int | None = None,
) -> np.ndarray:
    """Depth-weighted imbalance (B − A)/(B + A) in [−1, 1] from level arrays.

    Arrays are best-first levels shaped (time, levels) or (time, markets, levels), as in
    `BookPanel`; level k weighs decay**k; only the first `depth` levels count (all if
    None). A NaN price or a size that is not > 0 is an absent level.
    """
    params = (
        number("decay", decay, 0.0, 1.0, open_low=True),
        np.iinfo(np.int64).max if depth is None else period("depth", depth),
    )
    inputs = {"bid_px": bid_px, "bid_sz": bid_sz, "ask_px": ask_px, "ask_sz": ask_sz}
    return apply((bk.book_imbalance_1d, bk.book_imbalance_2d), inputs, params, levels=True)


def expected_value(prob: Data, price: Data, fee_rate: float = 0.0) -> Data:
    """Expected profit per share of buying YES at `price` as a taker if YES has
    probability `prob`, after Polymarket's fee (taken in shares) at `fee_rate`
    (see `alpha_arena.fees.fee_rate_for`). For the NO side pass the NO price and 1 − prob.
    """
    params = (number("fee_rate", fee_rate, 0.0, 1.0),)
    return apply(
        (pr.expected_value_1d, pr.expected_value_2d), {"prob": prob, "price": price}, params
    )


def kelly_fraction(prob: Data, price: Data, fee_rate: float = 0.0, fraction: float = 0.25) -> Data:
    """Fraction of bankroll to spend buying at `price`: `fraction` × full Kelly for a
    binary payoff, using the cost per share held after the fee; 0 without an edge."""
    params = (number("fee_rate", fee_rate, 0.0, 1.0), number("fraction", fraction, 0.0, 1.0))
    inputs = {"prob": prob, "price": price}
    return apply((pr.kelly_fraction_1d, pr.kelly_fraction_2d), inputs, params)


_UNITS = {"s": NS_PER_SECOND, "m": NS_PER_MINUTE, "h": NS_PER_HOUR, "D": NS_PER_DAY}


def _times_ns(times: Any) -> tuple[np.ndarray, Frame]:
    """int64 ns of `times` and the frame of the result (pandas times index the result)."""
    if isinstance(times, np.ndarray) and times.dtype.kind == "i" and times.ndim == 1:
        return np.ascontiguousarray(times, dtype=np.int64), Frame("numpy")
    if isinstance(times, np.ndarray) and times.dtype.kind == "M" and times.ndim == 1:
        ns = times.astype("datetime64[ns]").view(np.int64)  # NaT stays int64 min
        return np.ascontiguousarray(ns), Frame("numpy")
    if isinstance(times, (pd.DatetimeIndex, pd.Series)) and isinstance(
        times.dtype, pd.DatetimeTZDtype
    ):
        stamps = pd.DatetimeIndex(times).tz_convert("UTC").as_unit("ns")
        index = times if isinstance(times, pd.DatetimeIndex) else times.index
        return np.ascontiguousarray(stamps.asi8), Frame("pandas", index)
    raise ValidationError(
        "times",
        "1-D int64 ns or datetime64 (UTC) array, or tz-aware pandas times",
        type(times).__name__,
    )


def time_to_resolution(times: Any, end: Any, unit: str = "D") -> Any:
    """Time left until resolution at each time, in `unit` (s, m, h or D); 0 once past.

    `times` is int64 ns or datetime64 (numpy, UTC) or tz-aware pandas times; `end` one
    end time (→ one series) or a pandas Series / sequence of end times, one per market
    (→ time × markets; a Series' index names the columns). A missing time or end (NaT)
    gives NaN.
    """
    if unit not in _UNITS:
        raise ValidationError("unit", "one of s, m, h, D", unit)
    ns, frame = _times_ns(times)
    single = not isinstance(end, (pd.Series, list, tuple, np.ndarray))
    ends = [end] if single else list(end)
    nat = np.iinfo(np.int64).min
    end_ns = np.array([nat if pd.isna(e) else to_ns(e, "end") for e in ends], dtype=np.int64)
    out = pr.time_to_resolution_2d(ns, end_ns, float(_UNITS[unit]))
    if single:
        return from_array(out[:, 0], frame)
    columns = tuple(end.index) if isinstance(end, pd.Series) else tuple(range(len(ends)))
    return from_array(out, Frame(frame.kind, frame.index, columns))
