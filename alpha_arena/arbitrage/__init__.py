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
from alpha_arena.arbitrage.scan import OPPORTUNITY_COLUMNS, scan, scan_arrays

__all__ = [
    "COMPLEMENT_BUY",
    "COMPLEMENT_SELL",
    "CROSS_VENUE",
    "KINDS",
    "NEGRISK_BUY",
    "NEGRISK_SELL",
    "OPPORTUNITY_COLUMNS",
    "Baskets",
    "complement_baskets",
    "complete_events",
    "negrisk_baskets",
    "scan",
    "scan_arrays",
]
