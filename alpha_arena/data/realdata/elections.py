"""Importer of `elections-2024`: Polymarket's 2024 presidential event, 50 state events, Kalshi.

- The national "Presidential Election Winner 2024" neg-risk event: the daily file (from
  January, its leading 0.5 placeholder rows dropped) then the hourly file (from August)
  through resolution. The winner is read from the final prices (an outcome at >= 0.95).
- 50 state "which party wins" events (3 outcomes each), hourly. Column names vary
  ("Donald Trump" / "Republican"); they are mapped to Republican / Democrat / Other.
  The files stop before the vote, so these events stay unresolved.
- Kalshi PRES-2024-DJT and PRES-2024-KH hourly candles (cents -> dollars, close price),
  as two binary markets; their settlement (DJT yes, KH no) is the public result.

The files hold no token or condition ids, so ids are made from names (`pm-2024:...`).
Prices are published midpoints, multiples of 0.0005, so the markets use tick 0.0001.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from alpha_arena.data.dataset import markets_frame, tokens_frame
from alpha_arena.data.realdata.wide import read_wide
from alpha_arena.data.store import write_markets, write_meta, write_prices
from alpha_arena.errors import DataError
from alpha_arena.timeutil import NS_PER_HOUR, from_ns
from alpha_arena.types import Market, Resolution, ResolutionState, Token

NAME = "elections-2024"
MARKER = Path("app/data/polymarket/polymarket-price-data-hourly.csv")
"""A file whose presence identifies the folder."""

NATIONAL_EVENT = "pm-2024:presidential-election-winner"
WIN_THRESHOLD = 0.95
"""A final price at or above this marks the winning outcome of the national event."""

PLACEHOLDER_SUM = 1.5
"""Rows of an event whose outcome prices sum above this are placeholders, not prices."""

_PARTY = {
    "donald trump": "Republican",
    "republican": "Republican",
    "kamala harris": "Democrat",
    "democrat": "Democrat",
    "other": "Other",
}
_TICK = 0.0001


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _market(
    cid: str,
    question: str,
    *,
    event_id: str | None,
    start_ns: int,
    end_ns: int,
    resolution: Resolution,
    tick: float = _TICK,
    description: str,
) -> Market:
    return Market(
        condition_id=cid,
        question=question,
        tokens=(Token(f"{cid}:yes", "Yes", cid), Token(f"{cid}:no", "No", cid)),
        slug=_slug(cid.split(":", 1)[1]),
        category="politics",
        event_id=event_id,
        neg_risk=event_id is not None,
        tick_size=tick,
        start_time=from_ns(start_ns),
        end_time=from_ns(max(end_ns, start_ns + NS_PER_HOUR)),
        resolution=resolution,
        description=description,
    )


def _national(base: Path) -> tuple[list[Market], dict[str, tuple[np.ndarray, np.ndarray]]]:
    hourly_ns, hourly = read_wide(base / "polymarket-price-data-hourly.csv")
    daily_path = base / "polymarket-price-data-daily.csv"
    if daily_path.is_file():
        daily_ns, daily = read_wide(daily_path)
        real = (daily.sum(axis=1, skipna=True) <= PLACEHOLDER_SUM).to_numpy()
        early = real & (daily_ns < hourly_ns[0])
        ns = np.concatenate([daily_ns[early], hourly_ns])
        frame = pd.concat([daily[early], hourly], ignore_index=True)
    else:
        ns, frame = hourly_ns, hourly
    final = frame.ffill().iloc[-1]
    winner = final.idxmax() if final.max() >= WIN_THRESHOLD else None
    end = int(ns[-1])
    markets, series = [], {}
    for name in frame.columns:
        values = frame[name].to_numpy()
        ok = ~np.isnan(values)
        if not ok.any():
            continue
        if winner is None:
            resolution = Resolution()
        else:
            outcome = "Yes" if name == winner else "No"
            resolution = Resolution(ResolutionState.RESOLVED, outcome, from_ns(end))
        cid = f"pm-2024:president-{_slug(name)}"
        markets.append(
            _market(
                cid,
                f"Will {name} win the 2024 US presidential election?",
                event_id=NATIONAL_EVENT,
                start_ns=int(ns[ok][0]),
                end_ns=end,
                resolution=resolution,
                description="Polymarket 'Presidential Election Winner 2024' (real data).",
            )
        )
        series[cid] = (ns[ok], values[ok])
    return markets, series


def _states(base: Path) -> tuple[list[Market], dict[str, tuple[np.ndarray, np.ndarray]]]:
    markets, series = [], {}
    for path in sorted((base / "csv_hour").glob("*_hourly.csv")):
        state = path.name.split("_", 1)[0].upper()
        ns, frame = read_wide(path)
        event = f"pm-2024:state-{state.lower()}"
        for column in frame.columns:
            party = _PARTY.get(column.strip().lower())
            values = frame[column].to_numpy()
            ok = ~np.isnan(values)
            if party is None or not ok.any():
                continue
            cid = f"{event}-{party.lower()}"
            markets.append(
                _market(
                    cid,
                    f"Which party wins {state} in 2024? {party}",
                    event_id=event,
                    start_ns=int(ns[ok][0]),
                    end_ns=int(ns[-1]),
                    resolution=Resolution(),
                    description=f"Polymarket state event {state} (real data, {path.name}).",
                )
            )
            series[cid] = (ns[ok], values[ok])
    return markets, series


def _kalshi(
    base: Path, resolved_at: int | None
) -> tuple[list[Market], dict[str, tuple[np.ndarray, np.ndarray]]]:
    markets, series = [], {}
    for ticker, won in (("PRES-2024-DJT", True), ("PRES-2024-KH", False)):
        path = base / f"{ticker}_candlesticks.csv"
        if not path.is_file():
            continue
        ns, frame = read_wide(path)
        if "price_close" not in frame.columns:
            raise DataError(f"{path}: no price_close column in {list(frame.columns)}")
        cents = frame["price_close"].to_numpy()
        ok = (cents > 0) & (cents < 100)
        resolution = Resolution()
        if resolved_at is not None:
            resolution = Resolution(
                ResolutionState.RESOLVED, "Yes" if won else "No", from_ns(resolved_at)
            )
        cid = f"kalshi:{ticker}"
        markets.append(
            _market(
                cid,
                f"Kalshi {ticker}: will {'Trump' if won else 'Harris'} win the presidency?",
                event_id=None,
                start_ns=int(ns[ok][0]),
                end_ns=int(ns[-1]),
                resolution=resolution,
                tick=0.01,
                description="Kalshi hourly candles (real data; venue kalshi, cents / 100).",
            )
        )
        series[cid] = (ns[ok], np.round(cents[ok] / 100.0, 4))
    return markets, series


def build(root: Path, store: Path) -> None:
    """Write the elections folder as a store (hourly grid) into `store`."""
    base = root / "app" / "data"
    national, prices = _national(base / "polymarket")
    states, state_prices = _states(base / "polymarket")
    winner = next((m for m in national if m.resolution.winning_outcome == "Yes"), None)
    resolved_at = None if winner is None else int(pd.Timestamp(winner.resolution.time).value)
    kalshi, kalshi_prices = _kalshi(base / "kalshi", resolved_at)
    markets = national + states + kalshi
    write_markets(store, markets_frame(markets), tokens_frame(markets))
    for cid, (ns, values) in {**prices, **state_prices, **kalshi_prices}.items():
        yes = np.clip(values, 0.0, 1.0)
        write_prices(store, f"{cid}:yes", ns, yes)
        write_prices(store, f"{cid}:no", ns, np.round(1.0 - yes, 6))
    write_meta(
        store, source=f"{NAME} (real: Polymarket + Kalshi)", synthetic=False, step_ns=NS_PER_HOUR
    )
