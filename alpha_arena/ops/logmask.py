"""Masking secrets in log records of libraries we do not control.

httpx logs every request's full URL at INFO; a Slack webhook or Telegram bot URL *is* a
secret. `mask_secrets_in_logs` puts a filter on the given loggers that rewrites any record
containing a secret value before a handler sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from alpha_arena.metrics.redact import REDACTED

NOISY_LOGGERS = ("httpx", "httpcore", "alpha_arena")


class SecretMaskFilter(logging.Filter):
    """Replaces every occurrence of a secret in the formatted message with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Mask these values too."""
        merged = set(self.secrets) | {s for s in secrets if s}
        self.secrets = sorted(merged, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; mask it if it holds a secret."""
        message = record.getMessage()
        masked = message
        for secret in self.secrets:
            masked = masked.replace(secret, REDACTED)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_MASK = SecretMaskFilter()


def mask_secrets_in_logs(
    secrets: Iterable[str], loggers: Iterable[str] = NOISY_LOGGERS
) -> SecretMaskFilter:
    """Mask `secrets` in the named loggers' records (one shared filter, installed once)."""
    _MASK.add(secrets)
    for name in loggers:
        logger = logging.getLogger(name)
        if _MASK not in logger.filters:
            logger.addFilter(_MASK)
    return _MASK
