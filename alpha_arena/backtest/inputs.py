"""Turning `backtest()` arguments into objects: the strategy, the data, the numbers.

Every bad argument becomes a `ValidationError` naming it, before any work is done.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from alpha_arena.data import Dataset
from alpha_arena.errors import ValidationError
from alpha_arena.strategy import Strategy, create_strategy


def resolve_strategy(
    strategy: Strategy | str, params: Mapping[str, Any] | None, seed: int
) -> Strategy:
    """A Strategy instance from an instance, or from a registered name plus parameters.

    A strategy with a `seed` parameter that was not given explicitly receives `seed`.
    """
    if isinstance(strategy, Strategy):
        if params:
            raise ValidationError(
                "params", "no params with a Strategy instance (set its fields)", dict(params)
            )
        return strategy
    if not isinstance(strategy, str) or not strategy:
        raise ValidationError("strategy", "a Strategy instance or a registered name", strategy)
    values = dict(params or {})
    if "seed" not in values and "seed" in _fields_of(strategy):
        values["seed"] = seed
    return create_strategy(strategy, **values)


def _fields_of(name: str) -> dict:
    from alpha_arena.strategy import get_strategy

    return get_strategy(name).param_fields()


def check_number(
    name: str, value: Any, *, low: float, allow_equal: bool = True, integer: bool = False
) -> float:
    """A finite number >= low (> low unless `allow_equal`), else a ValidationError naming it."""
    kinds = (int,) if integer else (int, float)
    bound = f">= {low:g}" if allow_equal else f"> {low:g}"
    expected = f"{'an integer' if integer else 'a number'} {bound}"
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ValidationError(name, expected, value)
    if not math.isfinite(value) or value < low or (value == low and not allow_equal):
        raise ValidationError(name, expected, value)
    return value


def resolve_data(
    data: Dataset | str | Path,
    *,
    days: float | None,
    markets: int | Iterable[str] | None,
) -> Dataset:
    """The Dataset to replay: a given one, or one loaded by source name or path; then the last
    `days` days and the chosen markets (ids/slugs/event ids, or the first N markets)."""
    if days is not None:
        check_number("days", days, low=0.0, allow_equal=False)
    wanted = _market_choice(markets)
    if isinstance(data, Dataset):
        dataset = data
        if days is not None:
            dataset = dataset.last(days)
        if wanted is not None:
            dataset = dataset.select(wanted(dataset))
    elif isinstance(data, (str, Path)) and str(data):
        from alpha_arena.data import load

        dataset = load(data, days=days)
        if wanted is not None:
            dataset = dataset.select(wanted(dataset))
    else:
        raise ValidationError("data", "a Dataset, a source name such as 'sample', or a path", data)
    if dataset.n_times == 0:
        raise ValidationError("days", "a window holding at least one grid row", days)
    if dataset.n_markets == 0:
        raise ValidationError("markets", "a choice matching at least one market", markets)
    return dataset


def _market_choice(markets: int | Iterable[str] | None):
    """A function from a Dataset to the market ids to keep, or None for all."""
    if markets is None:
        return None
    if isinstance(markets, bool):
        raise ValidationError("markets", "a count > 0 or market ids", markets)
    if isinstance(markets, int):
        check_number("markets", markets, low=1, integer=True)
        return lambda ds: list(ds.markets.index[:markets])
    if isinstance(markets, str):
        markets = [markets]
    names = [str(m) for m in markets]
    if not names:
        raise ValidationError("markets", "at least one market id", names)
    return lambda ds: names
