"""Importer of `mlb-books-2025`: CLOB WebSocket book messages -> books; real fills -> trades.

Each `*_polymarket-market-events.csv` row is one price level of a market-channel
message: `event_type` `book` (a full snapshot: every row sharing its timestamp and hash)
or `price_change` (one level; size 0 removes it). Two layouts exist (June: side bid/ask;
July: an extra `outcome_name` column and side BUY/SELL) and one line is malformed, so
columns are found by name, sides are normalised and bad lines skipped.

Books are replayed message by message per token and snapshotted at the end of every
minute that had messages (the state then in force; crossed states are dropped); the
price series is the snapshot midpoint. `*_market-metadata.csv` names the teams of the
July games; June tokens are labelled `team 1` / `team 2`. The NFL fills of
`notebooks/data` (each fill listed once per counterparty) become trades of one market.
No outcomes are in the files: every market is unresolved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from alpha_arena.data.dataset import markets_frame, tokens_frame
from alpha_arena.data.store import (
    write_books,
    write_markets,
    write_meta,
    write_prices,
    write_trades,
)
from alpha_arena.errors import DataError
from alpha_arena.timeutil import NS_PER_MINUTE, from_ns
from alpha_arena.types import Market, Token, on_tick

NAME = "mlb-books-2025"
EVENTS_GLOB = "*_polymarket-market-events.csv"
LEVELS = 10
"""Book depth kept per side."""

_SIDES = {"bid": "bid", "buy": "bid", "ask": "ask", "sell": "ask"}
_NEEDED = ("market_slug", "asset_id", "event_type", "price", "side", "size", "timestamp")


def read_events(path: Path) -> pd.DataFrame:
    """One events file, normalised: needed columns, numeric types, sides bid/ask, bad rows out."""
    try:
        frame = pd.read_csv(path, dtype=str, on_bad_lines="skip")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: unreadable CSV ({exc})") from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in _NEEDED if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing columns {missing} (has {list(frame.columns)})")
    out = pd.DataFrame(
        {
            "slug": frame["market_slug"].str.strip(),
            "market_id": frame.get("market_id", frame["market_slug"])
            .fillna(frame["market_slug"])
            .str.strip(),
            "asset": frame["asset_id"].str.strip(),
            "kind": frame["event_type"].str.strip().str.lower(),
            "price": pd.to_numeric(frame["price"], errors="coerce"),
            "side": frame["side"].str.strip().str.lower().map(_SIDES),
            "size": pd.to_numeric(frame["size"], errors="coerce"),
            "ms": pd.to_numeric(frame["timestamp"], errors="coerce"),
            "hash": frame["hash"].fillna("") if "hash" in frame.columns else "",
        }
    )
    ok = (
        out["price"].between(0.0, 1.0)
        & (out["size"] >= 0)
        & out["ms"].notna()
        & out["side"].notna()
        & out["kind"].isin(["book", "price_change"])
        & out["asset"].str.fullmatch(r"\d+").fillna(False).astype(bool)
    )
    out = out[ok].copy()
    out["ms"] = out["ms"].astype(np.int64)
    return out


def replay(rows: pd.DataFrame, levels: int = LEVELS) -> pl.DataFrame:
    """Book snapshots (store rows: ts, level, bid/ask px/sz) of one token's messages.

    A snapshot is taken at the end of each minute holding messages; a `book` message
    replaces the whole book, a `price_change` sets one level (size 0 deletes it).
    """
    rows = rows.sort_values("ms", kind="stable")
    books: dict[str, dict[float, float]] = {"bid": {}, "ask": {}}
    out: list[tuple[int, int, float, float, float, float]] = []
    current = None

    def snapshot(minute: int) -> None:
        bids = sorted(books["bid"].items(), reverse=True)[:levels]
        asks = sorted(books["ask"].items())[:levels]
        if bids and asks and bids[0][0] >= asks[0][0]:
            return
        ts = (minute + 1) * NS_PER_MINUTE
        for level in range(max(len(bids), len(asks))):
            bp, bs = bids[level] if level < len(bids) else (np.nan, 0.0)
            ap, asz = asks[level] if level < len(asks) else (np.nan, 0.0)
            out.append((ts, level, bp, bs, ap, asz))

    ms = rows["ms"].to_numpy()
    kinds = rows["kind"].to_numpy()
    hashes = rows["hash"].to_numpy()
    new_message = np.r_[True, (ms[1:] != ms[:-1]) | (hashes[1:] != hashes[:-1])]
    for i, (price, side, size) in enumerate(
        zip(rows["price"].to_numpy(), rows["side"].to_numpy(), rows["size"].to_numpy(), strict=True)
    ):
        if new_message[i]:
            minute = int(ms[i]) * 1_000_000 // NS_PER_MINUTE
            if current is not None and minute != current:
                snapshot(current)
            current = minute
            if kinds[i] == "book":
                books = {"bid": {}, "ask": {}}
        if size > 0:
            books[side][float(price)] = float(size)
        else:
            books[side].pop(float(price), None)
    if current is not None:
        snapshot(current)
    return pl.DataFrame(
        out,
        schema={
            "ts": pl.Int64,
            "level": pl.Int16,
            "bid_px": pl.Float64,
            "bid_sz": pl.Float64,
            "ask_px": pl.Float64,
            "ask_sz": pl.Float64,
        },
        orient="row",
    )


def _team_names(data: Path) -> dict[str, str]:
    names: dict[str, str] = {}
    for path in sorted(data.glob("*_market-metadata.csv")):
        frame = pd.read_csv(path, dtype=str, on_bad_lines="skip")
        frame.columns = [str(c).strip().lower() for c in frame.columns]
        if {"asset_id", "outcome_name"} <= set(frame.columns):
            for asset, name in zip(frame["asset_id"], frame["outcome_name"], strict=True):
                if isinstance(asset, str) and isinstance(name, str) and name.strip():
                    names[asset.strip()] = name.strip()
    return names


def _tick(prices: np.ndarray) -> float:
    return 0.01 if all(on_tick(float(p), 0.01) for p in np.unique(prices)) else 0.001


def _mids(book: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    top = book.filter((pl.col("level") == 0) & pl.col("bid_px").is_not_nan())
    top = top.filter(pl.col("ask_px").is_not_nan())
    return top["ts"].to_numpy(), np.round((top["bid_px"] + top["ask_px"]).to_numpy() / 2, 6)


def _games(data: Path, store: Path) -> tuple[list[Market], dict[str, Any]]:
    names = _team_names(data)
    files = sorted(data.glob(EVENTS_GLOB))
    if not files:
        raise DataError(f"{data}: no {EVENTS_GLOB} files")
    events = pd.concat([read_events(p) for p in files], ignore_index=True)
    markets: list[Market] = []
    skipped: list[str] = []
    claimed: set[str] = set()
    groups = sorted(
        events.groupby(["slug", "market_id"], sort=True),
        key=lambda item: not str(item[0][1]).isdigit(),  # files with a market id first
    )
    for (slug, market_id), game in groups:
        assets = list(dict.fromkeys(game["asset"]))
        if len(assets) != 2 or claimed & set(assets):  # e.g. another game's tokens in a file
            skipped.append(str(slug))
            continue
        claimed.update(assets)
        if not all(a in names for a in assets):
            assets = sorted(assets)
        cid = f"mlb:{market_id}"
        tokens = tuple(Token(a, names.get(a, f"team {i + 1}"), cid) for i, a in enumerate(assets))
        ms = game["ms"].to_numpy()
        markets.append(
            Market(
                condition_id=cid,
                question=f"MLB money line {slug}: will {tokens[0].outcome} win?",
                tokens=tokens,
                slug=slug,
                category="sports",
                tick_size=_tick(game["price"].to_numpy()),
                start_time=from_ns(int(ms.min()) * 1_000_000),
                end_time=from_ns((int(ms.max()) // 60_000 + 2) * NS_PER_MINUTE),
                description="Polymarket CLOB WebSocket capture (real data, MinesJA/SignalDrift).",
            )
        )
        for asset in assets:
            book = replay(game[game["asset"] == asset])
            write_books(store, asset, book)
            ts, mid = _mids(book)
            write_prices(store, asset, ts, mid)
    return markets, {"games_skipped": skipped, "messages": int(events.shape[0])}


def _fills(notebooks: Path, store: Path) -> list[Market]:
    trade_files = [
        p
        for p in sorted(notebooks.glob("poly_market_prices_*.csv"))
        if "trade_dttm" in p.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0]
    ]
    markets = []
    for path in trade_files:
        fills = pd.read_csv(path, dtype=str, on_bad_lines="skip")
        fills.columns = [str(c).strip().lower() for c in fills.columns]
        event = str(fills["event_id"].dropna().iloc[0]).strip()
        ids = _token_ids(notebooks, event)
        outcomes = list(dict.fromkeys(fills["outcome"].dropna().str.strip()))
        if len(outcomes) != 2:
            continue
        cid = f"pm-event-{event}"
        tokens = tuple(Token(ids.get(o, f"{cid}:{o}"), o, cid) for o in outcomes)
        ts = pd.to_datetime(fills["trade_dttm"], utc=True, errors="coerce")
        frame = pd.DataFrame(
            {
                "ts": ts.astype("datetime64[ns, UTC]").astype("int64"),
                "token_id": fills["outcome"]
                .str.strip()
                .map({t.outcome: t.token_id for t in tokens}),
                "price": pd.to_numeric(fills["price"], errors="coerce"),
                "size": pd.to_numeric(fills["amount"], errors="coerce"),
                "side": fills["side"].str.strip().str.upper(),
            }
        )[ts.notna().to_numpy()].dropna()
        frame = frame[frame["price"].between(0, 1) & (frame["size"] > 0)].sort_values("ts")
        title = str(fills["market_title"].dropna().iloc[0]).strip()
        markets.append(
            Market(
                condition_id=cid,
                question=f"{title}: will {tokens[0].outcome} win?",
                tokens=tokens,
                slug=f"nfl-{event}",
                category="sports",
                tick_size=_tick(frame["price"].to_numpy()),
                start_time=from_ns(int(frame["ts"].iloc[0])),
                end_time=from_ns(int(frame["ts"].iloc[-1]) + NS_PER_MINUTE),
                description=f"Real fills of Polymarket event {event} ({path.name}).",
            )
        )
        for token in tokens:
            own = pl.from_pandas(frame[frame["token_id"] == token.token_id])
            write_trades(store, token.token_id, own)
            write_prices(store, token.token_id, own["ts"].to_numpy(), own["price"].to_numpy())
    return markets


def _token_ids(notebooks: Path, event: str) -> dict[str, str]:
    """Outcome -> token id from the OHLC files' `token_id` / `question` ('A vs. B - B')."""
    ids: dict[str, str] = {}
    for path in sorted(notebooks.glob(f"poly_market_prices_{event}_*.csv")):
        frame = pd.read_csv(path, dtype=str, on_bad_lines="skip")
        if {"token_id", "question"} <= set(frame.columns):
            for token, question in zip(frame["token_id"], frame["question"], strict=True):
                if isinstance(question, str) and " - " in question:
                    ids[question.rsplit(" - ", 1)[1].strip()] = str(token).strip()
    return ids


def build(root: Path, store: Path) -> None:
    """Write the MLB folder (books, mids, NFL fills) as a store (1-minute grid) into `store`."""
    markets, counts = _games(root / "data", store)
    notebooks = root / "notebooks" / "data"
    if notebooks.is_dir():
        markets += _fills(notebooks, store)
    write_markets(store, markets_frame(markets), tokens_frame(markets))
    write_meta(
        store,
        source=f"{NAME} (real: Polymarket CLOB)",
        synthetic=False,
        step_ns=NS_PER_MINUTE,
        **counts,
    )
