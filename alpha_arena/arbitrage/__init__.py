"""Fee- and depth-aware arbitrage scans: complement, neg-risk basket and cross-venue.

`scan(dataset)` lists the opportunities of one book snapshot, best first; `history(dataset)`
scans every snapshot and groups them into episodes. The numba kernels live in
`alpha_arena.arbitrage.kernels` for callers that hold raw book arrays.
"""

from alpha_arena.arbitrage.baskets import (
    COMPLEMENT_BUY,
    COMPLEMENT_SELL,
    CROSS_VENUE,
    KINDS,
    NEGRISK_BUY,
    NEGRISK_SELL,
    Baskets,
    complement_baskets,
    complete_events,
    negrisk_baskets,
)
from alpha_arena.arbitrage.cross_venue import (
    KalshiBooks,
    cross_venue_baskets,
    kalshi_books_from_frame,
    kalshi_books_from_snapshots,
    load_kalshi_books,
    load_pairs,
    scan_cross_venue,
)
from alpha_arena.arbitrage.history import ArbitrageHistory, history
from alpha_arena.arbitrage.scan import OPPORTUNITY_COLUMNS, scan, scan_arrays

__all__ = [
    "COMPLEMENT_BUY",
    "COMPLEMENT_SELL",
    "CROSS_VENUE",
    "KINDS",
    "NEGRISK_BUY",
    "NEGRISK_SELL",
    "OPPORTUNITY_COLUMNS",
    "ArbitrageHistory",
    "Baskets",
    "KalshiBooks",
    "complement_baskets",
    "complete_events",
    "cross_venue_baskets",
    "history",
    "kalshi_books_from_frame",
    "kalshi_books_from_snapshots",
    "load_kalshi_books",
    "load_pairs",
    "negrisk_baskets",
    "scan",
    "scan_arrays",
    "scan_cross_venue",
]
