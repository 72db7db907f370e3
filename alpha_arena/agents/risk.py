"""RiskAgent: fractional-Kelly sizing on the edge after Polymarket fees, limits, veto.

A rule, not a model: sizing must be exact and explainable. For each side (YES at its ask,
NO at its ask) the edge is the forecast probability minus the cost of one share held after
the taker fee; the side with the larger positive Kelly fraction is taken.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from alpha_arena.agents.config import AgentsConfig
from alpha_arena.agents.research import Assessment
from alpha_arena.agents.view import MarketView
from alpha_arena.fees import pm_fee_per_share


@dataclass(frozen=True)
class Sizing:
    """The risk verdict: approved or vetoed (with why), and if approved what to buy."""

    approved: bool
    reason: str
    token_id: str = ""
    side: str = ""
    probability: float = math.nan
    entry_price: float = math.nan
    edge: float = 0.0
    fraction: float = 0.0
    usdc: float = 0.0


def entry_price(book_ask: float, last: float) -> float:
    """The price a buy would pay: the best ask, else the last price."""
    return book_ask if math.isfinite(book_ask) else last


def net_edge(prob: float, price: float, fee_rate: float) -> float:
    """Expected profit per USDC-share bought at `price` after the taker fee (in USDC)."""
    return prob - price - pm_fee_per_share(price, fee_rate)


class RiskAgent:
    """Sizes with fractional Kelly (via `alpha_arena.indicators.kelly_fraction`), caps the stake
    at the configured limits and the account's cash, and vetoes weak or unfunded trades."""

    def __init__(self, config: AgentsConfig | None = None) -> None:
        self.config = config or AgentsConfig()

    def size(self, view: MarketView, assessment: Assessment, equity: float, cash: float) -> Sizing:
        """The verdict for one assessment given the account's equity and free cash."""
        from alpha_arena.indicators import kelly_fraction

        cfg = self.config
        if assessment.confidence < cfg.min_confidence:
            return Sizing(
                False, f"confidence {assessment.confidence:.2f} < {cfg.min_confidence:.2f}"
            )
        yes_px = entry_price(_ask(view.yes_book), view.yes_price)
        no_px = entry_price(_ask(view.no_book), 1.0 - view.yes_price)
        sides = [
            ("YES", view.yes_token, assessment.probability, yes_px),
            ("NO", view.no_token, 1.0 - assessment.probability, no_px),
        ]
        probs = np.array([s[2] for s in sides])
        prices = np.array([min(max(s[3], 1e-6), 1 - 1e-6) for s in sides])
        kelly = kelly_fraction(probs, prices, view.fee_rate, cfg.kelly_fraction)
        best = int(np.nanargmax(kelly)) if np.isfinite(kelly).any() else 0
        label, token, prob, price = sides[best]
        edge = net_edge(prob, price, view.fee_rate)
        if not kelly[best] > 0 or edge < cfg.min_edge:
            return Sizing(
                False,
                f"no edge: best side {label} at {price:.3f} has edge {edge:+.4f} after fees "
                f"(need {cfg.min_edge:.4f})",
            )
        fraction = min(float(kelly[best]), cfg.max_bankroll_fraction)
        usdc = min(fraction * equity, cfg.max_stake_usdc, cash)
        if usdc < cfg.min_order_usdc:
            return Sizing(False, f"stake {usdc:.2f} USDC below the minimum {cfg.min_order_usdc}")
        capped = " (capped)" if usdc < float(kelly[best]) * equity else ""
        return Sizing(
            True,
            f"buy {label}: p={prob:.3f} vs {price:.3f}, edge {edge:+.4f} after fees, "
            f"kelly {float(kelly[best]):.4f} -> {usdc:.2f} USDC{capped}",
            token,
            label,
            prob,
            price,
            edge,
            fraction,
            usdc,
        )


def _ask(book) -> float:
    return math.nan if book is None else book.best_ask
