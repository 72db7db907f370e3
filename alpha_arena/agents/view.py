"""`MarketView`: what the agents may know about one market at one moment, built from `ctx`.

Everything comes from the strategy context, so nothing after `now` can leak in; the view
is a plain value, safe to hand to worker threads and to render into a prompt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from alpha_arena.fees import fee_rate_for

if TYPE_CHECKING:
    from alpha_arena.strategy import Context
    from alpha_arena.types import OrderBook


@dataclass(frozen=True)
class MarketView:
    """One binary market as known at `now` (prices are of the YES token)."""

    market_id: str
    question: str
    description: str
    category: str
    end_time: datetime | None
    now: datetime
    yes_token: str
    no_token: str
    yes_price: float
    fee_rate: float
    history: dict[str, float]
    indicators: dict[str, float]
    yes_book: OrderBook | None = None
    no_book: OrderBook | None = None
    memories: tuple[str, ...] = field(default_factory=tuple)

    def prompt(self) -> str:
        """The view as prompt text: facts first, then book, indicators and memories."""
        lines = [
            f"Market: {self.question}",
            f"Category: {self.category}",
            f"Now (UTC): {self.now:%Y-%m-%d %H:%M}",
            f"Scheduled end: {self.end_time:%Y-%m-%d %H:%M}" if self.end_time else "",
            f"Description: {self.description}" if self.description else "",
            f"YES price now: {self.yes_price:.3f}",
            "Price history: " + _fmt(self.history),
            "Indicators: " + _fmt(self.indicators),
        ]
        if self.yes_book is not None:
            book = self.yes_book
            lines.append(
                f"YES book: best bid {book.best_bid:.3f} x {_depth(book.bid_sizes)}, "
                f"best ask {book.best_ask:.3f} x {_depth(book.ask_sizes)}"
            )
        if self.memories:
            lines.append("Memories:")
            lines.extend(f"- {m}" for m in self.memories)
        return "\n".join(line for line in lines if line)


def _fmt(values: dict[str, Any]) -> str:
    shown = [f"{k}={v:.4f}" for k, v in values.items() if isinstance(v, float) and math.isfinite(v)]
    return ", ".join(shown) or "n/a"


def _depth(sizes: np.ndarray) -> str:
    return f"{float(sizes[0]):.0f}" if sizes.size else "0"


def _summary(series: np.ndarray) -> dict[str, float]:
    clean = series[np.isfinite(series)]
    if clean.size == 0:
        return {}
    out = {"last": float(clean[-1]), "min": float(clean.min()), "max": float(clean.max())}
    for label, steps in (("change_10", 10), ("change_60", 60)):
        if clean.size > steps:
            out[label] = float(clean[-1] - clean[-1 - steps])
    return out


def build_view(
    ctx: Context, market_id: str, memories: list[str] | None = None, lookback: int = 240
) -> MarketView | None:
    """The view of a binary market at `ctx.now`, or None when it has no YES/NO pair or price."""
    tokens = ctx.tokens
    mine = tokens[tokens["market_id"] == market_id]
    yes = mine.index[mine["is_yes"].to_numpy()]
    no = mine.index[~mine["is_yes"].to_numpy()]
    if len(yes) != 1 or len(no) != 1:
        return None
    yes_token, no_token = str(yes[0]), str(no[0])
    price = ctx.price(yes_token)
    if not math.isfinite(price):
        return None
    row = ctx.markets.loc[market_id]
    col = ctx.column(yes_token)
    indicators = {
        "rsi_14": float(ctx.indicator("rsi", length=14)[col]),
        "zscore_30": float(ctx.indicator("zscore", length=30)[col]),
    }
    end = row["end_time"]
    return MarketView(
        market_id=str(market_id),
        question=str(row["question"]),
        description=row["description"] if isinstance(row["description"], str) else "",
        category=str(row["category"] or "other"),
        end_time=None if end is None or end != end else end.to_pydatetime(),
        now=ctx.now,
        yes_token=yes_token,
        no_token=no_token,
        yes_price=price,
        fee_rate=fee_rate_for(row["category"], row["fee_rate"]),
        history=_summary(np.asarray(ctx.history(yes_token, lookback))),
        indicators=indicators,
        yes_book=ctx.book(yes_token),
        no_book=ctx.book(no_token),
        memories=tuple(memories or ()),
    )
