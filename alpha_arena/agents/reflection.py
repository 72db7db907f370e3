"""ReflectionAgent: after fills and resolutions, writes outcome records and lessons to memory."""

from __future__ import annotations

import logging
from datetime import datetime

from alpha_arena.agents.memory import Memory, MemoryRecord
from alpha_arena.agents.research import Assessment
from alpha_arena.llm import CacheMissError, LLMError, LLMRequest, LLMRouter
from alpha_arena.types import Fill

log = logging.getLogger(__name__)

SYSTEM = (
    "You review a prediction-market trade after it resolved. In one or two sentences, "
    "state a lesson that would improve future forecasts, and rate its importance (0-1)."
)

SCHEMA = {
    "type": "object",
    "properties": {
        "lesson": {"type": "string", "minLength": 1, "maxLength": 500},
        "importance": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["lesson", "importance"],
    "additionalProperties": False,
}


class ReflectionAgent:
    """Records fills (episodic), outcomes (with the forecast's Brier score) and lessons."""

    role = "reflection"

    def __init__(self, router: LLMRouter, memory: Memory, model: str = "cheap") -> None:
        self.router = router
        self.memory = memory
        self.model = model

    def record_fill(self, market: str, fill: Fill) -> None:
        """An episodic note of a fill (short-term and long-term, low importance)."""
        text = f"{fill.side} {fill.size:g} of {fill.token_id} at {fill.price:.3f}"
        self.memory.short.add(market, text)
        self.memory.store.add(MemoryRecord(fill.timestamp, market, "fill", text, 0.2))

    def resolve(
        self,
        market: str,
        question: str,
        outcome: float,
        now: datetime,
        assessment: Assessment | None,
    ) -> str | None:
        """Store how the market ended (`outcome` = YES payout) and, when a forecast was made,
        a lesson from the cheap model. Returns the lesson (None without one: a failed call
        is logged and skipped, but a replay-mode cache miss is raised)."""
        if assessment is None:
            text = f"resolved with YES paying {outcome:g}; no forecast was made"
            self.memory.store.add(MemoryRecord(now, market, "outcome", text, 0.3, outcome))
            return None
        brier = (assessment.probability - outcome) ** 2
        text = (
            f"forecast {assessment.probability:.2f} (confidence {assessment.confidence:.2f}); "
            f"YES paid {outcome:g}; Brier {brier:.3f}. Rationale was: {assessment.rationale}"
        )
        self.memory.store.add(
            MemoryRecord(now, market, "outcome", text, min(1.0, 0.3 + brier), outcome)
        )
        tiers = {t for models in self.router.config.models.values() for t in models}
        request = LLMRequest(
            (
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"Market: {question}\n{text}"},
            ),
            schema=SCHEMA,
            role=self.role,
            tier=self.model if self.model in tiers else "cheap",
            model=None if self.model in tiers else self.model,
            max_tokens=300,
            sim_time=now,
        )
        try:
            answer = self.router.complete(request)
        except CacheMissError:
            raise
        except LLMError as exc:
            log.warning("reflection on %s skipped: %s", market, exc)
            return None
        lesson = str(answer.output["lesson"])
        importance = float(answer.output["importance"])
        self.memory.store.add(MemoryRecord(now, market, "lesson", lesson, importance, outcome))
        return lesson
