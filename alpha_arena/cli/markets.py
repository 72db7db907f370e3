"""`alpha-arena markets`: a table (or JSON) of the markets of a data set."""

from __future__ import annotations

import argparse
import json
from typing import Any

COLUMNS = ("condition_id", "slug", "category", "event_id", "tick", "end", "state", "last_yes")
"""Fields of each listed market, in table order."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `markets` sub-command."""
    parser = subparsers.add_parser(
        "markets",
        help="list the markets of a data set",
        description="List the markets of the synthetic sample, a data store or a real-data folder.",
    )
    parser.add_argument(
        "--data", default="sample", help="'sample', a store directory or a real-data folder"
    )
    parser.add_argument("--limit", type=int, default=20, help="at most this many rows (0: all)")
    parser.add_argument("--category", help="only markets of this category (e.g. crypto)")
    parser.add_argument("--json", action="store_true", help="print JSON records, not a table")
    parser.set_defaults(func=run)


def market_records(data: str, category: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The listed markets as plain records (what the table and --json show)."""
    import numpy as np
    import pandas as pd

    from alpha_arena.data import load
    from alpha_arena.errors import ValidationError

    if limit < 0:
        raise ValidationError("--limit", "a count >= 0", limit)
    ds = load(data, books=False, trades=False)
    markets = ds.markets
    if category is not None:
        known = sorted(markets["category"].unique())
        if category not in known:
            raise ValidationError("--category", f"one of {known}", category)
    yes_cols = np.flatnonzero(ds.is_yes)
    yes_of = dict(zip(ds.tokens["market_id"].to_numpy()[yes_cols], yes_cols, strict=True))
    valid = ~np.isnan(ds.prices)
    seen = valid.any(axis=0)
    last_row = ds.n_times - 1 - np.argmax(valid[::-1], axis=0)
    last = np.where(seen, ds.prices[last_row, np.arange(ds.n_tokens)], np.nan)
    records = []
    for cid, row in markets.iterrows():
        if category is not None and row["category"] != category:
            continue
        price = float(last[yes_of[cid]])
        records.append(
            {
                "condition_id": cid,
                "slug": row["slug"],
                "category": row["category"],
                "event_id": None if pd.isna(row["event_id"]) else row["event_id"],
                "tick": float(row["tick_size"]),
                "end": None if pd.isna(row["end_time"]) else row["end_time"].isoformat(),
                "state": row["resolution_state"]
                + (f" ({row['winning_outcome']})" if row["resolution_state"] == "resolved" else ""),
                "last_yes": None if np.isnan(price) else price,
            }
        )
        if limit and len(records) >= limit:
            break
    return records


def format_table(records: list[dict[str, Any]]) -> str:
    """Fixed-width text table of market records (long ids shortened)."""

    def cell(name: str, value: Any) -> str:
        if value is None:
            return "-"
        if name == "condition_id" and len(value) > 14:
            return value[:12] + ".."
        if name == "end":
            return value[:16].replace("T", " ")
        if name == "last_yes":
            return f"{value:.4f}"
        return str(value)

    rows = [[cell(c, r[c]) for c in COLUMNS] for r in records]
    widths = [max([len(c), *(len(row[i]) for row in rows)]) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def run(args: argparse.Namespace) -> int:
    """Print the markets of `--data`."""
    records = market_records(args.data, args.category, args.limit)
    if args.json:
        print(json.dumps(records, indent=2))
    else:
        print(format_table(records))
    return 0
