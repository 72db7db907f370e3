"""The provider-independent request and response, and the errors a provider call can end in."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from alpha_arena.errors import AlphaArenaError, ValidationError
from alpha_arena.timeutil import to_datetime

ROLES = ("system", "user", "assistant")

RETRYABLE = frozenset({"rate_limit", "server", "timeout", "connection"})
"""Failure kinds worth retrying on the same provider (after a backoff)."""


@dataclass(frozen=True)
class LLMRequest:
    """What an agent asks: messages, an optional JSON schema the answer must match, and context.

    `role` names the asking agent (ledger and cache key); `tier` picks the model class
    ("cheap" or "strong") unless `model` names one; `sim_time` is the simulated time of
    the decision, part of the cache key so a replayed backtest gets the answer it got then.
    """

    messages: tuple[dict[str, str], ...]
    schema: dict[str, Any] | None = None
    role: str = "default"
    tier: str = "strong"
    model: str | None = None
    temperature: float = 0.0
    max_tokens: int = 1024
    sim_time: datetime | None = None

    def __post_init__(self) -> None:
        msgs = tuple(dict(m) for m in self.messages)
        if not msgs:
            raise ValidationError("messages", "at least one message")
        for i, m in enumerate(msgs):
            if m.get("role") not in ROLES or not isinstance(m.get("content"), str):
                raise ValidationError(f"messages[{i}]", f"{{role in {ROLES}, content: str}}", m)
        object.__setattr__(self, "messages", msgs)
        if not 0.0 <= self.temperature <= 2.0:
            raise ValidationError("temperature", "a number in [0, 2]", self.temperature)
        if self.max_tokens < 1:
            raise ValidationError("max_tokens", "a positive integer", self.max_tokens)
        if self.sim_time is not None:
            object.__setattr__(self, "sim_time", to_datetime(self.sim_time, "sim_time"))

    @property
    def system(self) -> str:
        """The system messages joined (providers that take the system prompt apart)."""
        return "\n\n".join(m["content"] for m in self.messages if m["role"] == "system")

    @property
    def chat(self) -> list[dict[str, str]]:
        """The non-system messages in order."""
        return [m for m in self.messages if m["role"] != "system"]

    def prompt_chars(self) -> int:
        """Characters of prompt text (a rough token estimate is this / 4)."""
        return sum(len(m["content"]) for m in self.messages) + len(json.dumps(self.schema or {}))

    def cache_key(self) -> str:
        """SHA-256 of the provider-independent request: equal requests share a key."""
        payload = {
            "role": self.role,
            "tier": self.tier,
            "model": self.model,
            "messages": list(self.messages),
            "schema": self.schema,
            "temperature": self.temperature,
            "sim_time": self.sim_time.isoformat() if self.sim_time else None,
        }
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def with_messages(self, *extra: dict[str, str]) -> LLMRequest:
        """A copy with messages appended (used for the one repair attempt)."""
        return replace(self, messages=(*self.messages, *extra))


@dataclass(frozen=True)
class Completion:
    """What one provider returned for one call, before validation and costing."""

    text: str
    output: Any
    input_tokens: int
    output_tokens: int
    model: str


@dataclass(frozen=True)
class Attempt:
    """One provider tried for a request: who, which model, and how it ended."""

    provider: str
    model: str
    status: str
    reason: str = ""


@dataclass(frozen=True)
class LLMResponse:
    """The answer: parsed output (dict when a schema was given), text, usage, cost, provenance."""

    output: Any
    text: str
    input_tokens: int
    output_tokens: int
    model: str
    provider: str
    latency_ms: float
    cost_usd: float
    cached: bool = False
    attempts: tuple[Attempt, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """The fields a cache stores (provenance of the original call included)."""
        return {
            "output": self.output,
            "text": self.text,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "model": self.model,
            "provider": self.provider,
            "latency_ms": self.latency_ms,
            "cost_usd": self.cost_usd,
        }


class LLMError(AlphaArenaError):
    """No provider could answer a request; `attempts` says why each one did not."""

    def __init__(self, message: str, attempts: tuple[Attempt, ...] = ()) -> None:
        self.attempts = attempts
        detail = "; ".join(f"{a.provider}/{a.model}: {a.status} {a.reason}" for a in attempts)
        super().__init__(f"{message}" + (f" ({detail})" if detail else ""))


class BudgetExceededError(LLMError):
    """The daily or monthly budget is spent and the policy is to skip the decision."""


class CacheMissError(LLMError):
    """Replay mode found no recorded answer for a request."""


class ProviderError(AlphaArenaError):
    """One call to one provider failed; `kind` decides retry / fallback.

    Kinds: rate_limit, server, timeout, connection (retryable), auth, bad_request,
    malformed (the answer did not parse or validate), unavailable.
    """

    def __init__(self, kind: str, message: str, retry_after: float | None = None) -> None:
        self.kind = kind
        self.retry_after = retry_after
        super().__init__(f"{kind}: {message}")

    @property
    def retryable(self) -> bool:
        """Whether the same provider may succeed after a wait."""
        return self.kind in RETRYABLE
