"""ResearchAgent: a probability, a confidence and a short rationale for a market's YES."""

from __future__ import annotations

from dataclasses import dataclass

from alpha_arena.agents.view import MarketView
from alpha_arena.llm import LLMRequest, LLMRouter

SYSTEM = (
    "You are a careful forecaster for prediction markets. Estimate the probability that "
    "the market resolves YES using only the information given and what was knowable at the "
    "stated time. The market price is the crowd's estimate: depart from it only with a "
    "reason. Give a calibrated probability, your confidence in having an edge (0-1), and a "
    "rationale of at most three sentences."
)

SCHEMA = {
    "type": "object",
    "properties": {
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "rationale": {"type": "string", "maxLength": 1000},
    },
    "required": ["probability", "confidence", "rationale"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Assessment:
    """The research answer for one market at one time, with the model that gave it and
    the providers that did not (`"name: status"`)."""

    market_id: str
    probability: float
    confidence: float
    rationale: str
    model: str
    provider: str
    cost_usd: float
    passed_over: tuple[str, ...] = ()


class ResearchAgent:
    """Asks the router (strong tier by default) for a validated structured forecast."""

    role = "research"

    def __init__(self, router: LLMRouter, model: str = "strong") -> None:
        self.router = router
        self.model = model

    def request(self, view: MarketView) -> LLMRequest:
        """The provider-independent request for a view (its cache key includes `view.now`)."""
        tiers = {t for models in self.router.config.models.values() for t in models}
        return LLMRequest(
            ({"role": "system", "content": SYSTEM}, {"role": "user", "content": view.prompt()}),
            schema=SCHEMA,
            role=self.role,
            tier=self.model if self.model in tiers else "strong",
            model=None if self.model in tiers else self.model,
            temperature=0.0,
            max_tokens=400,
            sim_time=view.now,
        )

    def assess(self, view: MarketView) -> Assessment:
        """Forecast a market; raises LLMError when no provider answers."""
        answer = self.router.complete(self.request(view))
        out = answer.output
        return Assessment(
            view.market_id,
            float(out["probability"]),
            float(out["confidence"]),
            str(out["rationale"]),
            answer.model,
            answer.provider,
            answer.cost_usd,
            tuple(
                f"{a.provider}: {a.status}"
                for a in answer.attempts
                if a.status not in ("ok", "cached")
            ),
        )
