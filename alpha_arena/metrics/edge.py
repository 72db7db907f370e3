"""The realizable-vs-paper edge gap: what fills really cost against the price at decision time.

A paper backtest trades at the observed price; a real one walks the book, waits for latency
and pays fees. For every fill, the paper price is the dataset's price of the token at the
moment its order was decided; the gap is what the fill paid above (buys) or received below
(sells) that price, plus the fee.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from alpha_arena.timeutil import to_ns
from alpha_arena.types import Fill, Order, Side

if TYPE_CHECKING:
    from alpha_arena.data import Dataset


def edge_gap(fills: Iterable[Fill], orders: Iterable[Order], dataset: Dataset) -> dict[str, Any]:
    """Slippage and fees of the fills against the decision-time price, in USDC and per share.

    Positive numbers cost the strategy. Fills of orders without a decision time or a price
    at that time are counted in `unpriced_fills` and left out of the sums.
    """
    decided = {o.client_id: o.created_at for o in orders if o.created_at is not None}
    slippage = fees = shares = notional = 0.0
    priced = unpriced = 0
    for fill in fills:
        created = decided.get(fill.order_id)
        if created is None:
            unpriced += 1
            continue
        row = int(np.searchsorted(dataset.times, to_ns(created), side="right")) - 1
        paper = dataset.prices[row, dataset.column(fill.token_id)] if row >= 0 else np.nan
        if np.isnan(paper):
            unpriced += 1
            continue
        sign = 1.0 if fill.side is Side.BUY else -1.0
        slippage += sign * (fill.price - paper) * fill.size
        fees += fill.fee
        shares += fill.size
        notional += paper * fill.size
        priced += 1
    gap = slippage + fees
    return {
        "priced_fills": priced,
        "unpriced_fills": unpriced,
        "paper_notional": notional,
        "slippage_usdc": slippage,
        "fees_usdc": fees,
        "gap_usdc": gap,
        "gap_per_share": gap / shares if shares else float("nan"),
        "gap_bps": 1e4 * gap / notional if notional else float("nan"),
    }
