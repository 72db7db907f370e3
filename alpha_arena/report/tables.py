"""The tables of a tear sheet: profit per token, per market and per category."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from alpha_arena.errors import ValidationError
from alpha_arena.metrics import token_pnl

if TYPE_CHECKING:
    from alpha_arena.backtest import BacktestResult
    from alpha_arena.data import Dataset


def _data(result: BacktestResult) -> Dataset:
    data = getattr(result, "data", None)
    if data is None:
        raise ValidationError("result.data", "the Dataset the backtest ran on", None)
    return data


def pnl_by_token(result: BacktestResult) -> pd.Series:
    """Cash each traded token returned (fills, fees, settlement) plus its final marked value."""
    values = result.positions["value"].to_dict() if "value" in result.positions else {}
    return token_pnl(result.record.fills, result.record.settlements, values)


def pnl_by_market(result: BacktestResult) -> pd.DataFrame:
    """PnL per market (YES and NO tokens together) with its question, largest |PnL| first."""
    data = _data(result)
    per_token = pnl_by_token(result)
    market_of = data.tokens.loc[per_token.index, "market_id"]
    pnl = per_token.groupby(market_of.to_numpy()).sum()
    frame = pd.DataFrame(
        {
            "question": data.markets.loc[pnl.index, "question"].to_numpy(),
            "category": data.markets.loc[pnl.index, "category"].fillna("").to_numpy(),
            "pnl": pnl.to_numpy(),
        },
        index=pd.Index(pnl.index, name="market_id"),
    )
    return frame.reindex(frame["pnl"].abs().sort_values(ascending=False).index)


def pnl_by_category(result: BacktestResult) -> pd.Series:
    """PnL summed over the markets of each category (empty category: `uncategorised`)."""
    markets = pnl_by_market(result)
    category = markets["category"].replace("", "uncategorised")
    return markets["pnl"].groupby(category.to_numpy()).sum().sort_values()
