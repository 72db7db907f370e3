"""Market data: the `Dataset` container, loaders, the parquet cache and the synthetic generator."""

from alpha_arena.data.dataset import (
    MARKET_COLUMNS,
    NEVER,
    TOKEN_COLUMNS,
    TRADE_COLUMNS,
    BookPanel,
    Dataset,
    markets_frame,
    tokens_frame,
)
from alpha_arena.data.loader import load

__all__ = [
    "MARKET_COLUMNS",
    "NEVER",
    "TOKEN_COLUMNS",
    "TRADE_COLUMNS",
    "BookPanel",
    "Dataset",
    "load",
    "markets_frame",
    "tokens_frame",
]
