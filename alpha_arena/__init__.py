"""alpha-arena: a backtest-first quant research library for Polymarket prediction markets.

The public API is what this module exports. Submodules load on first use, so
`import alpha_arena` stays fast and never compiles a numba kernel by itself.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_SUBMODULES = (
    "agents",
    "arbitrage",
    "backtest",
    "config",
    "data",
    "errors",
    "experiments",
    "fees",
    "indicators",
    "llm",
    "metrics",
    "report",
    "sim",
    "types",
)

if TYPE_CHECKING:
    from alpha_arena import (
        agents,
        arbitrage,
        backtest,
        config,
        data,
        errors,
        experiments,
        fees,
        indicators,
        llm,
        metrics,
        report,
        sim,
        types,
    )

__all__ = [
    "__version__",
    "agents",
    "arbitrage",
    "backtest",
    "config",
    "data",
    "errors",
    "experiments",
    "fees",
    "indicators",
    "llm",
    "metrics",
    "report",
    "sim",
    "types",
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"alpha_arena.{name}")
    raise AttributeError(f"module 'alpha_arena' has no attribute {name!r}")
