"""Knowledge-cutoff guard: a model may already know how a market ended if it ended before the
model's training cutoff, so backtesting it there measures memory, not forecasting."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

import pandas as pd

from alpha_arena.errors import AlphaArenaError, ConfigError
from alpha_arena.llm.config import LLMConfig


class ContaminationError(AlphaArenaError):
    """Markets ended before the model's knowledge cutoff and contamination was not allowed."""

    def __init__(self, cutoff: date, model: str, markets: list[str]) -> None:
        self.cutoff = cutoff
        self.model = model
        self.markets = markets
        shown = ", ".join(markets[:5]) + (" ..." if len(markets) > 5 else "")
        super().__init__(
            f"{len(markets)} market(s) ended before {model}'s knowledge cutoff {cutoff} "
            f"({shown}); the model may know the answers. Pass allow_contaminated "
            "(--allow-contaminated) to run anyway with the results flagged."
        )


def latest_cutoff(config: LLMConfig, models: Iterable[str]) -> tuple[date, str]:
    """The latest cutoff among `models` and its model; a model without one is a ConfigError."""
    best: tuple[date, str] | None = None
    for model in models:
        cutoff = config.cutoffs.get(model)
        if cutoff is None:
            raise ConfigError(f"llm.cutoffs: no knowledge cutoff for model {model!r}; add one")
        if best is None or cutoff > best[0]:
            best = (cutoff, model)
    if best is None:
        raise ConfigError("llm: no models to check against a knowledge cutoff")
    return best


def contaminated(markets: pd.DataFrame, cutoff: date) -> list[str]:
    """Ids of markets whose end (scheduled end, or resolution when earlier) is before `cutoff`.

    `markets` has the Dataset markets columns (index condition_id, `end_time`,
    `resolved_at`); only information known in advance is needed (`end_time`).
    """
    line = pd.Timestamp(datetime.combine(cutoff, datetime.min.time(), tzinfo=UTC))
    ends = markets["end_time"]
    if "resolved_at" in markets:
        ends = ends.where(ends.notna() & ~(markets["resolved_at"] < ends), markets["resolved_at"])
    return [str(i) for i in markets.index[(ends < line).fillna(False).to_numpy()]]


def check_markets(
    markets: pd.DataFrame, config: LLMConfig, models: Iterable[str], allow: bool = False
) -> list[str]:
    """Refuse (ContaminationError) markets ended before the latest model cutoff, or, with
    `allow`, return their ids so the run can be flagged."""
    cutoff, model = latest_cutoff(config, models)
    bad = contaminated(markets, cutoff)
    if bad and not allow:
        raise ContaminationError(cutoff, model, bad)
    return bad
