"""LLM configuration: provider chain, models per tier, prices, knowledge cutoffs, budgets, keys.

Everything has a default so `LLMConfig()` works; a config file's `llm:` section overrides
any part (`LLMConfig.from_mapping`). API keys are read from the environment or a `.env`
file, never from the config file, and are never logged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

from alpha_arena.errors import ConfigError, ValidationError

PROVIDERS = ("anthropic", "openai", "google", "xai", "local")

KEY_ENV: dict[str, tuple[str, ...]] = {
    "anthropic": ("ANTHROPIC_API_KEY",),
    "openai": ("OPENAI_API_KEY",),
    "google": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    "xai": ("XAI_API_KEY",),
    "local": ("LOCAL_LLM_API_KEY",),
}
"""Environment variables holding each provider's key (first one set wins)."""

DEFAULT_BASE_URLS: dict[str, str | None] = {
    "anthropic": None,
    "openai": None,
    "google": None,
    "xai": "https://api.x.ai/v1",
    "local": None,
}

DEFAULT_MODELS: dict[str, dict[str, str]] = {
    "anthropic": {"cheap": "claude-haiku-4-5", "strong": "claude-sonnet-4-6"},
    "openai": {"cheap": "gpt-4.1-mini", "strong": "gpt-4.1"},
    "google": {"cheap": "gemini-2.5-flash", "strong": "gemini-2.5-pro"},
    "xai": {"cheap": "grok-3-mini", "strong": "grok-4"},
    "local": {"cheap": "llama3.1:8b", "strong": "llama3.1:70b"},
}
"""Model per provider per tier ("cheap" for routine steps, "strong" for research)."""

DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-sonnet-4-6": (3.0, 15.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "gpt-4.1-mini": (0.4, 1.6),
    "gpt-4.1": (2.0, 8.0),
    "gpt-4o-mini": (0.15, 0.6),
    "gpt-4o": (2.5, 10.0),
    "gemini-2.5-flash": (0.3, 2.5),
    "gemini-2.5-pro": (1.25, 10.0),
    "grok-3-mini": (0.3, 0.5),
    "grok-4": (3.0, 15.0),
    "llama3.1:8b": (0.0, 0.0),
    "llama3.1:70b": (0.0, 0.0),
}
"""USD per million (input, output) tokens, from the vendors' public price pages."""

DEFAULT_CUTOFFS: dict[str, date] = {
    "claude-haiku-4-5": date(2025, 2, 28),
    "claude-sonnet-4-6": date(2025, 8, 31),
    "claude-sonnet-4-5": date(2025, 1, 31),
    "gpt-4.1-mini": date(2024, 6, 1),
    "gpt-4.1": date(2024, 6, 1),
    "gpt-4o-mini": date(2023, 10, 1),
    "gpt-4o": date(2023, 10, 1),
    "gemini-2.5-flash": date(2025, 1, 31),
    "gemini-2.5-pro": date(2025, 1, 31),
    "grok-3-mini": date(2024, 11, 17),
    "grok-4": date(2024, 11, 17),
    "llama3.1:8b": date(2023, 12, 1),
    "llama3.1:70b": date(2023, 12, 1),
}
"""Training-data cutoff per model: markets resolved before it may be known to the model.

Defaults are the vendors' stated cutoffs where known, rounded late (a later cutoff refuses
more markets, the safe side); set `llm.cutoffs` for the models you actually run."""


@dataclass(frozen=True)
class BudgetConfig:
    """Spend limits in USD (0 = unlimited), the alert fraction, and what to do when spent.

    `on_exceed`: "cheaper" routes further calls to the `fallback_tier` (e.g. a free local
    model), "skip" refuses them so the agent skips the decision.
    """

    daily_usd: float = 0.0
    monthly_usd: float = 0.0
    alert_at: float = 0.8
    on_exceed: str = "skip"
    fallback_tier: str = "cheap"

    def __post_init__(self) -> None:
        if self.daily_usd < 0 or self.monthly_usd < 0:
            raise ValidationError("llm.budget", "non-negative USD limits", self)
        if not 0 < self.alert_at <= 1:
            raise ValidationError("llm.budget.alert_at", "a fraction in (0, 1]", self.alert_at)
        if self.on_exceed not in ("cheaper", "skip"):
            raise ValidationError("llm.budget.on_exceed", "'cheaper' or 'skip'", self.on_exceed)


@dataclass(frozen=True)
class RateLimit:
    """Requests and tokens per minute allowed for one provider (0 = unlimited)."""

    rpm: int = 0
    tpm: int = 0


@dataclass(frozen=True)
class LLMConfig:
    """The whole `llm:` section. Every field has a working default."""

    chain: tuple[str, ...] = ("anthropic", "openai", "google", "xai", "local")
    models: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: DEFAULT_MODELS)
    prices: Mapping[str, tuple[float, float]] = field(default_factory=lambda: DEFAULT_PRICES)
    cutoffs: Mapping[str, date] = field(default_factory=lambda: DEFAULT_CUTOFFS)
    base_urls: Mapping[str, str | None] = field(default_factory=lambda: DEFAULT_BASE_URLS)
    rate_limits: Mapping[str, RateLimit] = field(default_factory=dict)
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    timeout_s: float = 60.0
    max_retries: int = 2
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    breaker_failures: int = 3
    breaker_cooldown_s: float = 300.0
    cache_mode: str = "off"
    cache_path: str = "llm_cache.db"
    ledger_path: str = "llm_ledger.db"

    def __post_init__(self) -> None:
        unknown = [p for p in self.chain if p not in PROVIDERS]
        if unknown or not self.chain:
            raise ValidationError("llm.chain", f"a non-empty list of {PROVIDERS}", list(self.chain))
        if self.cache_mode not in ("off", "record", "replay", "auto"):
            raise ValidationError("llm.cache_mode", "off, record, replay or auto", self.cache_mode)
        for name in ("timeout_s", "backoff_s", "max_backoff_s", "breaker_cooldown_s"):
            if getattr(self, name) < 0:
                raise ValidationError(f"llm.{name}", "a non-negative number", getattr(self, name))
        if self.max_retries < 0 or self.breaker_failures < 1:
            raise ValidationError("llm.max_retries/breaker_failures", ">= 0 / >= 1")

    def model_for(self, provider: str, tier: str) -> str | None:
        """The model a provider uses for a tier (None when it has none for that tier)."""
        return self.models.get(provider, {}).get(tier)

    def price(self, model: str) -> tuple[float, float]:
        """USD per million (input, output) tokens; an unpriced model is a ConfigError."""
        if model not in self.prices:
            raise ConfigError(f"llm.prices: no price for model {model!r}; add it to the config")
        return self.prices[model]

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float:
        """USD cost of a call from its reported token usage."""
        pin, pout = self.price(model)
        return (input_tokens * pin + output_tokens * pout) / 1_000_000

    def provider_of(self, model: str) -> str | None:
        """The provider whose model table lists `model`."""
        for provider in self.chain:
            if model in self.models.get(provider, {}).values():
                return provider
        return None

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any] | None) -> LLMConfig:
        """Build from a config file's `llm:` mapping; unknown keys are a ConfigError."""
        section = dict(section or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(section) - known)
        if unknown:
            raise ConfigError(f"llm: unknown keys {unknown} (known: {sorted(known)})")
        base = cls()
        values: dict[str, Any] = {}
        if "chain" in section:
            values["chain"] = tuple(section["chain"])
        if "models" in section:
            values["models"] = {**base.models, **section["models"]}
        if "prices" in section:
            values["prices"] = {
                **base.prices,
                **{k: _price(k, v) for k, v in section["prices"].items()},
            }
        if "cutoffs" in section:
            values["cutoffs"] = {
                **base.cutoffs,
                **{k: _date(k, v) for k, v in section["cutoffs"].items()},
            }
        if "base_urls" in section:
            values["base_urls"] = {**base.base_urls, **section["base_urls"]}
        if "rate_limits" in section:
            values["rate_limits"] = {k: RateLimit(**v) for k, v in section["rate_limits"].items()}
        if "budget" in section:
            values["budget"] = BudgetConfig(**section["budget"])
        for key in section.keys() - values.keys():
            values[key] = section[key]
        try:
            return replace(base, **values)
        except TypeError as exc:
            raise ConfigError(f"llm: {exc}") from exc


def _price(model: str, value: Any) -> tuple[float, float]:
    if isinstance(value, Mapping):
        value = (value.get("input"), value.get("output"))
    try:
        pin, pout = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"llm.prices.{model}", "{input: usd/Mtok, output: usd/Mtok}") from exc
    return pin, pout


def _date(model: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError(f"llm.cutoffs.{model}", "an ISO date", value) from exc


def api_key(provider: str, env: Mapping[str, str] | None = None, dotenv: str | Path = ".env"):
    """The provider's key from `env` (default os.environ), else from a `.env` file; or None."""
    source = os.environ if env is None else env
    names = KEY_ENV.get(provider, ())
    for name in names:
        if source.get(name):
            return source[name]
    path = Path(dotenv)
    if env is None and path.is_file():
        from dotenv import dotenv_values

        values = dotenv_values(path)
        for name in names:
            if values.get(name):
                return values[name]
    return None
