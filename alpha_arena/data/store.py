"""The on-disk form of market data: a directory of parquet files written with polars.

Layout (format version 1)::

    root/meta.json              format, version, source, synthetic flag, price grid step
    root/markets.parquet        the canonical markets table (MARKET_COLUMNS + condition_id)
    root/tokens.parquet         token_id, market_id, outcome, is_yes (panel order)
    root/prices/<token>.parquet ts (int64 ns), price            -- observations, sorted
    root/books/<token>.parquet  ts, level, bid_px, bid_sz, ask_px, ask_sz -- one row a level
    root/trades/<token>.parquet ts, token_id, price, size, side

The download cache and the bundled sample both use it. Every file is written to a temporary
name and renamed into place, so a crash never leaves a half-written file behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from alpha_arena.data.dataset import (
    MARKET_COLUMNS,
    TOKEN_COLUMNS,
    TRADE_COLUMNS,
    BookPanel,
    Dataset,
    market_mask,
)
from alpha_arena.errors import DataError, ValidationError
from alpha_arena.timeutil import NS_PER_DAY, TimeLike, to_ns

FORMAT = "alpha-arena-store"
VERSION = 1
BOOK_COLUMNS = ("ts", "level", "bid_px", "bid_sz", "ask_px", "ask_sz")
_DATETIME_COLUMNS = [c for c, d in MARKET_COLUMNS.items() if d.startswith("datetime")]


def token_file(root: Path, kind: str, token_id: str) -> Path:
    """Path of one token's file of a kind (prices, books, trades)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in token_id)
    return Path(root) / kind / f"{safe}.parquet"


def atomic_write_parquet(frame: pl.DataFrame, path: Path) -> None:
    """Write a parquet file under a temporary name in the same folder, then rename it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        frame.write_parquet(tmp, compression="zstd", statistics=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(text: str, path: Path) -> None:
    """Write a text file under a temporary name, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_meta(root: Path, **fields: Any) -> None:
    """Write (merge into) root/meta.json."""
    meta = read_meta(root) if (Path(root) / "meta.json").exists() else {}
    meta.update(fields, format=FORMAT, version=VERSION)
    atomic_write_text(json.dumps(meta, indent=2, sort_keys=True, default=str), root / "meta.json")


def read_meta(root: Path) -> dict[str, Any]:
    """root/meta.json, checked to be a store of a version this code reads."""
    path = Path(root) / "meta.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{root}: not an alpha-arena data store (no meta.json)") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: unreadable ({exc})") from exc
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise DataError(
            f"{path}: format {meta.get('format')!r} v{meta.get('version')}, "
            f"expected {FORMAT!r} v{VERSION}"
        )
    return meta


def write_markets(root: Path, markets: pd.DataFrame, tokens: pd.DataFrame) -> None:
    """Upsert the markets and tokens tables (rows with the same id are replaced)."""
    root = Path(root)
    new_markets = pl.from_pandas(markets.reset_index())
    new_tokens = pl.from_pandas(tokens.reset_index())
    if (root / "markets.parquet").exists():
        old = pl.read_parquet(root / "markets.parquet")
        new_markets = pl.concat(
            [
                old.filter(~pl.col("condition_id").is_in(new_markets["condition_id"].implode())),
                new_markets,
            ],
            how="diagonal_relaxed",
        )
        old_tokens = pl.read_parquet(root / "tokens.parquet")
        new_tokens = pl.concat(
            [
                old_tokens.filter(~pl.col("token_id").is_in(new_tokens["token_id"].implode())),
                new_tokens,
            ],
            how="diagonal_relaxed",
        )
    atomic_write_parquet(new_markets, root / "markets.parquet")
    atomic_write_parquet(new_tokens, root / "tokens.parquet")


def _merge_rows(path: Path, new: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    if path.exists():
        new = pl.concat([pl.read_parquet(path), new], how="vertical_relaxed")
    return new.unique(subset=key, keep="last", maintain_order=True).sort(key)


def write_prices(root: Path, token_id: str, ts_ns: np.ndarray, prices: np.ndarray) -> None:
    """Merge price observations of one token into its file (later values win on equal ts)."""
    frame = pl.DataFrame(
        {"ts": np.asarray(ts_ns, dtype=np.int64), "price": np.asarray(prices, dtype=np.float64)}
    )
    path = token_file(root, "prices", token_id)
    atomic_write_parquet(_merge_rows(path, frame, ["ts"]), path)


def write_books(root: Path, token_id: str, frame: pl.DataFrame) -> None:
    """Merge book rows (`BOOK_COLUMNS`, one row per snapshot level) into a token's file."""
    missing = [c for c in BOOK_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"book rows for {token_id}: missing columns {missing}")
    path = token_file(root, "books", token_id)
    atomic_write_parquet(_merge_rows(path, frame.select(BOOK_COLUMNS), ["ts", "level"]), path)


def write_trades(root: Path, token_id: str, frame: pl.DataFrame) -> None:
    """Merge trades of one token into its file (deduplicated on every column)."""
    path = token_file(root, "trades", token_id)
    frame = frame.select(list(TRADE_COLUMNS)).cast(TRADE_COLUMNS)
    atomic_write_parquet(_merge_rows(path, frame, list(TRADE_COLUMNS)), path)


def write_dataset(ds: Dataset, root: Path | str) -> Path:
    """Persist a whole Dataset as a store; the grid step goes to meta.json."""
    root = Path(root)
    write_markets(root, ds.markets, ds.tokens)
    for col, token in enumerate(ds.tokens.index):
        live = ~np.isnan(ds.prices[:, col])
        write_prices(root, token, ds.times[live], ds.prices[live, col])
        if ds.books is not None:
            write_books(root, token, _book_rows(ds.books, col))
        if ds.trades is not None:
            rows = ds.trades.filter(pl.col("token_id") == token)
            if rows.height:
                write_trades(root, token, rows)
    write_meta(root, source=ds.source, synthetic=ds.synthetic, step_ns=ds.step_ns, **ds.meta)
    return root


def _book_rows(books: BookPanel, col: int) -> pl.DataFrame:
    present = books.bid_sz[:, col, :] + books.ask_sz[:, col, :] > 0
    snap, level = np.nonzero(present)
    return pl.DataFrame(
        {
            "ts": books.times[snap],
            "level": level.astype(np.int16),
            "bid_px": books.bid_px[snap, col, level],
            "bid_sz": books.bid_sz[snap, col, level],
            "ask_px": books.ask_px[snap, col, level],
            "ask_sz": books.ask_sz[snap, col, level],
        }
    )


def _read_tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    try:
        markets = pl.read_parquet(root / "markets.parquet").to_pandas()
        tokens = pl.read_parquet(root / "tokens.parquet").to_pandas()
    except FileNotFoundError as exc:
        raise DataError(f"{root}: store has no markets/tokens table ({exc.filename})") from exc
    markets = markets.set_index("condition_id")
    for column in _DATETIME_COLUMNS:
        markets[column] = pd.to_datetime(markets[column], utc=True).astype("datetime64[ns, UTC]")
    markets = markets.astype(
        {c: d for c, d in MARKET_COLUMNS.items() if c not in _DATETIME_COLUMNS}
    )
    tokens = tokens.set_index("token_id").astype(TOKEN_COLUMNS)
    return markets, tokens


def _scan(root: Path, kind: str, token_ids: Iterable[str]) -> list[tuple[int, Path]]:
    return [
        (col, path)
        for col, token in enumerate(token_ids)
        if (path := token_file(root, kind, token)).exists()
    ]


def _grid(
    root: Path,
    files: list[tuple[int, Path]],
    step_ns: int,
    lo: float,
    hi: float,
    days: float | None,
) -> np.ndarray:
    bounds = [
        pl.scan_parquet(path).select(pl.col("ts").min().alias("a"), pl.col("ts").max().alias("b"))
        for _, path in files
    ]
    if not bounds:
        raise DataError(f"{root}: no price series for the selected markets")
    span = pl.concat(bounds).collect()
    first = max(int(span["a"].min()), lo)
    last = min(int(span["b"].max()), hi)
    if days is not None:
        first = max(first, last - int(days * NS_PER_DAY))
    if first > last:
        raise DataError(f"{root}: no prices in the requested time range")
    first = int(first // step_ns * step_ns)
    return np.arange(first, int(last) + 1, step_ns, dtype=np.int64)


def _asof(grid: np.ndarray, ts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each grid time, the latest observation at or before it (NaN before the first)."""
    idx = np.searchsorted(ts, grid, side="right") - 1
    out = np.where(idx >= 0, values[np.maximum(idx, 0)], np.nan)
    return out


def read_dataset(
    root: Path | str,
    *,
    start: TimeLike | int | None = None,
    end: TimeLike | int | None = None,
    markets: Iterable[str] | None = None,
    days: float | None = None,
    step_ns: int | None = None,
    books: bool = True,
    trades: bool = True,
) -> Dataset:
    """Build a Dataset from a store: prices on a regular grid, books and trades as-of.

    Prices are carried forward only within each market's life (start to end time) and are
    NaN outside it. `days` keeps the last N days up to `end` (or the data's end);
    `step_ns` defaults to the step recorded in meta.json.
    """
    if days is not None and not days > 0:
        raise ValidationError("days", "a number of days > 0", days)
    root = Path(root)
    meta = read_meta(root)
    step_ns = int(step_ns or meta.get("step_ns") or 60_000_000_000)
    all_markets, all_tokens = _read_tables(root)
    chosen = all_markets if markets is None else all_markets[market_mask(all_markets, markets)]
    tokens = all_tokens[all_tokens["market_id"].isin(chosen.index)]
    lo = -np.inf if start is None else to_ns(start, "start")
    hi = np.inf if end is None else to_ns(end, "end")
    price_files = _scan(root, "prices", tokens.index)
    grid = _grid(root, price_files, step_ns, lo, hi, days)
    prices = np.full((grid.size, len(tokens)), np.nan)
    for col, path in price_files:
        frame = pl.read_parquet(path)
        prices[:, col] = _asof(grid, frame["ts"].to_numpy(), frame["price"].to_numpy())
    skeleton = Dataset(chosen, tokens, grid, prices)
    life = (grid[:, None] >= skeleton.start_ns[None, :]) & (grid[:, None] <= skeleton.end_ns)
    prices[~life] = np.nan
    book_panel = _read_books(root, tokens.index, grid) if books else None
    if book_panel is not None:
        dead = ~(
            (book_panel.times[:, None] >= skeleton.start_ns)
            & (book_panel.times[:, None] <= skeleton.end_ns)
        )
        for name in ("bid_px", "ask_px"):
            getattr(book_panel, name)[dead] = np.nan
        for name in ("bid_sz", "ask_sz"):
            getattr(book_panel, name)[dead] = 0.0
    trade_frame = _read_trades(root, tokens.index, grid) if trades else None
    return Dataset(
        chosen,
        tokens,
        grid,
        prices,
        books=book_panel,
        trades=trade_frame,
        source=str(meta.get("source", root)),
        synthetic=bool(meta.get("synthetic", False)),
        meta={
            k: v for k, v in meta.items() if k not in ("format", "version", "source", "synthetic")
        },
    )


_BOOK_FILES_PER_READ = 32
"""Book files read and scattered together: fast, with a bounded temporary frame."""


def _read_books(root: Path, token_ids: pd.Index, grid: np.ndarray) -> BookPanel | None:
    files = _scan(root, "books", token_ids)
    if not files:
        return None
    lo, hi = int(grid[0]), int(grid[-1])
    scans = [
        pl.scan_parquet(path)
        .filter(pl.col("ts").is_between(lo, hi))
        .with_columns(pl.lit(col, pl.Int64).alias("col"))
        for col, path in files
    ]
    heads = (
        pl.concat([scan.select("ts", "level") for scan in scans], how="vertical_relaxed")
        .group_by("ts")
        .agg(pl.col("level").max())
        .sort("ts")
        .collect()
    )
    if not heads.height:
        return None
    times = heads["ts"].to_numpy()
    levels = 1 + int(heads["level"].max())
    shape = (times.size, len(token_ids), levels)
    arrays = {
        "bid_px": np.full(shape, np.nan),
        "bid_sz": np.zeros(shape),
        "ask_px": np.full(shape, np.nan),
        "ask_sz": np.zeros(shape),
    }
    present = np.zeros(shape[:2], dtype=bool)
    cells = {name: array.reshape(-1, shape[2]) for name, array in arrays.items()}
    for i in range(0, len(files), _BOOK_FILES_PER_READ):
        frame = pl.concat(scans[i : i + _BOOK_FILES_PER_READ], how="vertical_relaxed").collect()
        cell = np.searchsorted(times, frame["ts"].to_numpy()) * shape[1] + frame["col"].to_numpy()
        flat = cell * shape[2] + frame["level"].to_numpy().astype(np.int64)
        for name, array in arrays.items():
            array.ravel()[flat] = frame[name].to_numpy()
        present.ravel()[cell] = True
    # carry each token's last snapshot forward over the other tokens' snapshot times
    held = np.where(present, np.arange(times.size)[:, None], -1)
    np.maximum.accumulate(held, axis=0, out=held)
    gap_rows, gap_cols = np.nonzero((held >= 0) & ~present)
    source = held[gap_rows, gap_cols] * shape[1] + gap_cols
    target = gap_rows * shape[1] + gap_cols
    for view in cells.values():
        view[target] = view[source]
    return BookPanel(times, **arrays)


def _read_trades(root: Path, token_ids: pd.Index, grid: np.ndarray) -> pl.DataFrame | None:
    files = _scan(root, "trades", token_ids)
    if not files:
        return None
    lo, hi = int(grid[0]), int(grid[-1])
    frame = pl.concat([pl.scan_parquet(path) for _, path in files], how="vertical_relaxed").filter(
        pl.col("ts").is_between(lo, hi)
    )
    return frame.sort("ts").collect()


def read_tables(root: Path | str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The markets and tokens tables of a store, with the canonical dtypes.

    The download cache reads them to know which markets it holds already.
    """
    return _read_tables(Path(root))
