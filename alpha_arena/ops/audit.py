"""The audit log: append-only JSONL of orders, config changes and operator actions.

Each line is one event with a UTC time, fsynced before `append` returns. Values under
secret-looking keys are redacted and any known secret value inside a string is masked, so
the log can be shared. At start the runner calls `record_config` which writes a `config`
event only when the config's fingerprint differs from the last one logged, listing the
settings that changed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alpha_arena.metrics.redact import REDACTED, redact

if TYPE_CHECKING:
    from alpha_arena.config import Config


def mask(value: Any, secrets: Iterable[str]) -> Any:
    """`value` with every occurrence of a secret string replaced by `***` (nested too)."""
    secrets = tuple(s for s in secrets if s)
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {k: mask(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(v, secrets) for v in value]
    return value


class AuditLog:
    """An append-only JSONL file."""

    def __init__(self, path: str | Path, secrets: Iterable[str] = ()) -> None:
        self.path = Path(path)
        self._secrets = tuple(sorted(secrets, key=len, reverse=True))

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        """Write one event (durably) and return the record as written."""
        record = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event}
        record.update(mask(redact(fields), self._secrets))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, default=str, sort_keys=True) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return record

    def records(self, event: str | None = None) -> Iterator[dict[str, Any]]:
        """Every complete record, oldest first (a torn last line is skipped)."""
        if not self.path.is_file():
            return
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if event is None or record.get("event") == event:
                    yield record

    def order(self, **fields: Any) -> dict[str, Any]:
        """An order placed, changed or cancelled (client id, token, side, size, status...)."""
        return self.append("order", **fields)


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def record_config(log: AuditLog, cfg: Config) -> dict[str, Any] | None:
    """Log a `config` event if the config differs from the last one logged; else None."""
    configs = list(log.records("config"))
    last = configs[-1] if configs else None
    fingerprint = cfg.fingerprint()
    if last is not None and last.get("hash") == fingerprint:
        return None
    public = cfg.public()
    env = public.pop("env")
    settings = json.loads(json.dumps(redact(_flatten(public)), default=str))  # as read back
    settings["env_set"] = sorted(name for name, state in env.items() if state != "unset")
    previous = last.get("settings", {}) if last else {}
    changed = sorted(
        k for k in settings.keys() | previous.keys() if settings.get(k) != previous.get(k)
    )
    return log.append(
        "config",
        hash=fingerprint,
        previous=last.get("hash") if last else None,
        changed=changed,
        settings=settings,
    )


def audit_event(cfg: Config, event: str, **fields: Any) -> dict[str, Any]:
    """Append `event` to the config's audit log, masking the config's secrets."""
    return AuditLog(cfg.path(cfg.ops.audit_log), cfg.secrets.values()).append(event, **fields)
