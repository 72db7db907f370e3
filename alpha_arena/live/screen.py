"""Market screens: `markets.screen` resolved to condition ids through Gamma, once at start.

`select` is the pure rule (every criterion holds, largest `order_by` first, ties by
condition id, `markets.ids` always kept and first, the caps respected); `resolve` asks
Gamma `/markets` for open markets (`active=true&closed=false`, narrowed server-side by
`liquidity_num_min` and `end_date_min`/`end_date_max`, ordered by the screen's key so the
offset cap drops the tail, `include_tag=true` for the markets' tags), reads every page
and filters client-side what Gamma cannot (24 h volume, categories, accepting orders)
after checking every criterion again. An empty pick is a ConfigError, never an idle
loop. `write_screen` / `read_screen` keep the last pick in the state directory for
`alpha-arena status`.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alpha_arena.config.sections import MarketsConfig, ScreenConfig
from alpha_arena.data.payload import Payload
from alpha_arena.data.polymarket import GAMMA_PAGE, PolymarketClient, parse_market
from alpha_arena.errors import ConfigError

log = logging.getLogger(__name__)

SCREEN_FILE = "screen.json"
"""The last screen's pick, in `live.state_dir` (read by `alpha-arena status`)."""

GAMMA_ORDER = {"volume_24h": "volume_24hr", "liquidity": "liquidity"}
"""Gamma's documented `order` key for each `order_by`."""


@dataclass(frozen=True)
class Candidate:
    """What a screen looks at in one Gamma market."""

    condition_id: str
    categories: frozenset[str]
    volume_24h: float
    liquidity: float
    end_time: datetime | None
    accepting_orders: bool = True


@dataclass(frozen=True)
class ScreenResult:
    """The markets a screen picked, at what time, out of how many open markets looked at."""

    ids: tuple[str, ...]
    screened: tuple[str, ...]
    looked_at: int
    at: datetime
    criteria: dict[str, Any]

    def record(self) -> dict[str, Any]:
        """JSON-able form (the audit event and `screen.json`)."""
        return {
            "at": self.at.isoformat(),
            "ids": list(self.ids),
            "screened": list(self.screened),
            "looked_at": self.looked_at,
            "criteria": self.criteria,
        }


def candidate(item: Payload) -> Candidate | None:
    """A `Candidate` from one Gamma market object; None when it has no CLOB tokens or is
    closed or inactive (Gamma was asked for open markets only; this holds if it ignores it)."""
    market = parse_market(item)
    if market is None or item.bool("closed", default=False):
        return None
    if not item.bool("active", default=True):
        return None
    labels = {market.category} if market.category != "other" else set()
    sources = [item, *item.objects("events", default=[])]
    for source in sources:
        for tag in source.objects("tags", default=[]):
            labels |= {str(tag.data[k]).lower() for k in ("label", "slug") if tag.has(k)}
    liquidity = item.float("liquidityNum", default=None)
    if liquidity is None:
        liquidity = item.float("liquidity", default=0.0)
    return Candidate(
        condition_id=market.condition_id,
        categories=frozenset(labels),
        volume_24h=item.float("volume24hr", default=0.0),
        liquidity=liquidity,
        end_time=market.end_time,
        accepting_orders=item.bool("acceptingOrders", default=True),
    )


def matches(c: Candidate, screen: ScreenConfig, now: datetime) -> bool:
    """True when `c` meets every criterion of `screen` at `now`."""
    if not c.accepting_orders:
        return False
    if screen.categories and not c.categories & set(screen.categories):
        return False
    if c.volume_24h < screen.min_volume_24h or c.liquidity < screen.min_liquidity:
        return False
    if screen.closes_within_days is not None:
        horizon = now + timedelta(days=screen.closes_within_days)
        if c.end_time is None or not now < c.end_time <= horizon:
            return False
    return True


def screen_room(markets: MarketsConfig) -> int:
    """How many markets the screen may add: its `max_markets`, within `markets.max_markets`
    less the listed ids."""
    room = markets.max_markets - len(markets.ids)
    screen = markets.screen
    if screen is not None and screen.max_markets is not None:
        room = min(room, screen.max_markets)
    return max(room, 0)


def select(
    candidates: Iterable[Candidate], markets: MarketsConfig, now: datetime
) -> tuple[str, ...]:
    """`markets.ids` (in their order) then the best matching candidates: largest
    `order_by` first, ties by condition id, at most `screen_room(markets)` of them."""
    screen = markets.screen
    if screen is None:
        return tuple(markets.ids)
    listed = set(markets.ids)
    best: dict[str, Candidate] = {}
    for c in candidates:
        if c.condition_id not in listed and matches(c, screen, now):
            best[c.condition_id] = c
    key = "volume_24h" if screen.order_by == "volume_24h" else "liquidity"
    ranked = sorted(best.values(), key=lambda c: (-getattr(c, key), c.condition_id))
    return (*markets.ids, *(c.condition_id for c in ranked[: screen_room(markets)]))


def gamma_query(screen: ScreenConfig, now: datetime) -> dict[str, Any]:
    """Gamma `/markets` query parameters for the criteria Gamma can filter itself."""
    params: dict[str, Any] = {
        "active": True,
        "closed": False,
        "order": GAMMA_ORDER[screen.order_by],
        "ascending": False,
        "include_tag": True,
    }
    if screen.min_liquidity > 0:
        params["liquidity_num_min"] = screen.min_liquidity
    if screen.closes_within_days is not None:
        stamp = "%Y-%m-%dT%H:%M:%SZ"
        params["end_date_min"] = now.strftime(stamp)
        horizon = now + timedelta(days=screen.closes_within_days)
        params["end_date_max"] = horizon.strftime(stamp)
    return params


def resolve(
    client: PolymarketClient,
    markets: MarketsConfig,
    now: datetime | None = None,
    *,
    page_size: int = GAMMA_PAGE,
) -> ScreenResult:
    """The markets to trade: `markets.ids` plus the screen's pick from Gamma's open markets.

    A ConfigError when the screen picks nothing and no ids are listed.
    """
    now = now or datetime.now(UTC)
    screen = markets.screen
    if screen is None:
        return ScreenResult(tuple(markets.ids), (), 0, now, {})
    items = client.market_payloads(gamma_query(screen, now), page_size=page_size)
    found = [c for c in (candidate(item) for item in items) if c is not None]
    ids = select(found, markets, now)
    criteria = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(screen).items()}
    result = ScreenResult(ids, ids[len(markets.ids) :], len(found), now, criteria)
    if not ids:
        raise ConfigError(
            f"markets.screen: expected at least one open market meeting {criteria}, got none "
            f"of the {len(found)} open markets Gamma listed"
        )
    log.info(
        "screen picked %d market(s) of %d open: %s",
        len(result.screened),
        len(found),
        ", ".join(result.screened),
    )
    return result


def write_screen(state_dir: Path, result: ScreenResult) -> Path:
    """Save the pick to `<state_dir>/screen.json` atomically (replace, not rewrite)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / SCREEN_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result.record(), indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_screen(state_dir: Path) -> dict[str, Any] | None:
    """The last saved pick, or None when there is none (or it is unreadable or partial)."""
    path = state_dir / SCREEN_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    keys = ("at", "ids", "screened", "looked_at")
    if not isinstance(record, dict) or not all(k in record for k in keys):
        return None
    return record
