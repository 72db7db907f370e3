"""`SimConfig`: the simulator's assumptions, each one a named, documented knob."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from alpha_arena.errors import ValidationError


@dataclass(frozen=True)
class SimConfig:
    """How the simulated venue fills orders (see docs/simulator.md for every assumption).

    - `latency_ms`: an order reaches the book this long after the decision (0 allowed:
      it is matched at once against the state of the decision time).
    - `default_spread`: with no book, fills happen at the bar price ± half this spread,
      unless a book of the token was seen, whose last observed spread is used instead.
    - `bar_depth`: shares one order can take per bar (no-book fills and resting fills
      off bar prices).
    - `book_max_age_ms`: a book snapshot older than this counts as absent (None: any age).
    - `queue_position`: resting orders also fill from trades AT their price once the
      volume that was queued ahead of them (the book size at that price when they
      arrived) has traded; off, only trades strictly through the price fill them.
    - `min_marketable_usdc`: the venue's minimum value of a marketable order.
    - `fees`: charge the venue's taker fees (makers never pay).
    - `fee_exponent`: the exponent of p(1−p) in the fee formula.
    """

    latency_ms: float = 0.0
    default_spread: float = 0.02
    bar_depth: float = 1_000.0
    book_max_age_ms: float | None = None
    queue_position: bool = False
    min_marketable_usdc: float = 1.0
    fees: bool = True
    fee_exponent: float = 1.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("queue_position", "fees"):
                if not isinstance(value, bool):
                    raise ValidationError(f"SimConfig.{f.name}", "True or False", value)
                continue
            if value is None and f.name == "book_max_age_ms":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValidationError(f"SimConfig.{f.name}", "a number", value)
            if not math.isfinite(value) or value < 0:
                raise ValidationError(f"SimConfig.{f.name}", "a finite number >= 0", value)
        if self.default_spread >= 1.0:
            raise ValidationError(
                "SimConfig.default_spread", "a spread below 1", self.default_spread
            )
        if self.bar_depth <= 0:
            raise ValidationError("SimConfig.bar_depth", "shares > 0", self.bar_depth)

    @property
    def latency_ns(self) -> int:
        """The latency in nanoseconds."""
        return round(self.latency_ms * 1_000_000)
