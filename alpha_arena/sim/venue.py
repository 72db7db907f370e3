"""`VenueState`: what the simulated venue offers at a time, read from a Dataset.

For a marketable order: the book snapshot side current at `t` (less what this broker has
already taken from it), or without a usable book the bar quote (price ± half the spread,
on the tick, `bar_depth` deep). For resting orders: the reference prices that cross them
on each later book row or bar row, and each token's trades. Which source a token's
resting orders use is fixed per token: trades if it has any, else books, else bars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from alpha_arena.data import Dataset
from alpha_arena.sim import snapshot as snap
from alpha_arena.sim.config import SimConfig
from alpha_arena.sim.kernels import bar_quote

BOOK = "book"
BAR = "bar"
TRADES = "trades"
MODEL_BAR, MODEL_BOOK, MODEL_TRADES = 0, 1, 2
_EPS = 1e-9


@dataclass(slots=True)
class Quote:
    """One side of the liquidity an arriving order meets: levels best-first, and the source."""

    model: str
    key: tuple
    px: np.ndarray
    sz: np.ndarray


class VenueState:
    """Books, bar quotes and trades of a Dataset as the simulated venue's liquidity."""

    def __init__(self, dataset: Dataset, config: SimConfig) -> None:
        self.dataset = dataset
        self.config = config
        self._half_default = config.default_spread / 2.0
        self.taken: dict[tuple, np.ndarray] = {}
        """Shares already taken per (model, row, token, side) snapshot or bar."""
        self.trades = self._index_trades()
        self.book_tokens = self._tokens_with_books()
        by_trades = np.zeros(dataset.n_tokens, dtype=bool)
        by_trades[list(self.trades)] = True
        self.model_of = np.where(
            by_trades, MODEL_TRADES, np.where(self.book_tokens, MODEL_BOOK, MODEL_BAR)
        )
        """Per token, what fills its resting orders: MODEL_TRADES, MODEL_BOOK or MODEL_BAR."""
        self._bar_sizes = np.full((2, dataset.n_tokens), config.bar_depth)

    # ----- indexing -----------------------------------------------------------------------------

    def _tokens_with_books(self) -> np.ndarray:
        books = self.dataset.books
        if books is None:
            return np.zeros(self.dataset.n_tokens, dtype=bool)
        return ((books.bid_sz > 0).any(axis=(0, 2))) | ((books.ask_sz > 0).any(axis=(0, 2)))

    def _index_trades(self) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        trades = self.dataset.trades
        out: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        if trades is None or trades.height == 0:
            return out
        for (token,), part in trades.sort("ts").group_by("token_id", maintain_order=True):
            try:
                col = self.dataset.column(token)
            except KeyError:
                continue
            out[col] = (
                part["ts"].to_numpy().astype(np.int64),
                part["price"].to_numpy().astype(np.float64),
                part["size"].to_numpy().astype(np.float64),
            )
        return out

    def book_row(self, t: int) -> int:
        """The usable book snapshot at `t` (latest, not older than `book_max_age_ms`), or -1."""
        books = self.dataset.books
        if books is None:
            return -1
        row = books.index_at(t)
        max_age = self.config.book_max_age_ms
        if row >= 0 and max_age is not None and t - books.times[row] > max_age * 1_000_000:
            return -1
        return row

    def grid_row(self, t: int) -> int:
        """The price-grid row at or before `t` (-1 before the first)."""
        return int(np.searchsorted(self.dataset.times, t, side="right")) - 1

    def half_spread(self, col: int, t: int) -> float:
        """Half the token's last observed spread (latest snapshot of any age), else the default."""
        books = self.dataset.books
        if books is not None and self.book_tokens[col]:
            row = books.index_at(t)
            if row >= 0 and books.ask_sz[row, col, 0] > 0 and books.bid_sz[row, col, 0] > 0:
                return float(books.ask_px[row, col, 0] - books.bid_px[row, col, 0]) / 2.0
        return self._half_default

    # ----- marketable orders ----------------------------------------------------------------------

    def quote(self, col: int, is_buy: bool, t: int) -> Quote | None:
        """The liquidity a marketable order meets at `t`, less what was already taken.

        None when there is neither a usable book nor a bar price.
        """
        books = self.dataset.books
        row = self.book_row(t) if self.book_tokens[col] else -1
        if row >= 0 and ((books.bid_sz[row, col] > 0).any() or (books.ask_sz[row, col] > 0).any()):
            px_all = books.ask_px if is_buy else books.bid_px
            sz_all = books.ask_sz if is_buy else books.bid_sz
            key = (BOOK, row, col, is_buy)
            return self._net(Quote(BOOK, key, px_all[row, col], sz_all[row, col]))
        k = self.grid_row(t)
        price = self.dataset.prices[k, col] if k >= 0 else math.nan
        if math.isnan(price):
            return None
        bid, ask = bar_quote(price, self.half_spread(col, t), float(self.dataset.tick[col]))
        px = np.array([ask if is_buy else bid])
        key = (BAR, k, col, is_buy)
        return self._net(Quote(BAR, key, px, np.array([self.config.bar_depth])))

    def reference_price(self, col: int, is_buy: bool, t: int) -> float:
        """The first price a marketable order would meet at `t` (NaN if none)."""
        quote = self.quote(col, is_buy, t)
        if quote is None or not quote.px.size:
            return math.nan
        return float(quote.px[0])

    def _net(self, quote: Quote) -> Quote:
        taken = self.taken.get(quote.key)
        if taken is not None:
            quote.sz = np.maximum(quote.sz - taken, 0.0)
        return quote

    def consume(self, quote: Quote, take: np.ndarray) -> None:
        """Remove what an order took from this snapshot (or bar) for later orders on it."""
        key = quote.key
        stale = [k for k in self.taken if k[0] == key[0] and k[1] != key[1]]
        for k in stale:
            del self.taken[k]
        if key in self.taken:
            self.taken[key] = self.taken[key] + take
        else:
            self.taken[key] = take.copy()

    def taken_json(self) -> list[dict[str, Any]]:
        """What was taken from the current snapshots and bars, keyed by time, token id and
        (for books) the price of each level taken from: rows and level positions belong to
        one dataset, while times and prices carry over to a grown or newer one."""
        data = self.dataset
        out = []
        for (model, row, col, is_buy), shares in self.taken.items():
            item = {
                "model": model,
                "t_ns": int((data.books.times if model == BOOK else data.times)[row]),
                "token_id": str(data.token_ids[col]),
                "is_buy": bool(is_buy),
                "shares": shares.tolist(),
            }
            if model == BOOK:
                used = shares > 0
                levels = (data.books.ask_px if is_buy else data.books.bid_px)[row, col]
                item["shares"] = shares[used].tolist()
                item["prices"] = levels[used].tolist()
            out.append(item)
        return out

    def restore_taken(self, items: list[dict[str, Any]]) -> None:
        """Take again what `taken_json` lists, where this dataset has that row, token and
        (for books) level price; what it lacks is new liquidity, not taken from."""
        data = self.dataset
        for i, item in enumerate(items):
            where = f"taken[{i}]"
            model = snap.get(item, "model", "str", where)
            if model not in (BOOK, BAR):
                raise snap.SnapshotError(f"{where}.model", f"{BOOK!r} or {BAR!r}", model)
            t = snap.get(item, "t_ns", "int", where)
            col = snap.column(data, snap.get(item, "token_id", "str", where))
            is_buy = snap.get(item, "is_buy", "bool", where)
            shares = _numbers(item, "shares", where)
            prices = _numbers(item, "prices", where) if model == BOOK else [math.nan]
            if len(prices) != len(shares):
                raise snap.SnapshotError(f"{where}.prices", f"{len(shares)} prices", prices)
            if model == BOOK and data.books is None:
                continue
            times = data.books.times if model == BOOK else data.times
            row = int(np.searchsorted(times, t))
            if col < 0 or row >= times.size or times[row] != t:
                continue
            if model == BAR:
                self.taken[(BAR, row, col, is_buy)] = np.array(shares[:1], dtype=np.float64)
                continue
            levels = (data.books.ask_px if is_buy else data.books.bid_px)[row, col]
            taken = np.zeros(levels.size)
            for px, size in zip(prices, shares, strict=True):
                at = np.flatnonzero(np.abs(levels - px) < _EPS)
                if size > 0 and at.size:
                    taken[at[0]] += size
            self.taken[(BOOK, row, col, is_buy)] = taken

    def queue_at(self, col: int, is_buy: bool, limit: float, t: int) -> float:
        """Shares queued at `limit` on the order's own side of the book at `t`."""
        books = self.dataset.books
        row = self.book_row(t)
        if books is None or row < 0:
            return 0.0
        px = books.bid_px if is_buy else books.ask_px
        sz = books.bid_sz if is_buy else books.ask_sz
        at = np.abs(px[row, col] - limit) < _EPS
        return float(sz[row, col][at].sum())

    # ----- references that cross resting orders -------------------------------------------------

    def bar_reference(self, row: int) -> tuple[int, np.ndarray, np.ndarray]:
        """(time, (2, N) prices, (2, N) sizes) of grid row `row` for bar-model tokens."""
        price = np.where(self.model_of == MODEL_BAR, self.dataset.prices[row], np.nan)
        return int(self.dataset.times[row]), np.vstack([price, price]), self._bar_sizes

    def book_reference(self, row: int) -> tuple[int, np.ndarray, np.ndarray]:
        """(time, best asks/bids, their sizes) of book row `row` for book-model tokens."""
        books = self.dataset.books
        mask = self.model_of == MODEL_BOOK
        ask_ok = (books.ask_sz[row, :, 0] > 0) & mask
        bid_ok = (books.bid_sz[row, :, 0] > 0) & mask
        ref_px = np.vstack(
            [
                np.where(ask_ok, books.ask_px[row, :, 0], np.nan),
                np.where(bid_ok, books.bid_px[row, :, 0], np.nan),
            ]
        )
        ref_sz = np.vstack([books.ask_sz[row, :, 0], books.bid_sz[row, :, 0]])
        return int(books.times[row]), ref_px, ref_sz


def _numbers(item: dict[str, Any], name: str, where: str) -> list[float]:
    values = snap.get(item, name, "list", where)
    return [snap.check(v, "num", f"{where}.{name}[{j}]") for j, v in enumerate(values)]
