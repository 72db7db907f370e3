"""The `agents:` configuration section: model per agent, sizing, execution and concurrency."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from alpha_arena.errors import ConfigError, ValidationError


@dataclass(frozen=True)
class AgentsConfig:
    """Each `*_model` is a tier ("cheap" / "strong") or a model name from `llm.models`.

    Research uses the strong tier, reflection (a routine summary) the cheap one; risk and
    execution are deterministic rules and call no model.
    """

    research_model: str = "strong"
    reflection_model: str = "cheap"
    kelly_fraction: float = 0.25
    min_edge: float = 0.02
    min_confidence: float = 0.5
    max_stake_usdc: float = 100.0
    max_bankroll_fraction: float = 0.05
    min_order_usdc: float = 1.0
    cross_edge: float = 0.04
    participation: float = 0.5
    max_concurrency: int = 4
    timeout_s: float = 120.0
    max_markets: int = 5
    memory_limit: int = 5

    def __post_init__(self) -> None:
        fractions = ("kelly_fraction", "min_confidence", "max_bankroll_fraction", "participation")
        for name in fractions:
            value = getattr(self, name)
            if not 0.0 < value <= 1.0 and not (name == "min_confidence" and value == 0.0):
                raise ValidationError(f"agents.{name}", "a fraction in (0, 1]", value)
        for name in ("min_edge", "max_stake_usdc", "min_order_usdc", "cross_edge", "timeout_s"):
            if getattr(self, name) < 0:
                raise ValidationError(f"agents.{name}", "a number >= 0", getattr(self, name))
        for name in ("max_concurrency", "max_markets", "memory_limit"):
            if int(getattr(self, name)) < 1:
                raise ValidationError(f"agents.{name}", "an integer >= 1", getattr(self, name))

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any] | None) -> AgentsConfig:
        """Build from a config file's `agents:` section; unknown keys are a ConfigError."""
        section = dict(section or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(section) - known)
        if unknown:
            raise ConfigError(f"agents: unknown keys {unknown} (known: {sorted(known)})")
        return cls(**section)
