"""Forecast quality of stated probabilities: Brier score, log loss, skill, calibration.

A probability strategy is judged on its forecasts, not only on PnL (binary payoffs make
Sharpe alone misleading). Only forecasts of tokens that resolved YES or NO are scored; void
markets have no outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alpha_arena.errors import ValidationError

if TYPE_CHECKING:
    from alpha_arena.data import Dataset
    from alpha_arena.engine.loop import Forecast

_EPS = 1e-15


def _check(name: str, values: np.ndarray) -> None:
    if values.ndim != 1:
        raise ValidationError(name, "a 1-D array", f"{values.ndim}-D")
    if values.size and (np.isnan(values).any() or values.min() < 0 or values.max() > 1):
        raise ValidationError(name, "values in [0, 1] without NaN")


def calibration_table(
    probabilities: np.ndarray, outcomes: np.ndarray, bins: int = 10
) -> pd.DataFrame:
    """Forecasts grouped in equal-width probability bins: count, mean forecast, hit rate."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(probabilities, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        rows.append(
            {
                "bin_low": edges[b],
                "bin_high": edges[b + 1],
                "count": n,
                "mean_forecast": float(probabilities[mask].mean()) if n else float("nan"),
                "observed_rate": float(outcomes[mask].mean()) if n else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def forecast_stats(
    probabilities: Iterable[float],
    outcomes: Iterable[float],
    market_prices: Iterable[float] | None = None,
    *,
    bins: int = 10,
) -> dict[str, Any]:
    """Brier score, log loss, Brier skill vs the market price, Murphy decomposition, calibration.

    Murphy: Brier = reliability − resolution + uncertainty, computed over the calibration
    bins (exact when forecasts within a bin are equal).
    """
    if bins < 1:
        raise ValidationError("bins", "at least 1", bins)
    p = np.asarray(list(probabilities), dtype=float)
    y = np.asarray(list(outcomes), dtype=float)
    _check("probabilities", p)
    _check("outcomes", y)
    if p.shape != y.shape:
        raise ValidationError("outcomes", f"one per forecast ({p.size})", y.size)
    if y.size and not np.isin(y, (0.0, 1.0)).all():
        raise ValidationError("outcomes", "0 or 1 for every forecast")
    result: dict[str, Any] = {"n": int(p.size)}
    if p.size == 0:
        nan = float("nan")
        result.update(brier=nan, log_loss=nan, brier_market=nan, brier_skill=nan,
                      reliability=nan, resolution=nan, uncertainty=nan, calibration=[])  # fmt: skip
        return result
    brier = float(np.mean((p - y) ** 2))
    clipped = np.clip(p, _EPS, 1 - _EPS)
    log_loss = float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))
    table = calibration_table(p, y, bins)
    used = table[table["count"] > 0]
    base = float(y.mean())
    weights = used["count"].to_numpy() / p.size
    reliability = float(np.sum(weights * (used["mean_forecast"] - used["observed_rate"]) ** 2))
    resolution = float(np.sum(weights * (used["observed_rate"] - base) ** 2))
    result.update(
        brier=brier,
        log_loss=log_loss,
        reliability=reliability,
        resolution=resolution,
        uncertainty=base * (1 - base),
        calibration=used.to_dict("records"),
    )
    if market_prices is not None:
        m = np.asarray(list(market_prices), dtype=float)
        if m.shape != p.shape:
            raise ValidationError("market_prices", f"one per forecast ({p.size})", m.size)
        _check("market_prices", m)
        brier_market = float(np.mean((m - y) ** 2))
        result["brier_market"] = brier_market
        result["brier_skill"] = 1.0 - brier / brier_market if brier_market > 0 else float("nan")
    else:
        result["brier_market"] = result["brier_skill"] = float("nan")
    return result


def score_forecasts(
    forecasts: Iterable[Forecast], dataset: Dataset, *, bins: int = 10
) -> dict[str, Any]:
    """`forecast_stats` of a run's forecasts against the dataset's resolved outcomes."""
    payout = dataset.payout
    rows = [
        (f.probability, payout[dataset.column(f.token_id)], f.market_price)
        for f in forecasts
        if payout[dataset.column(f.token_id)] in (0.0, 1.0) and not np.isnan(f.market_price)
    ]
    p, y, m = (
        (np.asarray(c, dtype=float) for c in zip(*rows, strict=True)) if rows else ([], [], [])
    )
    return forecast_stats(p, y, m, bins=bins)
