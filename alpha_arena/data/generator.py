"""A synthetic Polymarket-like data set, deterministic by seed (model: datasets/synthetic.md).

Each market has a latent probability: a logit random walk with Poisson news jumps. Binary
markets are one walk each; a neg-risk event's outcomes are a softmax over K walks, so their
probabilities always sum to one and exactly one outcome wins. Resolved paths are bridged
in logit space towards the outcome, so prices converge to 0/1 at resolution. Observed
prices sit on the market's tick; books (best-first levels, wider and thinner near 0/1)
are built every few grid rows from those prices; trades hit the books. Short mispricing
episodes (complement and neg-risk) are injected and listed in `Dataset.meta["episodes"]`.

Everything is vectorized numpy over (time, market) arrays, with one `numpy.random.Generator`
seeded once, so the same arguments give byte-identical arrays.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl

from alpha_arena.data.dataset import TRADE_COLUMNS, BookPanel, Dataset, markets_frame, tokens_frame
from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import NS_PER_DAY, NS_PER_SECOND, from_ns, to_ns
from alpha_arena.types import Market, Resolution, ResolutionState, Token

SYNTH_ORIGIN = datetime(2025, 1, 1, tzinfo=UTC)
"""Default first grid time: fixed, so a seed alone decides the data set."""

CATEGORIES = ("crypto", "sports", "politics", "economics", "culture", "weather", "tech")
"""Categories drawn for markets; they carry different fee rates (see `alpha_arena.fees`)."""

WIN_LOGIT = 6.0
"""Logit a resolved binary path is bridged to (sigmoid(6) ~ 0.9975)."""

EVENT_LOSER_LOGIT = -2.0
"""Logit a losing neg-risk outcome is bridged to (the winner goes to WIN_LOGIT)."""

_CHUNK = 1024
"""Book snapshots built per chunk: bounds the temporary (snapshot, token, level) arrays."""


@dataclass(frozen=True)
class _Layout:
    """Per-market plan: life on the grid, grouping into events, tick, category."""

    start: np.ndarray  # first grid row of the market's life
    end: np.ndarray  # last grid row (may lie beyond the grid: unresolved)
    event: np.ndarray  # event number, -1 for a standalone binary market
    tick: np.ndarray
    category: np.ndarray
    void: np.ndarray


def _check(name: str, value: Any, ok: bool, expected: str) -> None:
    if not ok:
        raise ValidationError(name, expected, value)


def _digest(*parts: object) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


def _layout(rng: np.random.Generator, n_rows: int, n_markets: int, sizes: np.ndarray) -> _Layout:
    """Lives, events, ticks and categories for the binary markets then each event's outcomes."""
    n_groups = n_markets + sizes.size
    lo = max(1, n_rows // 4)
    start = rng.integers(0, max(1, int(0.35 * n_rows)), n_groups)
    start[rng.random(n_groups) < 0.2] = 0
    end = start + rng.integers(lo, max(lo + 1, int(1.15 * n_rows)), n_groups)
    tick = np.where(rng.random(n_groups) < 0.25, 0.001, 0.01)
    category = rng.integers(0, len(CATEGORIES), n_groups)
    void = np.zeros(n_groups, dtype=bool)
    void[:n_markets] = (rng.random(n_markets) < 0.05) & (end[:n_markets] < n_rows)
    repeat = np.concatenate([np.ones(n_markets, dtype=np.int64), sizes])
    event = np.concatenate([np.full(n_markets, -1), np.repeat(np.arange(sizes.size), sizes)])
    return _Layout(
        start=np.repeat(start, repeat),
        end=np.repeat(end, repeat),
        event=event,
        tick=np.repeat(tick, repeat),
        category=np.repeat(category, repeat),
        void=np.repeat(void, repeat),
    )


def _latent(
    rng: np.random.Generator, layout: _Layout, n_rows: int, step_days: float
) -> tuple[np.ndarray, np.ndarray]:
    """Logit paths (rows, markets), bridged to each resolved outcome, and the YES winners."""
    n = layout.start.size
    vol = rng.uniform(0.4, 1.4, n) * np.sqrt(step_days)
    moves = rng.standard_normal((n_rows, n)) * vol
    jumps = rng.random((n_rows, n)) < 0.6 * step_days
    moves[jumps] += rng.normal(0.0, 0.9, int(jumps.sum()))
    path = np.cumsum(moves, axis=0)
    binary = layout.event < 0
    x0 = np.empty(n)
    start_p = rng.uniform(0.05, 0.95, int(binary.sum()))
    x0[binary] = np.log(start_p / (1.0 - start_p))
    for e in range(int(layout.event.max()) + 1):
        cols = np.flatnonzero(layout.event == e)
        x0[cols] = np.log(rng.dirichlet(np.full(cols.size, 0.8)) + 1e-3)
    cols = np.arange(n)
    first = np.minimum(layout.start, n_rows - 1)
    last = np.minimum(layout.end, n_rows - 1)
    path += x0 - path[first, cols]
    resolved = layout.end < n_rows
    final = path[last, cols]
    wins = np.zeros(n, dtype=bool)
    draw = rng.random(n)
    wins[binary] = draw[binary] < 1.0 / (1.0 + np.exp(-final[binary]))
    for e in range(int(layout.event.max()) + 1):
        group = np.flatnonzero(layout.event == e)
        weights = np.exp(final[group] - final[group].max())
        pick = np.searchsorted(np.cumsum(weights / weights.sum()), draw[group[0]])
        wins[group[min(int(pick), group.size - 1)]] = True
    target = np.where(wins, WIN_LOGIT, np.where(binary, -WIN_LOGIT, EVENT_LOSER_LOGIT))
    bridged = resolved & ~layout.void
    rows = np.arange(n_rows)[:, None]
    span = np.maximum(layout.end - layout.start, 1)
    frac = np.clip((rows - layout.start) / span, 0.0, 1.0)
    path += np.where(bridged, frac * (target - final), 0.0)
    return path, wins & bridged


def _probabilities(path: np.ndarray, layout: _Layout) -> np.ndarray:
    """Sigmoid of binary paths; softmax within each neg-risk event (sums to one)."""
    prob = 1.0 / (1.0 + np.exp(-path))
    for e in range(int(layout.event.max()) + 1):
        cols = np.flatnonzero(layout.event == e)
        z = np.exp(path[:, cols] - path[:, cols].max(axis=1, keepdims=True))
        prob[:, cols] = z / z.sum(axis=1, keepdims=True)
    return prob


Basket = tuple[np.ndarray, int, int, float]
"""A neg-risk episode: the event's market columns, first and end row, and its gap."""


def _episodes(
    rng: np.random.Generator, layout: _Layout, n_rows: int, step_days: float, times: np.ndarray
) -> tuple[np.ndarray, list[Basket], list[dict[str, Any]]]:
    """Mispricings: offsets to NO prices (complement) and neg-risk baskets off their sum."""
    n = layout.start.size
    no_shift = np.zeros((n_rows, n))
    baskets: list[Basket] = []
    listed: list[dict[str, Any]] = []
    first = np.minimum(layout.start, n_rows - 1)
    last = np.minimum(layout.end, n_rows) - 1
    max_len = max(2, round(0.05 / step_days))

    def window(market: int) -> tuple[int, int] | None:
        lo, hi = int(first[market]), int(last[market] - 0.1 * (last[market] - first[market]))
        if hi - lo < 4:
            return None
        a = int(rng.integers(lo, hi - 2))
        return a, min(hi, a + int(rng.integers(2, max_len + 1)))

    n_days = n_rows * step_days
    for _ in range(int(np.ceil(n * n_days / 20.0))):
        market = int(rng.integers(0, n))
        span = window(market)
        if span is None:
            continue
        delta = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.03, 0.08))
        no_shift[span[0] : span[1], market] += delta
        listed.append(_episode("complement", [market], span, delta, times))
    n_events = int(layout.event.max()) + 1
    for _ in range(int(np.ceil(n_events * n_days / 7.0))):
        cols = np.flatnonzero(layout.event == int(rng.integers(0, n_events)))
        span = window(int(cols[0]))
        if span is None:
            continue
        gap = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.02, 0.06))
        baskets.append((cols, span[0], span[1], gap))
        listed.append(_episode("neg_risk", list(cols), span, gap, times))
    return no_shift, baskets, listed


def _episode(
    kind: str, markets: list[int], span: tuple[int, int], delta: float, times: np.ndarray
) -> dict[str, Any]:
    return {
        "kind": kind,
        "markets": [int(m) for m in markets],
        "start": int(times[span[0]]),
        "end": int(times[span[1] - 1]),
        "delta": round(delta, 6),
    }


def on_tick_round(values: np.ndarray, tick: np.ndarray) -> np.ndarray:
    """Round prices to the nearest multiple of their tick, kept inside [tick, 1 - tick]."""
    steps = np.clip(np.rint(values / tick), 1.0, np.rint(1.0 / tick) - 1.0)
    return np.round(steps * tick, 6)


def _prices(
    prob: np.ndarray, layout: _Layout, no_shift: np.ndarray, baskets: list[Basket]
) -> np.ndarray:
    """The (time, token) mid panel, YES then NO of each market, NaN outside each life.

    A neg-risk event's favourite takes the rounding residual, so its YES mids sum to
    exactly 1; in an episode the favourite is moved instead so they sum to
    1 + gap (rich: bids sum above 1) or 1 + gap - K ticks (cheap: with one-tick books,
    the asks sum to 1 + gap < 1).
    """
    yes = on_tick_round(prob, layout.tick)
    for e in range(int(layout.event.max()) + 1):  # the favourite absorbs the rounding
        cols = np.flatnonzero(layout.event == e)
        block = yes[:, cols]
        favourite = np.argmax(block, axis=1)
        block[np.arange(block.shape[0]), favourite] += 1.0 - block.sum(axis=1)
        yes[:, cols] = on_tick_round(block, layout.tick[cols])
    for cols, first, end, gap in baskets:
        tick = layout.tick[cols[:1]]
        block = yes[first:end][:, cols]
        target = 1.0 + gap - (cols.size * tick[0] if gap < 0 else 0.0)
        favourite = np.argmax(block, axis=1)
        block[np.arange(block.shape[0]), favourite] += target - block.sum(axis=1)
        yes[first:end, cols] = on_tick_round(block, tick)
    no = on_tick_round(1.0 - yes + no_shift, layout.tick)
    rows = np.arange(prob.shape[0])[:, None]
    dead = (rows < layout.start) | (rows > layout.end)
    yes[dead] = np.nan
    no[dead] = np.nan
    out = np.empty((prob.shape[0], 2 * prob.shape[1]))
    out[:, 0::2] = yes
    out[:, 1::2] = no
    return out


def _books(
    rng: np.random.Generator, mids: np.ndarray, tight: np.ndarray, tick: np.ndarray, levels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Books around each (snapshot, token) mid, on integer tick indices (exact on the tick).

    The spread is a few ticks plus a part that widens near 0 and 1; levels step away by
    1+ ticks; sizes shrink near 0 and 1. Levels that would leave (0, 1) are absent.
    Where `tight` (neg-risk episodes) the spread is one tick: bid = mid, ask = mid + tick.
    """
    shape = (*mids.shape, levels)
    n_ticks = np.rint(1.0 / tick)
    depth = rng.lognormal(np.log(400.0), 0.8, mids.shape[1])
    out = [np.full(shape, np.nan), np.zeros(shape), np.full(shape, np.nan), np.zeros(shape)]
    for lo in range(0, mids.shape[0], _CHUNK):
        mid = mids[lo : lo + _CHUNK]
        alive = ~np.isnan(mid)
        p = np.where(alive, mid, 0.5)
        k = np.rint(p / tick)
        edge = 0.04 * (1.0 - 4.0 * p * (1.0 - p)) ** 3
        width = 1.0 + np.floor(rng.exponential(0.012 / tick, p.shape) + edge / tick)
        width[tight[lo : lo + _CHUNK]] = 1.0
        bid0 = k - np.floor(width / 2.0)
        ask0 = bid0 + width
        gaps = 1.0 + np.floor(rng.exponential(1.0, (*p.shape, levels)) * (0.006 / tick)[:, None])
        gaps[..., 0] = 0.0
        steps = np.cumsum(gaps, axis=2)
        bid_k = bid0[..., None] - steps
        ask_k = ask0[..., None] + steps
        thin = ((0.15 + 3.4 * p * (1.0 - p)) * depth)[..., None]
        sizes = rng.lognormal(0.0, 0.5, (2, *p.shape, levels)) * thin * (1.0 + 0.4 * steps / levels)
        sizes = np.maximum(np.round(sizes, 2), 1.0)
        bid_ok = alive[..., None] & (bid_k >= 1.0)
        ask_ok = alive[..., None] & (ask_k <= n_ticks[:, None] - 1.0)
        rows = slice(lo, lo + mid.shape[0])
        out[0][rows] = np.where(bid_ok, np.round(bid_k * tick[:, None], 6), np.nan)
        out[1][rows] = np.where(bid_ok, sizes[0], 0.0)
        out[2][rows] = np.where(ask_ok, np.round(ask_k * tick[:, None], 6), np.nan)
        out[3][rows] = np.where(ask_ok, sizes[1], 0.0)
    return out[0], out[1], out[2], out[3]


def _trades(
    rng: np.random.Generator,
    layout: _Layout,
    times: np.ndarray,
    books: BookPanel,
    book_every: int,
    token_ids: np.ndarray,
) -> pl.DataFrame:
    """Taker trades at the best level of the book in force, Poisson in count per market."""
    n_rows = times.size
    step_ns = int(times[1] - times[0]) if n_rows > 1 else NS_PER_SECOND
    first = np.minimum(layout.start, n_rows - 1)
    last = np.minimum(layout.end, n_rows - 1)
    life_days = (last - first + 1) * step_ns / NS_PER_DAY
    rate = rng.lognormal(np.log(30.0), 0.8, first.size)
    counts = rng.poisson(rate * life_days)
    market = np.repeat(np.arange(first.size), counts)
    row = rng.integers(first[market], np.maximum(last[market], first[market] + 1))
    token = 2 * market + (rng.random(market.size) < 0.4)
    buy = rng.random(market.size) < 0.5
    snap = row // book_every
    price = np.where(buy, books.ask_px[snap, token, 0], books.bid_px[snap, token, 0])
    size = np.maximum(np.round(rng.lognormal(np.log(40.0), 1.1, market.size), 2), 1.0)
    ts = times[row] + rng.integers(0, step_ns, market.size)
    keep = ~np.isnan(price)
    frame = pl.DataFrame(
        {
            "ts": ts[keep],
            "token_id": token_ids[token[keep]].astype(str),
            "price": price[keep],
            "size": size[keep],
            "side": np.where(buy[keep], "BUY", "SELL"),
        }
    )
    return frame.cast(TRADE_COLUMNS).sort(["ts", "token_id"])


def _markets(layout: _Layout, wins: np.ndarray, times: np.ndarray, seed: int) -> list[Market]:
    """The `Market` objects: ids from hashes of (seed, number), questions from templates."""
    step_ns = int(times[1] - times[0]) if times.size > 1 else NS_PER_SECOND
    n_rows = times.size
    out = []
    for i in range(layout.start.size):
        cid = "0x" + _digest("alpha-arena-synth", seed, i)
        yes_id = str(int(_digest(cid, "yes")[:30], 16))
        no_id = str(int(_digest(cid, "no")[:30], 16))
        category = CATEGORIES[int(layout.category[i])]
        event = int(layout.event[i])
        start = from_ns(int(times[0]) + int(layout.start[i]) * step_ns)
        end = from_ns(int(times[0]) + int(layout.end[i]) * step_ns)
        if layout.end[i] >= n_rows:
            resolution = Resolution()
        elif layout.void[i]:
            resolution = Resolution(ResolutionState.VOID, None, end)
        else:
            resolution = Resolution(ResolutionState.RESOLVED, "Yes" if wins[i] else "No", end)
        if event < 0:
            question = f"Synthetic {category} question #{i}: will it happen?"
            slug = f"synth-{category}-{i}"
            event_id = None
        else:
            question = f"Synthetic {category} event #{event}: will outcome {i} win?"
            slug = f"synth-event-{event}-outcome-{i}"
            event_id = f"synth-event-{seed}-{event}"
        out.append(
            Market(
                condition_id=cid,
                question=question,
                tokens=(Token(yes_id, "Yes", cid), Token(no_id, "No", cid)),
                slug=slug,
                category=category,
                event_id=event_id,
                neg_risk=event >= 0,
                tick_size=float(layout.tick[i]),
                start_time=start,
                end_time=end,
                resolution=resolution,
                description=f"SYNTHETIC market from alpha_arena.data.generator (seed {seed}).",
            )
        )
    return out


def generate(
    seed: int = 0,
    n_markets: int = 20,
    n_events: int = 3,
    days: float = 3.0,
    step: float = 60.0,
    *,
    book_every: int = 5,
    levels: int = 5,
    start: datetime = SYNTH_ORIGIN,
) -> Dataset:
    """A synthetic Dataset: `n_markets` binary markets plus `n_events` neg-risk events.

    Each event has 3-12 outcome markets (exactly one wins). The grid runs `days` days in
    steps of `step` seconds; books (`levels` per side) come every `book_every` rows.
    The same arguments always give the same data set.
    """
    _check("seed", seed, isinstance(seed, int) and seed >= 0, "an int >= 0")
    _check("n_markets", n_markets, isinstance(n_markets, int) and n_markets >= 0, "an int >= 0")
    _check("n_events", n_events, isinstance(n_events, int) and n_events >= 0, "an int >= 0")
    _check("n_markets", n_markets, n_markets + n_events > 0, "at least one market or event")
    _check("step", step, isinstance(step, (int, float)) and step >= 1, "seconds >= 1")
    _check("days", days, isinstance(days, (int, float)) and days > 0, "a number of days > 0")
    _check("book_every", book_every, isinstance(book_every, int) and book_every >= 1, "an int >= 1")
    _check("levels", levels, isinstance(levels, int) and 1 <= levels <= 50, "an int in [1, 50]")
    step_ns = round(step * NS_PER_SECOND)
    n_rows = int(days * NS_PER_DAY // step_ns) + 1
    _check("days", days, n_rows >= 8, f"a span of at least 8 steps of {step}s")
    rng = np.random.default_rng(seed)
    times = to_ns(start, "start") + step_ns * np.arange(n_rows, dtype=np.int64)
    step_days = step_ns / NS_PER_DAY
    sizes = 3 + rng.binomial(9, 0.3, n_events)
    layout = _layout(rng, n_rows, n_markets, sizes)
    path, wins = _latent(rng, layout, n_rows, step_days)
    prob = _probabilities(path, layout)
    del path
    no_shift, baskets, episodes = _episodes(rng, layout, n_rows, step_days, times)
    prices = _prices(prob, layout, no_shift, baskets)
    del prob, no_shift
    tight = np.zeros((n_rows, 2 * layout.start.size), dtype=bool)
    for cols, first, end, _gap in baskets:
        tight[first:end, np.concatenate([2 * cols, 2 * cols + 1])] = True
    markets = _markets(layout, wins, times, seed)
    tokens = tokens_frame(markets)
    snaps = np.arange(0, n_rows, book_every)
    token_tick = np.repeat(layout.tick, 2)
    books = BookPanel(times[snaps], *_books(rng, prices[snaps], tight[snaps], token_tick, levels))
    trades = _trades(rng, layout, times, books, book_every, tokens.index.to_numpy())
    for episode in episodes:
        episode["markets"] = [markets[m].condition_id for m in episode["markets"]]
    return Dataset(
        markets=markets_frame(markets),
        tokens=tokens,
        times=times,
        prices=prices,
        books=books,
        trades=trades,
        source=f"synthetic (seed {seed})",
        synthetic=True,
        meta={
            "generator": {
                "seed": seed,
                "n_markets": n_markets,
                "n_events": n_events,
                "days": days,
                "step": step,
                "book_every": book_every,
                "levels": levels,
                "start": start.isoformat(),
            },
            "episodes": episodes,
        },
    )
