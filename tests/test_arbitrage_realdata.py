"""Arbitrage scans on real Polymarket L2 books (MLB money-line markets, WebSocket snapshots).

Polymarket keeps a binary market's two books as mirrors (a YES bid at p is a NO ask at
1 - p), so at any moment both tokens' full-depth `book` snapshots share, YES ask + NO ask
is 1 + spread: a correct scan reports no complement arbitrage there. A perturbed copy (one
leg's asks cheapened, as a stale quote would be) checks the kernel against the brute force
on real depth profiles. Skipped when the shared data is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alpha_arena.arbitrage.baskets import COMPLEMENT_BUY, COMPLEMENT_SELL, make_baskets
from alpha_arena.arbitrage.kernels import BUY, SELL, VENUE_POLYMARKET, scan_baskets
from alpha_arena.arbitrage.scan import scan_arrays
from alpha_arena.fees import fee_rate_for
from tests.test_arbitrage_kernels import brute_force

DATA = Path(__file__).resolve().parents[2] / "shared/data/mlb-books-2025/data"
FILES = (
    "20250619_mlb-col-wsh-2025-06-19_polymarket-market-events.csv",  # side = bid/ask
    "20250701_mlb-hou-col-2025-07-01_polymarket-market-events.csv",  # side = BUY/SELL
)

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not (DATA / FILES[0]).exists(), reason="shared MLB book data not present"),
]

LEVELS = 40
SIDE = {"bid": "bid", "ask": "ask", "BUY": "bid", "SELL": "ask"}


def synchronized_books(name: str) -> list[tuple[int, np.ndarray, ...]]:
    """(ms, bid_px, bid_sz, ask_px, ask_sz) at every timestamp with both tokens' snapshots."""
    raw = pd.read_csv(DATA / name, on_bad_lines="skip", dtype={"asset_id": str})
    books = raw[raw["event_type"] == "book"].assign(side=lambda f: f["side"].map(SIDE))
    assets = sorted(books["asset_id"].unique())
    assert len(assets) == 2
    both = books.groupby("timestamp")["asset_id"].nunique()
    out = []
    for ms, snap in books[books["timestamp"].isin(both.index[both == 2])].groupby("timestamp"):
        arrays = [
            np.full((2, LEVELS), np.nan) if k % 2 == 0 else np.zeros((2, LEVELS)) for k in range(4)
        ]
        for row, asset in enumerate(assets):
            own = snap[snap["asset_id"] == asset]
            for j, side in enumerate(("bid", "ask")):
                levels = own[own["side"] == side].sort_values("price", ascending=side == "ask")
                levels = levels.drop_duplicates("price", keep="last").head(LEVELS)
                arrays[2 * j][row, : len(levels)] = levels["price"].to_numpy()
                arrays[2 * j + 1][row, : len(levels)] = levels["size"].to_numpy()
        out.append((int(ms), *arrays))
    return out


@pytest.fixture(scope="module", params=FILES)
def snapshots(request) -> list[tuple[int, np.ndarray, ...]]:
    found = synchronized_books(request.param)
    assert len(found) >= 50
    return found


def _baskets():
    rate = fee_rate_for("sports")
    legs = [[(0, "a", rate, VENUE_POLYMARKET), (1, "b", rate, VENUE_POLYMARKET)]]
    return [
        make_baskets(COMPLEMENT_BUY, BUY, ["game"], [None], legs),
        make_baskets(COMPLEMENT_SELL, SELL, ["game"], [None], legs),
    ]


def test_mirrored_real_books_show_no_complement_arbitrage(snapshots):
    baskets = _baskets()
    for ms, bid_px, bid_sz, ask_px, ask_sz in snapshots:
        if not np.isnan(ask_px[:, 0]).any():
            assert ask_px[0, 0] + ask_px[1, 0] >= 1.0 - 1e-9
        table = scan_arrays(baskets, bid_px, bid_sz, ask_px, ask_sz, time_ns=ms * 1_000_000)
        assert table.empty


def test_kernel_matches_brute_force_on_perturbed_real_books(snapshots):
    rates = np.full(2, fee_rate_for("sports"))
    venues = np.zeros(2, dtype=np.int64)
    rows = np.arange(2, dtype=np.int64)
    starts = np.array([0, 2], dtype=np.int64)
    found = 0
    for _, bid_px, bid_sz, ask_px, ask_sz in snapshots[::5]:
        cheap = np.round(ask_px - np.array([[0.0], [0.04]]), 3)
        rich = np.round(bid_px + np.array([[0.04], [0.0]]), 3)
        for px, sz, side in ((cheap, ask_sz, BUY), (rich, bid_sz, SELL)):
            sets, profit = scan_baskets(px, sz, rows, rates, venues, starts, side, 0.0)[:2]
            want_sets, want_profit, _ = brute_force(px, sz, rows, rates, venues, side, 0.0)
            assert sets[0] == pytest.approx(want_sets, rel=1e-9, abs=1e-7)
            assert profit[0] == pytest.approx(want_profit, rel=1e-9, abs=1e-7)
            found += sets[0] > 0
    assert found > 0
