"""The Strategy API: the base class, the context it sees, and the registry that finds it by name."""

from alpha_arena.strategy.base import Strategy
from alpha_arena.strategy.context import BookArrays, Context
from alpha_arena.strategy.registry import (
    available,
    create_strategy,
    get_strategy,
    parse_params,
    register,
)

__all__ = [
    "BookArrays",
    "Context",
    "Strategy",
    "available",
    "create_strategy",
    "get_strategy",
    "parse_params",
    "register",
]
