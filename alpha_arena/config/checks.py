"""Value checkers for config fields: each returns the converted value or raises `CheckError`.

A checker's `expected` text is what `config check` prints, so it reads as English:
`risk.daily_loss_limit: expected a positive number, got -5`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

Checker = Callable[[Any], Any]


class CheckError(Exception):
    """A value failed a check; the message is the `expected` text."""


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CheckError("a number")
    return float(value)


def positive(value: Any) -> float:
    """A finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise CheckError("a positive number")
    return _number(value)


def non_negative(value: Any) -> float:
    """A finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise CheckError("a number >= 0")
    return _number(value)


def positive_int(value: Any) -> int:
    """An integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CheckError("an integer >= 1")
    return value


def non_negative_int(value: Any) -> int:
    """An integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CheckError("an integer >= 0")
    return value


def fraction(value: Any) -> float:
    """A number in (0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise CheckError("a fraction in (0, 1]")
    return float(value)


def boolean(value: Any) -> bool:
    """YAML true/false only (not 0/1, not "yes" as a string)."""
    if not isinstance(value, bool):
        raise CheckError("true or false")
    return value


def text(value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise CheckError("a non-empty string")
    return value


def condition_id(value: Any) -> str:
    """A market's condition id as a string (YAML reads an unquoted `0x...` as a number)."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise CheckError("a quoted condition id (YAML reads an unquoted 0x... as a number)")
    return text(value)


def optional(check: Checker) -> Checker:
    """`check`, or None (YAML `null`)."""

    def run(value: Any) -> Any:
        return None if value is None else check(value)

    run.__doc__ = f"{check.__doc__} or null"
    return run


def one_of(*choices: Any) -> Checker:
    """One of the given values."""

    def run(value: Any) -> Any:
        if isinstance(value, bool) or value not in choices:
            raise CheckError("one of " + ", ".join(repr(c) for c in choices))
        return value

    return run


def list_of(check: Checker, *, non_empty: bool = False) -> Checker:
    """A list whose items pass `check` (a single string counts as a one-item list)."""

    def run(value: Any) -> tuple[Any, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or (non_empty and not items):
            raise CheckError("a non-empty list" if non_empty else "a list")
        out = []
        for item in items:
            try:
                out.append(check(item))
            except CheckError as exc:
                raise CheckError(f"a list of {exc}") from None
        return tuple(out)

    return run


def mapping(value: Any) -> dict[str, Any]:
    """A mapping (YAML dict)."""
    if not isinstance(value, Mapping):
        raise CheckError("a mapping")
    return dict(value)


def url(value: Any) -> str:
    """An http(s) URL with a host."""
    parsed = urlparse(value) if isinstance(value, str) else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise CheckError("an http(s) URL")
    return value


def ws_url(value: Any) -> str:
    """A ws(s) URL with a host (the CLOB market WebSocket)."""
    parsed = urlparse(value) if isinstance(value, str) else None
    if parsed is None or parsed.scheme not in ("ws", "wss") or not parsed.netloc:
        raise CheckError("a ws:// or wss:// URL")
    return value


def port(value: Any) -> int:
    """A TCP port 1..65535 (0 = any free port, for tests)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise CheckError("a port 0..65535")
    return value


def pattern(regex: str, expected: str) -> Checker:
    """A string matching `regex` in full."""
    compiled = re.compile(regex)

    def run(value: Any) -> str:
        if not isinstance(value, str) or not compiled.fullmatch(value.strip()):
            raise CheckError(expected)
        return value.strip()

    return run
