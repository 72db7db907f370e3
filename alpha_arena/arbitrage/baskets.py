"""Which legs make a basket: complement pairs and complete neg-risk events of a Dataset.

A `Baskets` holds one kind of basket (one side) as flat leg arrays in CSR layout, ready for
`kernels.scan_baskets`: the legs of basket b are `starts[b]:starts[b + 1]`, and each leg
names a row (token column) of the book snapshot it is walked on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alpha_arena.arbitrage.kernels import BUY, SELL, VENUE_POLYMARKET
from alpha_arena.data import Dataset
from alpha_arena.errors import ValidationError
from alpha_arena.fees import fee_rates_for

COMPLEMENT_BUY = "complement_buy"
COMPLEMENT_SELL = "complement_sell"
NEGRISK_BUY = "negrisk_buy"
NEGRISK_SELL = "negrisk_sell"
CROSS_VENUE = "cross_venue"
KINDS = (COMPLEMENT_BUY, COMPLEMENT_SELL, NEGRISK_BUY, NEGRISK_SELL, CROSS_VENUE)
"""Every opportunity kind the scans report."""

EVENT_OUTCOMES_META = "event_outcomes"
"""Optional `Dataset.meta` key: {event_id: number of outcomes the event really has}."""


@dataclass(frozen=True, eq=False)
class Baskets:
    """Baskets of one kind: names, and legs as flat arrays (rows, tokens, rates, venues)."""

    kind: str
    side: int
    names: np.ndarray
    events: np.ndarray
    starts: np.ndarray
    leg_rows: np.ndarray
    leg_tokens: np.ndarray
    leg_rates: np.ndarray
    leg_venues: np.ndarray

    @property
    def n(self) -> int:
        """Number of baskets."""
        return int(self.starts.size - 1)


def make_baskets(
    kind: str,
    side: int,
    names: list[str],
    events: list[str | None],
    legs: list[list[tuple[int, str, float, int]]],
) -> Baskets:
    """Baskets from a list of leg lists, each leg (row, token, fee rate, venue)."""
    if kind not in KINDS:
        raise ValidationError("kind", f"one of {KINDS}", kind)
    if side not in (BUY, SELL):
        raise ValidationError("side", "BUY (0) or SELL (1)", side)
    flat = [leg for basket in legs for leg in basket]
    starts = np.zeros(len(legs) + 1, dtype=np.int64)
    starts[1:] = np.cumsum([len(basket) for basket in legs])
    return Baskets(
        kind=kind,
        side=side,
        names=np.array(names, dtype=object),
        events=np.array(events, dtype=object),
        starts=starts,
        leg_rows=np.array([leg[0] for leg in flat], dtype=np.int64),
        leg_tokens=np.array([leg[1] for leg in flat], dtype=object),
        leg_rates=np.array([leg[2] for leg in flat], dtype=np.float64),
        leg_venues=np.array([leg[3] for leg in flat], dtype=np.int64),
    )


def token_fee_rates(dataset: Dataset) -> np.ndarray:
    """The Polymarket taker fee rate of every token column (its market's rate or category's)."""
    return fee_rates_for(dataset.markets)[dataset.token_market]


def complement_baskets(dataset: Dataset) -> tuple[Baskets, Baskets]:
    """For every market, the YES + NO buy basket (asks) and the mint-and-sell basket (bids)."""
    rates = token_fee_rates(dataset)
    tokens = dataset.token_ids
    yes_cols = np.flatnonzero(dataset.is_yes)
    no_cols = dataset.complement[yes_cols]
    names = [str(m) for m in dataset.markets.index[dataset.token_market[yes_cols]]]
    event_ids = dataset.markets["event_id"].to_numpy(dtype=object)[dataset.token_market[yes_cols]]
    events = [None if not isinstance(e, str) else e for e in event_ids]
    legs = [
        [
            (int(y), str(tokens[y]), float(rates[y]), VENUE_POLYMARKET),
            (int(n), str(tokens[n]), float(rates[n]), VENUE_POLYMARKET),
        ]
        for y, n in zip(yes_cols, no_cols, strict=True)
    ]
    return (
        make_baskets(COMPLEMENT_BUY, BUY, names, events, legs),
        make_baskets(COMPLEMENT_SELL, SELL, names, events, legs),
    )


def complete_events(dataset: Dataset) -> dict[str, list[str]]:
    """Neg-risk events whose every outcome market is in the dataset: {event_id: markets}.

    An event needs at least two outcome markets; when `dataset.meta["event_outcomes"]`
    gives an event's true outcome count, an event missing any outcome is left out
    (buying every listed YES of an incomplete event does not guarantee a payout).
    """
    known = dataset.meta.get(EVENT_OUTCOMES_META, {}) or {}
    out: dict[str, list[str]] = {}
    for event_id, row in dataset.events.iterrows():
        markets = list(row["markets"])
        expected = known.get(event_id)
        if len(markets) >= 2 and (expected is None or int(expected) == len(markets)):
            out[str(event_id)] = markets
    return out


def negrisk_baskets(dataset: Dataset) -> tuple[Baskets, Baskets]:
    """For every complete neg-risk event, the all-YES buy basket and the YES sell basket.

    The sell basket costs 1 USDC per set: split one complete set in each of the N markets
    (N USDC), convert the N NO tokens into N - 1 USDC, and sell the N YES tokens.
    """
    rates = token_fee_rates(dataset)
    tokens = dataset.token_ids
    yes_col_of = {
        dataset.markets.index[dataset.token_market[c]]: int(c)
        for c in np.flatnonzero(dataset.is_yes)
    }
    names: list[str] = []
    legs = []
    for event_id, markets in complete_events(dataset).items():
        names.append(event_id)
        cols = [yes_col_of[m] for m in markets]
        legs.append([(c, str(tokens[c]), float(rates[c]), VENUE_POLYMARKET) for c in cols])
    events: list[str | None] = list(names)
    return (
        make_baskets(NEGRISK_BUY, BUY, names, events, legs),
        make_baskets(NEGRISK_SELL, SELL, names, events, legs),
    )
