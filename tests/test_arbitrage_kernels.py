"""The basket-walk kernel against a slow pure-Python brute force, and its fill/profit properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.arbitrage.baskets import CROSS_VENUE, NEGRISK_BUY, NEGRISK_SELL, make_baskets
from alpha_arena.arbitrage.kernels import (
    BUY,
    PARALLEL_MIN_BASKETS,
    SELL,
    VENUE_KALSHI,
    VENUE_POLYMARKET,
    scan_baskets,
    scan_history,
)
from alpha_arena.arbitrage.scan import scan_arrays
from alpha_arena.errors import ValidationError
from alpha_arena.fees import KALSHI_TAKER_RATE, kalshi_fee, polymarket_fee


def random_books(seed: int, n_baskets: int, legs: int, levels: int, side: int):
    """Random best-first books for `n_baskets` baskets of `legs` legs, near the arb line."""
    rng = np.random.default_rng(seed)
    rows = n_baskets * legs
    px = np.full((rows, levels), np.nan)
    sz = np.zeros((rows, levels))
    target = rng.uniform(0.9, 1.04, n_baskets) if side == BUY else rng.uniform(0.96, 1.1, n_baskets)
    for b in range(n_baskets):
        shares = rng.dirichlet(np.ones(legs)) * target[b]
        for k in range(legs):
            r = b * legs + k
            depth = int(rng.integers(1, levels + 1))
            steps = np.cumsum(rng.integers(0, 4, depth)) * 0.01
            base = np.clip(np.round(shares[k], 2), 0.01, 0.99)
            prices = np.round(base + steps if side == BUY else base - steps, 2)
            prices = prices[(prices > 0.0) & (prices < 1.0)]
            prices = np.unique(prices) if side == BUY else np.unique(prices)[::-1]
            px[r, : prices.size] = prices
            sz[r, : prices.size] = rng.integers(1, 200, prices.size).astype(float)
            if rng.random() < 0.1:
                sz[r, 0] = 0.0
    rates = rng.choice([0.0, 0.03, 0.04, 0.05, 0.072], rows)
    venues = np.full(rows, VENUE_POLYMARKET, dtype=np.int64)
    if side == BUY and legs == 2:
        venues[1::2] = rng.integers(0, 2, n_baskets)
        rates[venues == VENUE_KALSHI] = KALSHI_TAKER_RATE
    return px, sz, rates, venues


def _unit(p: float, rate: float, venue: int, side: int) -> tuple[float, float]:
    """(set units per gross share, unrounded USDC per set unit) of a leg at price p."""
    if side == SELL:
        return 1.0, p - rate * p * (1 - p)
    if venue == VENUE_POLYMARKET:
        per = 1 - rate * (1 - p)
        return per, p / per
    return 1.0, p + rate * p * (1 - p)


def _levels(px: np.ndarray, sz: np.ndarray, row: int) -> list[tuple[float, float]]:
    out = []
    for p, s in zip(px[row], sz[row], strict=True):
        if not (0 < p < 1 and s > 0):
            break
        out.append((float(p), float(s)))
    return out


def _leg_value(levels, rate, venue, side, units):
    """Unrounded USDC of `units` set units on one leg, or None if the book is too thin."""
    total = 0.0
    for p, s in levels:
        per, value = _unit(p, rate, venue, side)
        take = min(units, s * per)
        total += take * value
        units -= take
        if units <= 1e-12:
            return total
    return None if units > 1e-9 else total


def _exact_fills(levels, rate, venue, side, units):
    """Exact (gross size, cash, fee, set units got) of `units` set units, with venue fees."""
    size = cash = fee_total = got = 0.0
    for p, s in levels:
        if units <= 1e-12:
            break
        per, _ = _unit(p, rate, venue, side)
        gross = s if s * per <= units * (1 + 1e-12) else units / per
        units -= min(units, gross * per)
        if venue == VENUE_KALSHI:
            fee = kalshi_fee(gross, p)
            cash += gross * p + fee
            got += gross
        else:
            charged = polymarket_fee(gross, p, "BUY" if side == BUY else "SELL", fee_rate=rate)
            fee = charged.value
            cash += gross * p - charged.usdc
            got += gross - charged.shares
        size += gross
        fee_total += fee
    return size, cash, fee_total, got


def brute_force(px, sz, rows, rates, venues, side, min_edge):
    """Best basket size by trying every level boundary of every leg (no greedy walk)."""
    books = [_levels(px, sz, r) for r in rows]
    if any(not b for b in books):
        return 0.0, 0.0, None
    caps = []
    for b, rate, venue in zip(books, rates, venues, strict=True):
        edges = np.cumsum([s * _unit(p, rate, venue, side)[0] for p, s in b])
        caps.append(edges)
    most = min(c[-1] for c in caps)
    candidates = sorted({0.0, most, *(float(e) for c in caps for e in c if e <= most)})
    best_n, best_gain = 0.0, 0.0
    for n in candidates:
        values = [
            _leg_value(b, r, v, side, n) for b, r, v in zip(books, rates, venues, strict=True)
        ]
        total = sum(values)
        gain = (n - total if side == BUY else total - n) - min_edge * n
        if gain > best_gain + 1e-9:
            best_n, best_gain = n, gain
    if best_n == 0.0:
        return 0.0, 0.0, None
    fills = [
        _exact_fills(b, r, v, side, best_n) for b, r, v in zip(books, rates, venues, strict=True)
    ]
    sets = min(f[3] for f in fills)
    cash = sum(f[1] for f in fills)
    return sets, (sets - cash if side == BUY else cash - sets), fills


@settings(deadline=None, max_examples=60)
@given(
    seed=st.integers(0, 2**32 - 1),
    legs=st.integers(2, 4),
    levels=st.integers(1, 5),
    side=st.sampled_from([BUY, SELL]),
    min_edge=st.sampled_from([0.0, 0.002, 0.01]),
)
def test_kernel_matches_brute_force(seed, legs, levels, side, min_edge):
    n = 8
    px, sz, rates, venues = random_books(seed, n, legs, levels, side)
    starts = np.arange(0, n * legs + 1, legs, dtype=np.int64)
    rows = np.arange(n * legs, dtype=np.int64)
    sets, profit, capital, leg_size, _, leg_cash, leg_fee = scan_baskets(
        px, sz, rows, rates, venues, starts, side, min_edge
    )
    for b in range(n):
        lo, hi = starts[b], starts[b + 1]
        want_sets, want_profit, fills = brute_force(
            px, sz, rows[lo:hi], rates[lo:hi], venues[lo:hi], side, min_edge
        )
        assert sets[b] == pytest.approx(want_sets, rel=1e-9, abs=1e-7)
        assert profit[b] == pytest.approx(want_profit, rel=1e-9, abs=1e-7)
        if fills is not None:
            assert leg_size[lo:hi] == pytest.approx([f[0] for f in fills], rel=1e-9, abs=1e-7)
            assert leg_cash[lo:hi] == pytest.approx([f[1] for f in fills], rel=1e-9, abs=1e-7)
            assert leg_fee[lo:hi] == pytest.approx([f[2] for f in fills], abs=1e-9)
            want_capital = sum(f[1] for f in fills) if side == BUY else want_sets
            assert capital[b] == pytest.approx(want_capital, rel=1e-9, abs=1e-7)


def _fillable(px_row, sz_row, leg, side) -> bool:
    """Whether `leg` fills entirely at prices no worse than its stated worst price."""
    ok = ~np.isnan(px_row) & (sz_row > 0)
    better = px_row <= leg["price"] if side == "BUY" else px_row >= leg["price"]
    return leg["price"] in px_row[ok] and leg["size"] <= sz_row[ok & better].sum() * (1 + 1e-12)


@settings(deadline=None, max_examples=40)
@given(
    seed=st.integers(0, 2**32 - 1),
    legs=st.integers(2, 4),
    levels=st.integers(1, 5),
    side=st.sampled_from([BUY, SELL]),
    min_edge=st.sampled_from([0.0, 0.005]),
)
def test_reported_opportunities_fill_and_add_up(seed, legs, levels, side, min_edge):
    n = 8
    px, sz, rates, venues = random_books(seed, n, legs, levels, side)
    row_legs = [
        [
            (b * legs + k, f"t{b}-{k}", rates[b * legs + k], venues[b * legs + k])
            for k in range(legs)
        ]
        for b in range(n)
    ]
    kind = (CROSS_VENUE if legs == 2 else NEGRISK_BUY) if side == BUY else NEGRISK_SELL
    baskets = make_baskets(kind, side, [f"b{b}" for b in range(n)], [None] * n, row_legs)
    row_of = {token: row for basket in row_legs for row, token, _, _ in basket}
    table = scan_arrays([baskets], px, sz, px, sz, time_ns=0, min_edge=min_edge)
    for _, opp in table.iterrows():
        assert opp["profit"] > 0
        assert opp["edge"] >= min_edge
        assert opp["fees"] >= 0
        got, cash = [], 0.0
        for leg in opp["legs"]:
            row = row_of[leg["token"]]
            assert _fillable(px[row], sz[row], leg, leg["side"])
            assert leg["fee"] >= 0
            book = _levels(px, sz, row)
            left = leg["size"]
            leg_cash = leg_got = 0.0
            for p, s in book:
                gross = min(left, s)
                if gross <= 1e-12:
                    break
                left -= gross
                if venues[row] == VENUE_KALSHI:
                    leg_cash += gross * p + kalshi_fee(gross, p)
                    leg_got += gross
                else:
                    charged = polymarket_fee(gross, p, leg["side"], fee_rate=rates[row])
                    leg_cash += gross * p - charged.usdc
                    leg_got += gross - charged.shares
            assert leg_cash == pytest.approx(leg["cash"], rel=1e-9, abs=1e-9)
            got.append(leg_got)
            cash += leg_cash
        sets = min(got)
        assert sets == pytest.approx(opp["size"], rel=1e-9, abs=1e-9)
        recomputed = sets - cash if side == BUY else cash - sets
        assert recomputed == pytest.approx(opp["profit"], rel=1e-9, abs=1e-9)
        assert opp["edge"] == pytest.approx(opp["profit"] / opp["size"])


def test_hand_worked_complement_buy():
    # YES asks 0.50 x 100; NO asks 0.45 x 100 then 0.60 x 50; politics fee rate 0.04.
    px = np.array([[0.50, np.nan], [0.45, 0.60]])
    sz = np.array([[100.0, 0.0], [100.0, 50.0]])
    rates = np.array([0.04, 0.04])
    venues = np.zeros(2, dtype=np.int64)
    starts = np.array([0, 2], dtype=np.int64)
    out = scan_baskets(px, sz, np.arange(2), rates, venues, starts, BUY, 0.0)
    sets, profit, capital, leg_size, leg_worst, _leg_cash, leg_fee = (x[0:2] for x in out)
    # NO is the thinner leg in received shares: 100 - 100*0.04*0.55 = 97.8 received.
    assert sets[0] == pytest.approx(97.8)
    # YES must deliver 97.8 too: 97.8 / (1 - 0.04*0.5) = 99.79591836... gross.
    assert leg_size[0] == pytest.approx(97.8 / 0.98)
    assert leg_size[1] == 100.0
    assert list(leg_worst) == [0.50, 0.45]
    yes_fee = round(99.79591836734694 * 0.04 * 0.25, 5)
    assert leg_fee[0] == pytest.approx(yes_fee)
    assert leg_fee[1] == pytest.approx(0.99)
    yes_got = 97.8 / 0.98 - yes_fee / 0.5
    assert sets[0] == pytest.approx(min(97.8, yes_got))
    assert capital[0] == pytest.approx(97.8 / 0.98 * 0.5 + 45.0)
    assert profit[0] == pytest.approx(sets[0] - capital[0])


def test_hand_worked_complement_sell_and_no_fee_market():
    # Bids 0.55 x 10 and 0.50 x 20: mint 10 sets for 10 USDC, sell both legs for 10.5.
    px = np.array([[0.55, 0.40], [0.50, 0.49]])
    sz = np.array([[10.0, 5.0], [20.0, 5.0]])
    starts = np.array([0, 2], dtype=np.int64)
    out = scan_baskets(
        px, sz, np.arange(2), np.zeros(2), np.zeros(2, dtype=np.int64), starts, SELL, 0.0
    )
    sets, profit, capital = out[0][0], out[1][0], out[2][0]
    assert sets == 10.0
    assert capital == 10.0
    assert profit == pytest.approx(0.5)
    assert out[6][0] == out[6][1] == 0.0


def test_no_opportunity_when_fees_eat_the_edge():
    # 0.50 + 0.49 < 1 before fees, but crypto fees (0.072) cost more than the 0.01 edge.
    px = np.array([[0.50], [0.49]])
    sz = np.array([[100.0], [100.0]])
    starts = np.array([0, 2], dtype=np.int64)
    rates = np.full(2, 0.072)
    out = scan_baskets(px, sz, np.arange(2), rates, np.zeros(2, dtype=np.int64), starts, BUY, 0.0)
    assert out[0][0] == 0.0
    assert out[1][0] == 0.0
    free = scan_baskets(
        px, sz, np.arange(2), np.zeros(2), np.zeros(2, dtype=np.int64), starts, BUY, 0.0
    )
    assert free[0][0] == 100.0
    assert free[1][0] == pytest.approx(1.0)


def test_kalshi_leg_pays_fee_in_usdc_ceiled_to_the_cent():
    px = np.array([[0.40], [0.50]])
    sz = np.array([[10.0], [10.0]])
    starts = np.array([0, 2], dtype=np.int64)
    venues = np.array([VENUE_POLYMARKET, VENUE_KALSHI], dtype=np.int64)
    rates = np.array([0.0, KALSHI_TAKER_RATE])
    out = scan_baskets(px, sz, np.arange(2), rates, venues, starts, BUY, 0.0)
    # Kalshi fee on 10 contracts at 0.50: ceil(0.07 * 10 * 0.25 * 100) / 100 = 0.18.
    assert out[6][1] == pytest.approx(0.18)
    assert out[5][1] == pytest.approx(5.18)
    assert out[1][0] == pytest.approx(10 - 4.0 - 5.18)
    assert math.isclose(out[0][0], 10.0)


def test_parallel_scan_of_many_baskets_equals_scans_of_small_chunks():
    n = PARALLEL_MIN_BASKETS + 88
    px, sz, rates, venues = random_books(3, n, 2, 4, BUY)
    rows = np.arange(2 * n, dtype=np.int64)
    starts = np.arange(0, 2 * n + 1, 2, dtype=np.int64)
    whole = scan_baskets(px, sz, rows, rates, venues, starts, BUY, 0.0)
    assert (whole[0] > 0).sum() > 50
    half = n // 2
    parts = [
        scan_baskets(px, sz, rows[2 * lo : 2 * hi], rates[2 * lo : 2 * hi],
                     venues[2 * lo : 2 * hi], starts[: hi - lo + 1], BUY, 0.0)
        for lo, hi in ((0, half), (half, n))
    ]  # fmt: skip
    for got, a, b in zip(whole, *parts, strict=True):
        np.testing.assert_array_equal(got, np.concatenate([a, b]))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rows": np.array([0, 2])}, "leg_rows"),
        ({"rates": np.array([0.04, np.nan])}, "leg_rates"),
        ({"venues": np.array([0, 7])}, "leg_venues"),
        ({"starts": np.array([0, 3])}, "starts"),
        ({"side": 2}, "side"),
        ({"min_edge": 1.5}, "min_edge"),
        ({"sz": np.ones((2, 3))}, "books"),
    ],
)
def test_bad_kernel_inputs_are_refused_by_name(change, field):
    args = {
        "px": np.full((2, 2), 0.4),
        "sz": np.ones((2, 2)),
        "rows": np.arange(2),
        "rates": np.full(2, 0.04),
        "venues": np.zeros(2, dtype=np.int64),
        "starts": np.array([0, 2]),
        "side": BUY,
        "min_edge": 0.0,
    } | change
    with pytest.raises(ValidationError, match=field):
        scan_baskets(*args.values())


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), side=st.sampled_from([BUY, SELL]))
def test_history_kernel_equals_a_scan_per_snapshot(seed, side):
    n, legs, times = 6, 3, 4
    books = [random_books(seed + t, n, legs, 4, side) for t in range(times)]
    px = np.stack([b[0] for b in books])
    sz = np.stack([b[1] for b in books])
    _, _, rates, venues = books[0]
    rows = np.arange(n * legs, dtype=np.int64)
    starts = np.arange(0, n * legs + 1, legs, dtype=np.int64)
    sets, profit, capital = scan_history(px, sz, rows, rates, venues, starts, side, 0.0)
    for t in range(times):
        one = scan_baskets(px[t], sz[t], rows, rates, venues, starts, side, 0.0)
        np.testing.assert_array_equal(sets[t], one[0])
        np.testing.assert_array_equal(profit[t], one[1])
        np.testing.assert_array_equal(capital[t], one[2])
    with pytest.raises(ValidationError, match="books"):
        scan_history(px[0], sz[0], rows, rates, venues, starts, side, 0.0)
