"""`aa.backtest(...)` and `python -m alpha_arena.backtest`: run a strategy over history.

`backtest()` returns a `BacktestResult` (stats, equity, trades, orders, positions); the
command line in `alpha_arena.backtest.command` wraps it with a summary table or JSON.

This package is also callable: `aa.backtest(strategy, data, ...)` is
`aa.backtest.backtest(...)`. (A package and a function cannot share the name
`alpha_arena.backtest` otherwise: importing the package rebinds the attribute.) Its
contents load on first use so `alpha-arena --help` stays fast.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alpha_arena.backtest.result import BacktestResult
    from alpha_arena.backtest.run import backtest, new_run_id

_EXPORTS = {
    "BacktestResult": "alpha_arena.backtest.result",
    "backtest": "alpha_arena.backtest.run",
    "new_run_id": "alpha_arena.backtest.run",
}

__all__ = ["BacktestResult", "backtest", "new_run_id"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'alpha_arena.backtest' has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    """The package as a module object that runs `backtest(...)` when called."""

    def __call__(self, *args: Any, **kwargs: Any) -> BacktestResult:
        from alpha_arena.backtest.run import backtest

        return backtest(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
