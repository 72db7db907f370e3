"""Risk limits as configuration: what the risk gate enforces before every order."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from alpha_arena.errors import ConfigError

_ALIASES = {
    "max_position_size": "max_position_usdc",
    "max_position_size_usdc": "max_position_usdc",
    "max_total_exposure": "max_total_exposure_usdc",
    "daily_loss_limit": "daily_loss_limit_usdc",
    "max_single_trade": "max_single_trade_usdc",
    "rate_limit_orders_per_minute": "max_orders_per_minute",
}
"""Key names of the operations manual's `risk:` section mapped onto ours."""

_IGNORED = {
    "max_kelly_fraction",
    "kelly_fraction",
    "min_edge_for_trade",
    "min_edge_threshold",
    "min_confidence",
    "max_portfolio_risk_pct",
    "max_correlation_exposure",
}
"""Sizing keys of the same section, read by the sizing code rather than the gate."""


@dataclass(frozen=True)
class RiskLimits:
    """Hard limits, each None when not enforced. Money in USDC, `max_drawdown_pct` in percent.

    - `max_position_usdc`: value held plus open buys in one market.
    - `max_single_trade_usdc`: value of one order.
    - `max_total_exposure_usdc`: value held plus open buys across all markets.
    - `max_open_positions`: markets with a position or an open buy.
    - `daily_loss_limit_usdc`: equity drop since the UTC day began; then only reducing orders.
    - `max_drawdown_pct`: drop from the equity high-water mark; then only reducing orders.
    - `max_orders_per_minute`: orders accepted in any rolling minute.
    - `kill_switch`: True stops all trading and cancels open orders.
    """

    max_position_usdc: float | None = None
    max_single_trade_usdc: float | None = None
    max_total_exposure_usdc: float | None = None
    max_open_positions: int | None = None
    daily_loss_limit_usdc: float | None = None
    max_drawdown_pct: float | None = None
    max_orders_per_minute: int | None = None
    kill_switch: bool = False
    kill_switch_file: str | None = None

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("kill_switch", "kill_switch_file") or value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"risk.{f.name}: expected a number, got {value!r}")
            if not math.isfinite(value) or value <= 0:
                raise ConfigError(f"risk.{f.name}: expected a positive number, got {value!r}")
        if self.max_drawdown_pct is not None and self.max_drawdown_pct > 100:
            raise ConfigError(
                f"risk.max_drawdown_pct: expected at most 100, got {self.max_drawdown_pct!r}"
            )
        if not isinstance(self.kill_switch, bool):
            raise ConfigError(f"risk.kill_switch: expected true or false, got {self.kill_switch!r}")

    @classmethod
    def from_mapping(cls, section: Mapping[str, Any] | None) -> RiskLimits:
        """Build from a config `risk:` section (the operations manual's key names accepted)."""
        known = {f.name for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in (section or {}).items():
            name = _ALIASES.get(key, key)
            if name in _IGNORED:
                continue
            if name not in known:
                raise ConfigError(f"risk.{key}: unknown setting (known: {sorted(known)})")
            values[name] = value
        return cls(**values)
