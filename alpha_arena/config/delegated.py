"""Sections whose schema belongs to the code that reads them: `risk`, `llm`, `agents`.

The risk gate (`RiskLimits`), the LLM router (`alpha_arena.llm.LLMConfig`) and the agents
(`alpha_arena.agents.AgentsConfig`) each define their section as a dataclass with a
`from_mapping` that raises on the first bad key. `config check` must list every problem, so
`build_delegated` feeds them one key at a time, turns each refusal into a `Problem`, then
builds the section from the keys that passed: the section `config check` accepts is exactly
the one those readers accept, with no second list of keys here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from alpha_arena.config.problems import Problems
from alpha_arena.errors import ConfigError, ValidationError

S = TypeVar("S")

REFUSALS = (ConfigError, ValidationError, TypeError, ValueError, AttributeError)
"""What a section's `from_mapping` raises on a bad value (TypeError: a value of a wrong type
reaching the dataclass's own checks, such as `timeout_s: soon`)."""

_EXPECTED = re.compile(r"expected (.*?)(?:, got .*)?$", re.S)
_KNOWN = re.compile(r"\(known: (.*)\)")


def _refusal(exc: Exception, path: str, value: Any) -> tuple[str, str]:
    """The (dotted path, expected text) of one refused key."""
    if isinstance(exc, ValidationError):
        deeper = exc.field.startswith(path + ".")
        return (exc.field if deeper else path), exc.expected
    message = str(exc)
    if isinstance(exc, ConfigError):
        if "unknown" in message:
            known = _KNOWN.search(message)
            return path, "a known key" + (f" ({known.group(1)})" if known else "")
        found = _EXPECTED.search(message)
        if found:
            return path, found.group(1)
    return path, f"a valid value ({type(value).__name__} refused: {message})"


def build_delegated(
    name: str, raw: Any, from_mapping: Callable[[Mapping[str, Any]], S], problems: Problems
) -> S:
    """Section `name` built by `from_mapping`, recording a problem per refused key."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.add(name, "a mapping", raw)
        raw = {}
    good: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            from_mapping({key: value})
        except REFUSALS as exc:
            path, expected = _refusal(exc, f"{name}.{key}", value)
            problems.add(path, expected, value)
            continue
        good[key] = value
    try:
        return from_mapping(good)
    except REFUSALS as exc:
        path, expected = _refusal(exc, name, good)
        problems.add(path, expected, good)
        return from_mapping({})
