"""Performance statistics of an equity path, its fills and settlements.

Returns are measured on DAILY equity (the last mark of each UTC day) and annualised over
365 days, since prediction markets trade every day. Win rate and profit factor count one
outcome per traded token: the cash it returned (fills, fees, settlement) plus its final
marked value, so a position held to resolution counts once, when it pays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from alpha_arena.errors import ValidationError
from alpha_arena.types import Fill, Settlement

DAYS_PER_YEAR = 365.0


def daily_equity(times_ns: np.ndarray, equity: np.ndarray) -> pd.Series:
    """The last equity of each UTC day, indexed by day."""
    series = pd.Series(np.asarray(equity, dtype=float), index=pd.to_datetime(times_ns, utc=True))
    return series.resample("1D").last().dropna()


def max_drawdown(equity: np.ndarray) -> float:
    """Largest peak-to-trough fall as a fraction of the peak, in [0, 1]."""
    values = np.asarray(equity, dtype=float)
    if values.size == 0:
        return 0.0
    peaks = np.maximum.accumulate(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        falls = np.where(peaks > 0, (peaks - values) / peaks, 0.0)
    return float(np.clip(falls.max(), 0.0, 1.0))


def _ratio(numerator: float, denominator: float) -> float:
    if denominator <= 0 or not np.isfinite(denominator):
        return float("nan")
    return numerator / denominator


def token_pnl(
    fills: Iterable[Fill],
    settlements: Iterable[Settlement] = (),
    final_values: Mapping[str, float] | None = None,
) -> pd.Series:
    """Profit per traded token: cash in minus cash out, plus what it is still worth."""
    pnl: dict[str, float] = {}
    for fill in fills:
        pnl[fill.token_id] = pnl.get(fill.token_id, 0.0) + fill.cash_delta
    for settlement in settlements:
        pnl[settlement.token_id] = pnl.get(settlement.token_id, 0.0) + settlement.cash
    for token, value in final_values.items() if final_values is not None else ():
        if token in pnl:
            pnl[token] += float(value)
    return pd.Series(pnl, dtype=float).sort_index()


def performance_stats(
    times_ns: np.ndarray,
    equity: np.ndarray,
    *,
    capital: float,
    fills: Iterable[Fill] = (),
    settlements: Iterable[Settlement] = (),
    positions_value: np.ndarray | None = None,
    locked: np.ndarray | None = None,
    final_values: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Return, risk and activity figures of one run (see the module docstring)."""
    times = np.asarray(times_ns, dtype=np.int64)
    values = np.asarray(equity, dtype=float)
    if times.shape != values.shape or times.ndim != 1:
        raise ValidationError("equity", f"a 1-D array matching times {times.shape}", values.shape)
    if capital <= 0:
        raise ValidationError("capital", "a positive starting capital", capital)
    fills = list(fills)
    settlements = list(settlements)
    final = float(values[-1]) if values.size else float(capital)
    days = daily_equity(times, values) if values.size else pd.Series(dtype=float)
    returns = pd.concat([pd.Series([capital]), days.reset_index(drop=True)]).pct_change().dropna()
    mean = float(returns.mean()) if len(returns) else 0.0
    std = float(returns.std(ddof=1)) if len(returns) > 1 else float("nan")
    downside = returns.clip(upper=0.0)
    downside_dev = float(np.sqrt((downside**2).mean())) if len(returns) else float("nan")
    span_days = (times[-1] - times[0]) / 86_400e9 if times.size > 1 else 0.0
    total_return = final / capital - 1.0
    annual_return = (
        (1.0 + total_return) ** (DAYS_PER_YEAR / span_days) - 1.0
        if span_days >= 1.0 and total_return > -1.0
        else float("nan")
    )
    drawdown = max_drawdown(np.concatenate([[capital], values]))
    per_token = token_pnl(fills, settlements, final_values)
    wins = per_token[per_token > 1e-12]
    losses = per_token[per_token < -1e-12]
    traded_notional = sum(f.price * f.size for f in fills)
    exposure = (
        float(np.mean(np.asarray(positions_value) > 1e-12))
        if positions_value is not None and len(positions_value)
        else float("nan")
    )
    locked_arr = np.asarray(locked, dtype=float) if locked is not None else np.zeros(0)
    return {
        "start_equity": float(capital),
        "end_equity": final,
        "pnl": final - capital,
        "total_return": total_return,
        "annual_return": annual_return,
        "sharpe": _ratio(mean, std) * np.sqrt(DAYS_PER_YEAR),
        "sortino": _ratio(mean, downside_dev) * np.sqrt(DAYS_PER_YEAR),
        "max_drawdown": drawdown,
        "calmar": _ratio(annual_return, drawdown),
        "days": span_days,
        "trades": len(fills),
        "tokens_traded": len(per_token),
        "win_rate": len(wins) / len(per_token) if len(per_token) else float("nan"),
        "profit_factor": _ratio(float(wins.sum()), float(-losses.sum())),
        "turnover": traded_notional / capital,
        "fees_paid": float(sum(f.fee for f in fills)),
        "settlements": len(settlements),
        "settled_cash": float(sum(s.cash for s in settlements)),
        "exposure": exposure,
        "max_locked": float(locked_arr.max()) if locked_arr.size else 0.0,
        "mean_locked": float(locked_arr.mean()) if locked_arr.size else 0.0,
    }
