"""Reading API payloads field by field, turning every surprise into a `SchemaError`.

Venue clients parse JSON through a `Payload`, which knows the endpoint it came from, so a
missing, renamed or mistyped field fails with the endpoint and the field's path in the
message instead of a `KeyError` deep inside a parser.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from alpha_arena.errors import SchemaError, ValidationError
from alpha_arena.timeutil import to_datetime

T = TypeVar("T")
_MISSING = object()


class Payload:
    """A JSON object (dict) from `endpoint`, at `path` inside the response."""

    def __init__(self, data: Any, endpoint: str, path: str = "") -> None:
        if not isinstance(data, dict):
            raise SchemaError(endpoint, path or "<body>", "a JSON object", type(data).__name__)
        self.data = data
        self.endpoint = endpoint
        self.path = path

    def where(self, key: str) -> str:
        """The dotted path of a field, for error messages."""
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, expected: str, got: object = None) -> SchemaError:
        """A SchemaError for one of this object's fields."""
        return SchemaError(self.endpoint, self.where(key), expected, got)

    def has(self, key: str) -> bool:
        """True when the field is present and not null."""
        return self.data.get(key) is not None

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        """The field's value; missing or null raises unless a default is given."""
        value = self.data.get(key)
        if value is None:
            if default is _MISSING:
                raise self.fail(key, "a value (field missing or null)")
            return default
        return value

    def _convert(self, key: str, default: Any, expected: str, convert: Callable[[Any], T]) -> T:
        value = self.raw(key, default)
        if value is default and default is not _MISSING:
            return value
        try:
            return convert(value)
        except (TypeError, ValueError, ValidationError) as exc:
            raise self.fail(key, expected, value) from exc

    def str(self, key: str, default: Any = _MISSING) -> Any:
        """A non-empty string (numbers are accepted and turned into text, as ids often are)."""

        def convert(value: Any) -> str:
            if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
                raise ValueError(value)
            return str(value)

        return self._convert(key, default, "a non-empty string", convert)

    def float(self, key: str, default: Any = _MISSING) -> Any:
        """A finite number, given as a JSON number or a numeric string."""
        return self._convert(key, default, "a finite number", to_float)

    def bool(self, key: str, default: Any = _MISSING) -> Any:
        """A boolean (JSON true/false, or the strings 'true'/'false')."""

        def convert(value: Any) -> bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise ValueError(value)

        return self._convert(key, default, "a boolean", convert)

    def time(self, key: str, default: Any = _MISSING) -> Any:
        """A tz-aware UTC datetime from an ISO-8601 string (a bare 'Z' or offset is required)."""

        def convert(value: Any) -> datetime:
            if not isinstance(value, str):
                raise ValueError(value)
            text = value.strip().replace(" ", "T", 1)
            if text.endswith("+00"):
                text += ":00"
            return to_datetime(text, self.where(key))

        return self._convert(key, default, "an ISO-8601 time with a zone", convert)

    def json_list(self, key: str, length: int | None = None) -> list[Any]:
        """A list, given either as JSON or as a JSON-encoded string (as Gamma sends them)."""
        value = self.raw(key)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise self.fail(key, "a JSON-encoded list", value) from exc
        if not isinstance(value, list):
            raise self.fail(key, "a list", value)
        if length is not None and len(value) != length:
            raise self.fail(key, f"a list of {length} items", value)
        return value

    def obj(self, key: str) -> Payload:
        """A nested object."""
        return Payload(self.raw(key), self.endpoint, self.where(key))

    def objects(self, key: str, default: Any = _MISSING) -> list[Payload]:
        """A list of nested objects (an absent list gives `default` when one is given)."""
        value = self.raw(key, default)
        if value is default and default is not _MISSING:
            return value
        return objects(value, self.endpoint, self.where(key))


def objects(data: Any, endpoint: str, path: str = "") -> list[Payload]:
    """A JSON array of objects as Payloads; anything else is a SchemaError."""
    if not isinstance(data, list):
        raise SchemaError(endpoint, path or "<body>", "a JSON array", type(data).__name__)
    return [Payload(item, endpoint, f"{path}[{i}]") for i, item in enumerate(data)]


def iter_pairs(data: Any, endpoint: str, path: str) -> Iterator[tuple[float, float]]:
    """(price, size) from a ladder of [price, size] pairs (numbers or numeric strings)."""
    if data is None:
        return
    if not isinstance(data, list):
        raise SchemaError(endpoint, path, "a list of [price, size] pairs", data)
    for i, pair in enumerate(data):
        if not isinstance(pair, (list, tuple)) or len(pair) < 2:
            raise SchemaError(endpoint, f"{path}[{i}]", "a [price, size] pair", pair)
        try:
            yield to_float(pair[0]), to_float(pair[1])
        except (TypeError, ValueError) as exc:
            raise SchemaError(endpoint, f"{path}[{i}]", "numbers", pair) from exc


def to_float(value: Any) -> float:
    """A finite float from a JSON number or numeric string; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number
