"""The research-ready data set: markets, tokens, a regular price panel, optional books and trades.

Everything downstream (kernels, the simulator, the engine, reports) reads a `Dataset`.
Arrays are C-contiguous float64 / int64 so numba kernels take them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import NS_PER_DAY, TimeLike, from_ns, ns_index, to_ns
from alpha_arena.types import Market, Resolution, ResolutionState, Token

MARKET_COLUMNS: dict[str, str] = {
    "question": "object",
    "slug": "object",
    "category": "object",
    "event_id": "object",
    "neg_risk": "bool",
    "tick_size": "float64",
    "min_order_size": "float64",
    "start_time": "datetime64[ns, UTC]",
    "end_time": "datetime64[ns, UTC]",
    "fee_rate": "float64",
    "resolution_state": "object",
    "winning_outcome": "object",
    "resolved_at": "datetime64[ns, UTC]",
    "description": "object",
}
"""Columns of `Dataset.markets` (index: `condition_id`). NaN fee_rate = category default."""

TOKEN_COLUMNS: dict[str, str] = {"market_id": "object", "outcome": "object", "is_yes": "bool"}
"""Columns of `Dataset.tokens` (index: `token_id`); row order is the panel's column order."""

TRADE_COLUMNS: dict[str, pl.DataType] = {
    "ts": pl.Int64,
    "token_id": pl.Utf8,
    "price": pl.Float64,
    "size": pl.Float64,
    "side": pl.Utf8,
}
"""Columns of `Dataset.trades` (polars): ns timestamp, token, price, shares, taker side."""

NEVER = np.iinfo(np.int64).max
"""The ns timestamp used for 'no such time' (an unresolved market's resolution time)."""


def _require_columns(frame: pd.DataFrame, columns: dict[str, str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(f"{name} columns", f"columns {list(columns)}", f"missing {missing}")


@dataclass(frozen=True, eq=False)
class BookPanel:
    """Order-book snapshots on their own time grid, as (time, token, level) arrays.

    Levels are best-first; an absent level has price NaN and size 0. A snapshot holds
    until the next one: `index_at(t)` finds the latest snapshot at or before t.
    """

    times: np.ndarray
    bid_px: np.ndarray
    bid_sz: np.ndarray
    ask_px: np.ndarray
    ask_sz: np.ndarray

    def __post_init__(self) -> None:
        times = np.ascontiguousarray(self.times, dtype=np.int64)
        if times.ndim != 1:
            raise ValidationError("books.times", "a 1-D int64 ns array", f"{times.ndim}-D")
        if times.size > 1 and np.any(np.diff(times) <= 0):
            raise ValidationError("books.times", "strictly increasing timestamps")
        object.__setattr__(self, "times", times)
        shape = None
        for name in ("bid_px", "bid_sz", "ask_px", "ask_sz"):
            array = np.ascontiguousarray(getattr(self, name), dtype=np.float64)
            if array.ndim != 3 or array.shape[0] != times.size:
                raise ValidationError(
                    f"books.{name}", f"a ({times.size}, tokens, levels) array", array.shape
                )
            if shape is not None and array.shape != shape:
                raise ValidationError(f"books.{name}", f"shape {shape}", array.shape)
            shape = array.shape
            object.__setattr__(self, name, array)

    @property
    def n_levels(self) -> int:
        """Depth kept per side."""
        return int(self.bid_px.shape[2])

    def index_at(self, t_ns: int) -> int:
        """Index of the latest snapshot at or before t_ns, or -1 if there is none yet."""
        return int(np.searchsorted(self.times, t_ns, side="right")) - 1

    def take(self, rows: np.ndarray | slice, cols: np.ndarray | slice) -> BookPanel:
        """A sub-panel of some snapshot rows and token columns."""
        return BookPanel(
            self.times[rows],
            self.bid_px[rows][:, cols],
            self.bid_sz[rows][:, cols],
            self.ask_px[rows][:, cols],
            self.ask_sz[rows][:, cols],
        )


@dataclass(frozen=True, eq=False)
class Dataset:
    """Markets, their tokens and aligned histories, ready for kernels and notebooks.

    - `markets`: one row per market (index `condition_id`, columns `MARKET_COLUMNS`).
    - `tokens`: one row per token (index `token_id`, columns `TOKEN_COLUMNS`), in panel order.
    - `times`: the regular grid (int64 ns, UTC); `prices`: (time, token) float64, forward
      filled only within a market's life and NaN outside it.
    - `books`: optional `BookPanel` over the same tokens; `trades`: optional polars frame.
    """

    markets: pd.DataFrame
    tokens: pd.DataFrame
    times: np.ndarray
    prices: np.ndarray
    books: BookPanel | None = None
    trades: pl.DataFrame | None = None
    source: str = ""
    synthetic: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require_columns(self.markets, MARKET_COLUMNS, "markets")
        _require_columns(self.tokens, TOKEN_COLUMNS, "tokens")
        if not self.markets.index.is_unique:
            raise ValidationError("markets.index", "unique condition ids")
        if not self.tokens.index.is_unique:
            raise ValidationError("tokens.index", "unique token ids")
        unknown = ~self.tokens["market_id"].isin(self.markets.index)
        if unknown.any():
            raise ValidationError(
                "tokens.market_id", "ids present in markets", list(self.tokens.index[unknown][:3])
            )
        counts = self.tokens.groupby("market_id")["is_yes"].agg(["size", "sum"])
        bad = counts[(counts["size"] != 2) | (counts["sum"] != 1)]
        if len(bad):
            raise ValidationError(
                "tokens", "exactly one YES and one NO token per market", list(bad.index[:3])
            )
        times = np.ascontiguousarray(self.times, dtype=np.int64)
        if times.ndim != 1:
            raise ValidationError("times", "a 1-D int64 ns array", f"{times.ndim}-D")
        if times.size > 1 and np.any(np.diff(times) <= 0):
            raise ValidationError("times", "strictly increasing timestamps")
        object.__setattr__(self, "times", times)
        prices = np.ascontiguousarray(self.prices, dtype=np.float64)
        if prices.shape != (times.size, len(self.tokens)):
            raise ValidationError(
                "prices", f"shape (times, tokens) = {(times.size, len(self.tokens))}", prices.shape
            )
        finite = prices[~np.isnan(prices)]
        if finite.size and (finite.min() < 0.0 or finite.max() > 1.0):
            raise ValidationError(
                "prices", "probabilities in [0, 1] or NaN", (finite.min(), finite.max())
            )
        object.__setattr__(self, "prices", prices)
        if self.books is not None and self.books.bid_px.shape[1] != len(self.tokens):
            raise ValidationError(
                "books", f"{len(self.tokens)} token columns", self.books.bid_px.shape[1]
            )
        if self.trades is not None:
            missing = [c for c in TRADE_COLUMNS if c not in self.trades.columns]
            if missing:
                raise ValidationError(
                    "trades columns", f"columns {list(TRADE_COLUMNS)}", f"missing {missing}"
                )

    # ----- sizes and lookups -------------------------------------------------------------

    @property
    def n_markets(self) -> int:
        """Number of markets."""
        return len(self.markets)

    @property
    def n_tokens(self) -> int:
        """Number of tokens (panel columns)."""
        return len(self.tokens)

    @property
    def n_times(self) -> int:
        """Number of grid rows."""
        return int(self.times.size)

    @property
    def step_ns(self) -> int:
        """The grid step in nanoseconds (0 for a single-row grid)."""
        return int(self.times[1] - self.times[0]) if self.times.size > 1 else 0

    @cached_property
    def token_ids(self) -> np.ndarray:
        """Token ids in panel column order."""
        return self.tokens.index.to_numpy(dtype=object)

    @cached_property
    def _column_of(self) -> dict[str, int]:
        return {token: i for i, token in enumerate(self.tokens.index)}

    def column(self, token_id: str) -> int:
        """The panel column of a token id."""
        try:
            return self._column_of[token_id]
        except KeyError:
            raise KeyError(f"token {token_id!r} is not in this dataset") from None

    # ----- per-token arrays for kernels ----------------------------------------------------

    @cached_property
    def token_market(self) -> np.ndarray:
        """For each token, the row of its market in `markets` (int64)."""
        return self.markets.index.get_indexer(self.tokens["market_id"]).astype(np.int64)

    @cached_property
    def is_yes(self) -> np.ndarray:
        """For each token, whether it is its market's YES token."""
        return self.tokens["is_yes"].to_numpy(dtype=bool)

    @cached_property
    def complement(self) -> np.ndarray:
        """For each token, the panel column of the other token of its market."""
        out = np.empty(self.n_tokens, dtype=np.int64)
        for rows in self.tokens.reset_index().groupby("market_id").indices.values():
            out[rows[0]], out[rows[1]] = rows[1], rows[0]
        return out

    def _per_token(self, column: str) -> np.ndarray:
        return np.ascontiguousarray(self.markets[column].to_numpy()[self.token_market])

    @cached_property
    def tick(self) -> np.ndarray:
        """Tick size of each token's market."""
        return self._per_token("tick_size").astype(np.float64)

    @cached_property
    def min_size(self) -> np.ndarray:
        """Minimum order size (shares) of each token's market."""
        return self._per_token("min_order_size").astype(np.float64)

    def _ns(self, column: str, missing: int) -> np.ndarray:
        values = self.markets[column]
        ns = values.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        ns[values.isna().to_numpy()] = missing
        return np.ascontiguousarray(ns[self.token_market])

    @cached_property
    def start_ns(self) -> np.ndarray:
        """Each token's market start (ns); the first grid time if unknown."""
        first = int(self.times[0]) if self.times.size else 0
        return self._ns("start_time", first)

    @cached_property
    def end_ns(self) -> np.ndarray:
        """Each token's market end: trading stops here (ns); NEVER if unknown."""
        return self._ns("end_time", NEVER)

    @cached_property
    def resolve_ns(self) -> np.ndarray:
        """Each token's resolution time (ns); NEVER while unresolved."""
        return self._ns("resolved_at", NEVER)

    @cached_property
    def payout(self) -> np.ndarray:
        """Each token's payout per share: 1 or 0 when resolved, 0.5 if void, NaN if open."""
        state = self._per_token("resolution_state")
        winner = self._per_token("winning_outcome")
        outcome = self.tokens["outcome"].to_numpy(dtype=object)
        out = np.full(self.n_tokens, np.nan)
        resolved = state == ResolutionState.RESOLVED.value
        out[resolved] = (outcome[resolved] == winner[resolved]).astype(np.float64)
        out[state == ResolutionState.VOID.value] = 0.5
        return out

    # ----- typed views ----------------------------------------------------------------------

    def market(self, condition_id: str) -> Market:
        """The `Market` of a condition id, with its two tokens (YES first)."""
        if condition_id not in self.markets.index:
            raise KeyError(f"market {condition_id!r} is not in this dataset")
        row = self.markets.loc[condition_id]
        toks = self.tokens[self.tokens["market_id"] == condition_id].sort_values(
            "is_yes", ascending=False
        )
        tokens = tuple(Token(tid, r.outcome, condition_id) for tid, r in toks.iterrows())

        def when(value: Any) -> Any:
            return None if pd.isna(value) else value.to_pydatetime()

        state = ResolutionState(row["resolution_state"])
        resolution = Resolution(
            state,
            row["winning_outcome"] if state is ResolutionState.RESOLVED else None,
            when(row["resolved_at"]),
        )
        return Market(
            condition_id=condition_id,
            question=row["question"],
            tokens=tokens,
            slug=row["slug"],
            category=row["category"],
            event_id=None if pd.isna(row["event_id"]) else row["event_id"],
            neg_risk=bool(row["neg_risk"]),
            tick_size=float(row["tick_size"]),
            min_order_size=float(row["min_order_size"]),
            start_time=when(row["start_time"]),
            end_time=when(row["end_time"]),
            fee_rate=None if pd.isna(row["fee_rate"]) else float(row["fee_rate"]),
            resolution=resolution,
            description=row["description"],
        )

    @cached_property
    def events(self) -> pd.DataFrame:
        """Neg-risk events: one row per event id with its markets and whether it is complete."""
        grouped = self.markets[self.markets["neg_risk"] & self.markets["event_id"].notna()]
        return (
            grouped.reset_index()
            .groupby("event_id")
            .agg(n_outcomes=("condition_id", "size"), markets=("condition_id", list))
        )

    @cached_property
    def resolutions(self) -> pd.DataFrame:
        """Each market's resolution state, winning outcome and time."""
        return self.markets[["resolution_state", "winning_outcome", "resolved_at"]].copy()

    # ----- frames for notebooks ----------------------------------------------------------------

    def prices_frame(self) -> pd.DataFrame:
        """The price panel as a pandas DataFrame (UTC DatetimeIndex, one column per token)."""
        return pd.DataFrame(self.prices, index=ns_index(self.times), columns=self.tokens.index)

    def prices_polars(self) -> pl.DataFrame:
        """The price panel as a polars DataFrame: a `time` column then one column per token."""
        frame = pl.DataFrame(self.prices, schema=[str(t) for t in self.tokens.index])
        time = pl.Series("time", self.times).cast(pl.Datetime("ns", "UTC"))
        return frame.insert_column(0, time)

    # ----- slicing ------------------------------------------------------------------------------

    def window(
        self, start: TimeLike | int | None = None, end: TimeLike | int | None = None
    ) -> Dataset:
        """The rows with start <= time <= end (books and trades cut the same way)."""
        lo = -np.inf if start is None else to_ns(start, "start")
        hi = np.inf if end is None else to_ns(end, "end")
        rows = (self.times >= lo) & (self.times <= hi)
        books = None
        if self.books is not None:
            brows = (self.books.times >= lo) & (self.books.times <= hi)
            books = self.books.take(brows, slice(None))
        trades = self.trades
        if trades is not None:
            trades = trades.filter((pl.col("ts") >= lo) & (pl.col("ts") <= hi))
        return self._replace(
            times=self.times[rows], prices=self.prices[rows], books=books, trades=trades
        )

    def last(self, days: float) -> Dataset:
        """The last `days` days of the grid."""
        if not days > 0:
            raise ValidationError("days", "a number of days > 0", days)
        if self.times.size == 0:
            return self
        return self.window(int(self.times[-1] - days * NS_PER_DAY), None)

    def select(self, markets: Iterable[str]) -> Dataset:
        """Only the given markets, named by condition id, slug or event id."""
        kept = self.markets[market_mask(self.markets, markets)]
        cols = np.flatnonzero(self.tokens["market_id"].isin(kept.index).to_numpy())
        books = None if self.books is None else self.books.take(slice(None), cols)
        tokens = self.tokens.iloc[cols]
        trades = self.trades
        if trades is not None:
            trades = trades.filter(pl.col("token_id").is_in(list(tokens.index)))
        return self._replace(
            markets=kept, tokens=tokens, prices=self.prices[:, cols], books=books, trades=trades
        )

    def _replace(self, **changes: Any) -> Dataset:
        fields = {
            "markets": self.markets,
            "tokens": self.tokens,
            "times": self.times,
            "prices": self.prices,
            "books": self.books,
            "trades": self.trades,
            "source": self.source,
            "synthetic": self.synthetic,
            "meta": dict(self.meta),
        }
        fields.update(changes)
        return Dataset(**fields)

    # ----- summary ------------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Counts and span: what `print(ds)` shows, as a dict."""
        states = self.markets["resolution_state"].value_counts()
        return {
            "source": self.source,
            "synthetic": self.synthetic,
            "markets": self.n_markets,
            "tokens": self.n_tokens,
            "neg_risk_events": len(self.events),
            "start": from_ns(self.times[0]).isoformat() if self.times.size else None,
            "end": from_ns(self.times[-1]).isoformat() if self.times.size else None,
            "step_seconds": self.step_ns / 1e9,
            "rows": self.n_times,
            "resolved": int(states.get(ResolutionState.RESOLVED.value, 0)),
            "void": int(states.get(ResolutionState.VOID.value, 0)),
            "unresolved": int(states.get(ResolutionState.UNRESOLVED.value, 0)),
            "book_snapshots": 0 if self.books is None else int(self.books.times.size),
            "trades": 0 if self.trades is None else self.trades.height,
        }

    def __repr__(self) -> str:
        s = self.summary()
        label = "SYNTHETIC " if s["synthetic"] else ""
        lines = [
            f"<{label}Dataset source={s['source']!r}>",
            f"  markets  {s['markets']} ({s['neg_risk_events']} neg-risk events), "
            f"tokens {s['tokens']}",
            f"  span     {s['start']} -> {s['end']} ({s['rows']} rows every "
            f"{s['step_seconds']:g}s)",
            f"  resolved {s['resolved']}, void {s['void']}, unresolved {s['unresolved']}",
            f"  books    {s['book_snapshots']} snapshots, trades {s['trades']}",
        ]
        return "\n".join(lines)


def market_mask(markets: pd.DataFrame, wanted: Iterable[str]) -> np.ndarray:
    """Rows of a markets table named by condition id, slug or event id (at least one)."""
    wanted = set(wanted)
    mask = (
        markets.index.isin(wanted)
        | markets["slug"].isin(wanted).to_numpy()
        | markets["event_id"].isin(wanted).to_numpy()
    )
    if not mask.any():
        raise ValidationError(
            "markets", "condition ids, slugs or event ids in the dataset", sorted(wanted)[:5]
        )
    return mask


def empty_markets() -> pd.DataFrame:
    """An empty markets table with the canonical columns and dtypes."""
    frame = pd.DataFrame({c: pd.Series(dtype=d) for c, d in MARKET_COLUMNS.items()})
    frame.index.name = "condition_id"
    return frame


def markets_frame(markets: list[Market]) -> pd.DataFrame:
    """The canonical markets table of a list of `Market` objects."""
    if not markets:
        return empty_markets()
    rows = [
        {
            "condition_id": m.condition_id,
            "question": m.question,
            "slug": m.slug,
            "category": m.category,
            "event_id": m.event_id,
            "neg_risk": m.neg_risk,
            "tick_size": m.tick_size,
            "min_order_size": m.min_order_size,
            "start_time": m.start_time,
            "end_time": m.end_time,
            "fee_rate": np.nan if m.fee_rate is None else m.fee_rate,
            "resolution_state": m.resolution.state.value,
            "winning_outcome": m.resolution.winning_outcome,
            "resolved_at": m.resolution.time,
            "description": m.description,
        }
        for m in markets
    ]
    frame = pd.DataFrame(rows).set_index("condition_id")
    for column in ("start_time", "end_time", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[ns, UTC]")
    return frame.astype({c: d for c, d in MARKET_COLUMNS.items() if not d.startswith("datetime")})


def tokens_frame(markets: list[Market]) -> pd.DataFrame:
    """The canonical tokens table (YES then NO of each market, in market order)."""
    rows = [
        {
            "token_id": t.token_id,
            "market_id": m.condition_id,
            "outcome": t.outcome,
            "is_yes": i == 0,
        }
        for m in markets
        for i, t in enumerate(m.tokens)
    ]
    if not rows:
        frame = pd.DataFrame({c: pd.Series(dtype=d) for c, d in TOKEN_COLUMNS.items()})
        frame.index.name = "token_id"
        return frame
    return pd.DataFrame(rows).set_index("token_id").astype(TOKEN_COLUMNS)
