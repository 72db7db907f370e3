"""Polymarket–Kalshi cross-venue arbitrage: YES on one venue + NO on the other for < 1.

Kalshi books are kept as a `BookPanel` with one column per ticker holding the YES side:
bids are Kalshi's YES bids and asks are derived from its NO bids (a NO bid at q is a YES
ask at 1 - q), the way Kalshi's order-book endpoint reports them. Buying Kalshi NO
therefore walks the YES bids at 1 - price. Every pair gives two buy baskets:
Polymarket YES + Kalshi NO, and Polymarket NO + Kalshi YES, each paying 1 per set.
Kalshi's fee (ceil to the cent) is charged per level filled, which never undercharges.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alpha_arena.arbitrage.baskets import CROSS_VENUE, Baskets, make_baskets, token_fee_rates
from alpha_arena.arbitrage.kernels import BUY, VENUE_KALSHI, VENUE_POLYMARKET
from alpha_arena.arbitrage.scan import check_min_edge, scan_arrays, snapshot_index
from alpha_arena.data import BookPanel, Dataset
from alpha_arena.errors import DataError, ValidationError
from alpha_arena.fees import KALSHI_TAKER_RATE
from alpha_arena.timeutil import TimeLike, to_ns

if TYPE_CHECKING:
    from alpha_arena.data.kalshi import KalshiBook

PAIR_COLUMNS = ("polymarket", "kalshi")
"""Columns of a pairs file: a Polymarket condition id or slug, and a Kalshi ticker."""

KALSHI_BOOK_COLUMNS = ("time", "ticker", "side", "price", "size")
"""Columns of a Kalshi books file: one row per bid level; side is `yes` or `no` (the bid
side, as Kalshi lists its book), price in dollars (0-1), size in contracts."""


class KalshiBooks:
    """Kalshi order books over time: tickers and a YES-side `BookPanel` (one column each)."""

    def __init__(self, tickers: list[str], panel: BookPanel) -> None:
        if panel.bid_px.shape[1] != len(tickers):
            raise ValidationError("kalshi tickers", f"{panel.bid_px.shape[1]} tickers", tickers)
        if len(set(tickers)) != len(tickers):
            raise ValidationError("kalshi tickers", "unique tickers", tickers)
        self.tickers = list(tickers)
        self.panel = panel

    def column(self, ticker: str) -> int:
        """The panel column of a ticker."""
        try:
            return self.tickers.index(ticker)
        except ValueError:
            raise ValidationError("kalshi", f"a ticker among {self.tickers}", ticker) from None


def kalshi_books_from_frame(frame: pd.DataFrame, levels: int | None = None) -> KalshiBooks:
    """Build `KalshiBooks` from a long table of bid levels (`KALSHI_BOOK_COLUMNS`).

    Each (time, ticker) group is a full snapshot of that ticker's book; a ticker's book
    holds until its next snapshot.
    """
    missing = [c for c in KALSHI_BOOK_COLUMNS if c not in frame.columns]
    if missing:
        raise ValidationError("kalshi books columns", f"{list(KALSHI_BOOK_COLUMNS)}", missing)
    if frame.empty:
        raise DataError("kalshi books: no rows")
    side = frame["side"].astype(str).str.lower()
    if not side.isin(["yes", "no"]).all():
        raise ValidationError("kalshi books.side", "yes or no", sorted(set(side) - {"yes", "no"}))
    price = pd.to_numeric(frame["price"], errors="coerce").to_numpy(dtype=np.float64)
    size = pd.to_numeric(frame["size"], errors="coerce").to_numpy(dtype=np.float64)
    if not (np.isfinite(price).all() and (price > 0).all() and (price < 1).all()):
        raise ValidationError("kalshi books.price", "dollars in (0, 1), not cents", price.max())
    if not (np.isfinite(size).all() and (size > 0).all()):
        raise ValidationError("kalshi books.size", "contracts > 0", size.min())
    times = np.array([to_ns(t, "kalshi books.time") for t in frame["time"]], dtype=np.int64)
    tickers = sorted(frame["ticker"].astype(str).unique())
    grid = np.unique(times)
    depth = levels or int(frame.groupby([times, frame["ticker"], side]).size().max())
    shape = (grid.size, len(tickers), depth)
    bid_px, ask_px = np.full(shape, np.nan), np.full(shape, np.nan)
    bid_sz, ask_sz = np.zeros(shape), np.zeros(shape)
    has = np.zeros(shape[:2], dtype=bool)
    table = pd.DataFrame(
        {"t": times, "ticker": frame["ticker"].astype(str), "side": side, "p": price, "s": size}
    )
    for (ticker, t), snap in table.groupby(["ticker", "t"], sort=True):
        j = tickers.index(ticker)
        g = int(np.searchsorted(grid, t))
        yes = snap[snap["side"] == "yes"].sort_values("p", ascending=False).head(depth)
        no = snap[snap["side"] == "no"].sort_values("p", ascending=False).head(depth)
        bid_px[g, j, : len(yes)] = yes["p"].to_numpy()
        bid_sz[g, j, : len(yes)] = yes["s"].to_numpy()
        ask_px[g, j, : len(no)] = _flip(no["p"].to_numpy())
        ask_sz[g, j, : len(no)] = no["s"].to_numpy()
        has[g, j] = True
    for g in range(1, grid.size):
        stale = ~has[g]
        for array in (bid_px, bid_sz, ask_px, ask_sz):
            array[g, stale] = array[g - 1, stale]
    return KalshiBooks(tickers, BookPanel(grid, bid_px, bid_sz, ask_px, ask_sz))


def kalshi_books_from_snapshots(snapshots: Iterable[KalshiBook]) -> KalshiBooks:
    """Build `KalshiBooks` from `alpha_arena.data.kalshi.KalshiBook` snapshots (the client's).

    Each snapshot's YES and NO bids become the rows of `kalshi_books_from_frame`.
    """
    rows = [
        (book.yes.timestamp, book.ticker, side, float(price), float(size))
        for book in snapshots
        for side, own in (("yes", book.yes), ("no", book.no))
        for price, size in zip(own.bid_prices, own.bid_sizes, strict=True)
    ]
    if not rows:
        raise DataError("kalshi books: no snapshots, or no bids in any of them")
    return kalshi_books_from_frame(pd.DataFrame(rows, columns=list(KALSHI_BOOK_COLUMNS)))


def _flip(prices: np.ndarray) -> np.ndarray:
    """The other side's price of a binary contract (1 - p), without float noise."""
    return np.round(1.0 - prices, 10)


def load_kalshi_books(path: str | Path) -> KalshiBooks:
    """Read a Kalshi books CSV (`KALSHI_BOOK_COLUMNS`)."""
    return kalshi_books_from_frame(_read_csv(path, "kalshi books"))


def load_pairs(path: str | Path) -> pd.DataFrame:
    """Read a Polymarket–Kalshi mapping CSV (`PAIR_COLUMNS`)."""
    return check_pairs(_read_csv(path, "pairs"))


def check_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """A validated pairs table: the two columns, as strings, no blanks."""
    missing = [c for c in PAIR_COLUMNS if c not in pairs.columns]
    if missing:
        raise ValidationError("pairs columns", f"{list(PAIR_COLUMNS)}", missing)
    out = pairs[list(PAIR_COLUMNS)].astype(str).apply(lambda c: c.str.strip())
    if (out == "").any().any() or pairs[list(PAIR_COLUMNS)].isna().any().any():
        raise ValidationError("pairs", "a Polymarket market and a Kalshi ticker on every row")
    return out.reset_index(drop=True)


def _read_csv(path: str | Path, what: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise DataError(f"{what} file {str(path)!r} does not exist") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{what} file {str(path)!r} is not a readable CSV: {exc}") from None


def _market_id(dataset: Dataset, name: str) -> str:
    if name in dataset.markets.index:
        return name
    hits = dataset.markets.index[dataset.markets["slug"] == name]
    if len(hits) != 1:
        raise ValidationError("pairs.polymarket", "a condition id or slug in the dataset", name)
    return str(hits[0])


def cross_venue_baskets(dataset: Dataset, kalshi: KalshiBooks, pairs: pd.DataFrame) -> Baskets:
    """The two buy baskets of every pair, with Kalshi rows after the dataset's token rows.

    Kalshi ticker j's YES ask row is `n_tokens + 2j`, its NO ask row `n_tokens + 2j + 1`.
    """
    pairs = check_pairs(pairs)
    rates = token_fee_rates(dataset)
    tokens = dataset.token_ids
    names, events, legs = [], [], []
    event_ids = dataset.markets["event_id"]
    for pm_name, ticker in zip(pairs["polymarket"], pairs["kalshi"], strict=True):
        cid = _market_id(dataset, pm_name)
        j = kalshi.column(ticker)
        yes = int(
            np.flatnonzero(
                (dataset.token_market == dataset.markets.index.get_loc(cid)) & dataset.is_yes
            )[0]
        )
        no = int(dataset.complement[yes])
        k_yes, k_no = dataset.n_tokens + 2 * j, dataset.n_tokens + 2 * j + 1
        event = event_ids[cid] if isinstance(event_ids[cid], str) else None
        for pm_col, k_row, k_side in ((yes, k_no, "no"), (no, k_yes, "yes")):
            names.append(f"{cid}|{ticker}")
            events.append(event)
            legs.append(
                [
                    (pm_col, str(tokens[pm_col]), float(rates[pm_col]), VENUE_POLYMARKET),
                    (k_row, f"{ticker}:{k_side}", KALSHI_TAKER_RATE, VENUE_KALSHI),
                ]
            )
    return make_baskets(CROSS_VENUE, BUY, names, events, legs)


def _pad(array: np.ndarray, levels: int, fill: float) -> np.ndarray:
    if array.shape[1] == levels:
        return array
    out = np.full((array.shape[0], levels), fill)
    out[:, : array.shape[1]] = array
    return out


def scan_cross_venue(
    dataset: Dataset,
    kalshi: KalshiBooks,
    pairs: pd.DataFrame,
    *,
    at: TimeLike | int | None = None,
    min_edge: float = 0.0,
) -> pd.DataFrame:
    """Cross-venue opportunities at the Polymarket snapshot in force at `at`.

    Kalshi's book is the latest one at or before that snapshot; with none yet, no pair can
    trade and the table is empty.
    """
    min_edge = check_min_edge(min_edge)
    baskets = cross_venue_baskets(dataset, kalshi, pairs)
    i = snapshot_index(dataset, at)
    ask_px, ask_sz = combined_asks(dataset, kalshi, i)
    books = dataset.books
    assert books is not None
    t_ns = int(books.times[i])
    return scan_arrays([baskets], ask_px, ask_sz, ask_px, ask_sz, time_ns=t_ns, min_edge=min_edge)


def combined_asks(dataset: Dataset, kalshi: KalshiBooks, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Asks of the dataset's tokens at book snapshot i, then each ticker's YES and NO asks.

    The Kalshi rows come from its latest snapshot at or before that time (empty if none),
    in the row layout `cross_venue_baskets` uses.
    """
    books = dataset.books
    if books is None:
        raise DataError("this dataset has no order books; load it with books=True")
    j = kalshi.panel.index_at(int(books.times[i]))
    levels = max(books.n_levels, kalshi.panel.n_levels)
    n_k = len(kalshi.tickers)
    k_px = np.full((2 * n_k, kalshi.panel.n_levels), np.nan)
    k_sz = np.zeros((2 * n_k, kalshi.panel.n_levels))
    if j >= 0:
        k_px[0::2], k_sz[0::2] = kalshi.panel.ask_px[j], kalshi.panel.ask_sz[j]
        k_px[1::2] = _flip(kalshi.panel.bid_px[j])
        k_sz[1::2] = kalshi.panel.bid_sz[j]
    ask_px = np.vstack([_pad(books.ask_px[i], levels, np.nan), _pad(k_px, levels, np.nan)])
    ask_sz = np.vstack([_pad(books.ask_sz[i], levels, 0.0), _pad(k_sz, levels, 0.0)])
    return ask_px, ask_sz
