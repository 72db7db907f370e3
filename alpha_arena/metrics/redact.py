"""Secret redaction for anything a run writes: configs, parameters, error texts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "***"
_SECRET_KEY = re.compile(
    r"(secret|passphrase|password|private|webhook|api[_-]?key|(^|_)token$|(^|_)key$)", re.I
)


def is_secret_key(name: str) -> bool:
    """True for keys that name credentials (api_key, secret, passphrase, private_key, ...)."""
    return bool(_SECRET_KEY.search(name))


def redact(value: Any) -> Any:
    """A copy of a nested mapping/list with every secret-looking key's value replaced."""
    if isinstance(value, Mapping):
        return {
            str(k): (REDACTED if is_secret_key(str(k)) and v not in (None, "") else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value
