"""SimBroker on real Polymarket L2 books (an MLB market's WebSocket `book` snapshots).

The fills of marketable orders must be exactly a walk of the raw snapshot current at the
order's time, computed here straight from the CSV rows; skipped when the data is absent.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alpha_arena.data import BookPanel, Dataset, markets_frame, tokens_frame
from alpha_arena.fees import polymarket_fee
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.timeutil import NS_PER_MINUTE, from_ns
from alpha_arena.types import Market, Order, OrderStatus, Side, Token

EVENTS = (
    Path(__file__).resolve().parents[2]
    / "shared/data/mlb-books-2025/data/20250619_mlb-kc-tex-2025-06-19_polymarket-market-events.csv"
)

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not EVENTS.exists(), reason="shared MLB book data not present"),
]

MS = 1_000_000


@pytest.fixture(scope="module")
def snapshots() -> pd.DataFrame:
    """The `book` rows (full-depth snapshots) of the file, one row per level."""
    raw = pd.read_csv(EVENTS, on_bad_lines="skip", dtype={"asset_id": str})
    books = raw[raw["event_type"] == "book"].copy()
    books["t_ns"] = books["timestamp"].astype(np.int64) * MS
    return books


@pytest.fixture(scope="module")
def dataset(snapshots) -> Dataset:
    """One market (tokens in sorted id order), its snapshots as a BookPanel, mids as prices."""
    tokens = sorted(snapshots["asset_id"].unique())
    times = np.sort(snapshots["t_ns"].unique())
    levels = int(snapshots.groupby(["asset_id", "t_ns", "side"]).size().max())
    shape = (times.size, 2, levels)
    bid_px, ask_px = np.full(shape, np.nan), np.full(shape, np.nan)
    bid_sz, ask_sz = np.zeros(shape), np.zeros(shape)
    for c, token in enumerate(tokens):
        own = snapshots[snapshots["asset_id"] == token]
        for t_ns, book in own.groupby("t_ns"):
            rows = times >= t_ns
            asks = book[book["side"] == "ask"].sort_values("price")
            bids = book[book["side"] == "bid"].sort_values("price", ascending=False)
            ask_px[rows, c, : len(asks)] = asks["price"].to_numpy()
            ask_sz[rows, c, : len(asks)] = asks["size"].to_numpy()
            ask_px[rows, c, len(asks) :], ask_sz[rows, c, len(asks) :] = np.nan, 0.0
            bid_px[rows, c, : len(bids)] = bids["price"].to_numpy()
            bid_sz[rows, c, : len(bids)] = bids["size"].to_numpy()
            bid_px[rows, c, len(bids) :], bid_sz[rows, c, len(bids) :] = np.nan, 0.0
    panel = BookPanel(times, bid_px, bid_sz, ask_px, ask_sz)
    grid = np.arange(times[0], times[-1] + NS_PER_MINUTE, NS_PER_MINUTE, dtype=np.int64)
    rows = np.searchsorted(times, grid, side="right") - 1
    mids = (bid_px[rows, :, 0] + ask_px[rows, :, 0]) / 2
    market = Market(
        "kc-tex",
        "Royals vs. Rangers",
        (Token(tokens[0], "Yes", "kc-tex"), Token(tokens[1], "No", "kc-tex")),
        category="sports",
        start_time=from_ns(int(grid[0])),
        end_time=from_ns(int(grid[-1])) + timedelta(hours=1),
    )
    return Dataset(
        markets=markets_frame([market]),
        tokens=tokens_frame([market]),
        times=grid,
        prices=np.round(mids, 4),
        books=panel,
        source="mlb-books-2025",
    )


def raw_walk(snapshots: pd.DataFrame, token: str, t_ns: int, side: str, shares: float):
    """(price, size) levels a marketable order takes from the raw snapshot current at t."""
    own = snapshots[(snapshots["asset_id"] == token) & (snapshots["t_ns"] <= t_ns)]
    book = own[own["t_ns"] == own["t_ns"].max()]
    levels = book[book["side"] == ("ask" if side == "BUY" else "bid")]
    levels = levels.sort_values("price", ascending=side == "BUY")
    out, left = [], shares
    for price, size in zip(levels["price"], levels["size"], strict=True):
        take = min(size, left)
        if take <= 0:
            break
        out.append((float(price), float(take)))
        left -= take
    return out


def test_marketable_orders_walk_the_real_book_exactly(dataset, snapshots):
    broker = SimBroker(dataset, cash=100_000.0, config=SimConfig())
    token = str(dataset.token_ids[0])
    times = np.sort(snapshots.loc[snapshots["asset_id"] == token, "t_ns"].unique())
    assert times.size >= 3
    for t_ns in times:
        t = int(t_ns)
        before = len(broker.fills)
        order = broker.submit(Order(token, Side.BUY, size=2_500.0, order_type="FAK"), t)
        assert order.status in (OrderStatus.FILLED, OrderStatus.CANCELLED)
        fills = broker.fills[before:]
        assert [(f.price, f.size) for f in fills] == raw_walk(snapshots, token, t, "BUY", 2_500.0)
        for f in fills:
            fee = polymarket_fee(f.size, f.price, "BUY", category="sports")
            assert f.fee_shares == pytest.approx(fee.shares)
        held = float(broker.portfolio.available_shares(0))
        before = len(broker.fills)
        broker.submit(Order(token, Side.SELL, size=held / 2, order_type="FAK"), t)
        sold = [(f.price, f.size) for f in broker.fills[before:]]
        assert sold == raw_walk(snapshots, token, t, "SELL", held / 2)
        broker.advance(t)
    assert set(broker.fill_models) == {"book"}
    assert len(broker.fills) > 2 * times.size
    assert broker.portfolio.cash >= 0.0
    assert broker.portfolio.fees_paid() > 0.0
