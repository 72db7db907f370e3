"""The exceptions alpha-arena raises, so callers can catch them by kind, not by message."""

from __future__ import annotations


class AlphaArenaError(Exception):
    """Base class of every error alpha-arena raises on purpose."""


class ValidationError(AlphaArenaError, ValueError):
    """A value failed validation; the message names the field and what was expected."""

    def __init__(self, field: str, expected: str, got: object = None, *, where: str = "") -> None:
        self.field = field
        self.expected = expected
        self.got = got
        prefix = f"{where}: " if where else ""
        shown = "" if got is None else f", got {_short(got)}"
        super().__init__(f"{prefix}{field}: expected {expected}{shown}")


class DataError(AlphaArenaError):
    """Data could not be loaded or is inconsistent (a file, a cache or a data set)."""


class ApiError(AlphaArenaError):
    """A remote API failed after retries, or answered with a status we do not retry."""

    def __init__(self, endpoint: str, message: str, status: int | None = None) -> None:
        self.endpoint = endpoint
        self.status = status
        code = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"{endpoint}{code}: {message}")


class SchemaError(ApiError):
    """A payload did not have the documented shape; names the endpoint and the field."""

    def __init__(self, endpoint: str, field: str, expected: str, got: object = None) -> None:
        self.field = field
        shown = "" if got is None else f", got {_short(got)}"
        super().__init__(endpoint, f"field {field!r}: expected {expected}{shown}")


class ConfigError(AlphaArenaError):
    """A configuration file or option is missing, malformed or out of range."""


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
