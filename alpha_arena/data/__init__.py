"""Market data: the `Dataset` container, loaders, the parquet cache and the synthetic generator."""

from alpha_arena.data.bars import Bars, bars
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
from alpha_arena.data.generator import generate
from alpha_arena.data.loader import load

__all__ = [
    "MARKET_COLUMNS",
    "NEVER",
    "TOKEN_COLUMNS",
    "TRADE_COLUMNS",
    "Bars",
    "BookPanel",
    "Dataset",
    "bars",
    "generate",
    "load",
    "markets_frame",
    "tokens_frame",
]
