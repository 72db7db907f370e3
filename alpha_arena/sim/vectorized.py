"""The vectorized portfolio simulator: explicit orders or target positions over a price panel.

One numba pass over (time × tokens) with the same no-book fill model, venue fees and
resolution payouts as `SimBroker`, for parameter sweeps where the event engine is too slow.
Rules, per row t in time order:

1. positions of markets resolved at or before t pay `payout` per share and close;
2. marks take the row's prices (NaN keeps the last);
3. `cash_open[t]`, `equity_open[t]` record the account entering t (the engine's convention);
4. orders of row t run in token order: buys fill at the bar ask (price + half spread, rounded
   up to the tick), sells at the bar bid, at most `depth` shares, buys capped by the cash
   (no leverage), sells by the shares held (no shorts); orders worth less than `min_usdc`,
   or on a token whose market is not open (or has no price), are skipped;
5. `cash[t]`, `equity[t]` record the account after them (vectorbt's convention).

Fees: Polymarket taker fees by default (in shares on buys, USDC on sells, rounded as the
venue does), or `flat_fee`, a fraction of the traded value charged in USDC on both sides
(vectorbt's `fees`). `cash_sharing=False` runs every token column as its own account with
`cash` each (columns are independent strategies; parallel over columns).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit, prange

from alpha_arena.data import Dataset
from alpha_arena.data.dataset import NEVER
from alpha_arena.errors import ValidationError
from alpha_arena.fees import fee_rates_for, pm_buy_fee_shares, pm_taker_fee
from alpha_arena.sim.config import SimConfig
from alpha_arena.sim.kernels import bar_quote

if TYPE_CHECKING:
    from alpha_arena.strategy import Strategy

_DUST = 1e-9


@dataclass(frozen=True, eq=False)
class VectorResult:
    """Paths and final state of one vectorized simulation.

    With cash sharing the paths are (T,); without, (T, N) (one account per column).
    `shares` is the final position per token; `fees` the fee value paid per token (USDC);
    `trades` the number of fills per token.
    """

    cash_open: np.ndarray
    equity_open: np.ndarray
    cash: np.ndarray
    equity: np.ndarray
    shares: np.ndarray
    fees: np.ndarray
    trades: np.ndarray

    @property
    def final_cash(self) -> float | np.ndarray:
        """Cash after the last row."""
        return self.cash[-1]

    @property
    def final_equity(self) -> float | np.ndarray:
        """Equity after the last row."""
        return self.equity[-1]


@njit(cache=True)
def _quote(price: float, half: float, tick: float) -> tuple[float, float]:
    """(bid, ask) around a bar price: `bar_quote` on a tick, unrounded when tick is 0."""
    if tick > 0.0:
        return bar_quote(price, half, tick)
    return max(price - half, 0.0), min(price + half, 1.0)


@njit(cache=True)
def _trade(
    want: float,
    price: float,
    cash: float,
    held: float,
    half: float,
    tick: float,
    depth: float,
    fee_rate: float,
    fee_exponent: float,
    flat_fee: float,
    min_usdc: float,
) -> tuple[float, float, float]:
    """(cash change, share change, fee value) of one order of `want` shares (sign = side)."""
    bid, ask = _quote(price, half, tick)
    if want > 0.0:
        if cash <= _DUST or not ask > 0.0 or want * ask < min_usdc - _DUST:
            return 0.0, 0.0, 0.0
        unit = ask * (1.0 + flat_fee) if flat_fee >= 0.0 else ask
        q = min(want, depth, cash / unit)
        if q <= 0.0:
            return 0.0, 0.0, 0.0
        if flat_fee >= 0.0:
            fee = q * ask * flat_fee
            return -(q * ask + fee), q, fee
        fee_shares = pm_buy_fee_shares(q, ask, fee_rate, fee_exponent)
        return -q * ask, q - fee_shares, fee_shares * ask
    if math.isnan(bid) or -want * bid < min_usdc - _DUST:
        return 0.0, 0.0, 0.0
    q = min(-want, held, depth)
    if q <= 0.0:
        return 0.0, 0.0, 0.0
    flat = flat_fee >= 0.0
    fee = q * bid * flat_fee if flat else pm_taker_fee(q, bid, fee_rate, fee_exponent)
    return q * bid - fee, -q, fee


@njit(cache=True)
def _settle_and_mark(
    t: int,
    i: int,
    times: np.ndarray,
    prices: np.ndarray,
    resolve: np.ndarray,
    payout: np.ndarray,
    settled: np.ndarray,
    shares: np.ndarray,
    marks: np.ndarray,
) -> float:
    """Pay out token i if its market resolved by times[t]; update its mark; return the cash."""
    paid = 0.0
    if not settled[i] and resolve[i] <= times[t] and not math.isnan(payout[i]):
        settled[i] = True
        paid = shares[i] * payout[i]
        shares[i] = 0.0
    p = prices[t, i]
    if not math.isnan(p):
        marks[i] = p
    return paid


@njit(cache=True)
def _open_at(
    t: int,
    i: int,
    times: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    resolve: np.ndarray,
    settled: np.ndarray,
) -> bool:
    """True when token i's market accepts orders at row t."""
    now = times[t]
    return start[i] <= now and now < end[i] and now < resolve[i] and not settled[i]


@njit(cache=True)
def _run_shared(
    prices, amounts, is_target, times, cash0, half, tick, depth, fee_rate, fee_exponent,
    flat_fee, min_usdc, start, end, resolve, payout,
):  # fmt: skip
    """One account over all tokens: rows in time order, tokens in column order per row."""
    T, N = prices.shape
    cash_open = np.empty(T)
    equity_open = np.empty(T)
    cash_path = np.empty(T)
    equity = np.empty(T)
    shares = np.zeros(N)
    marks = np.full(N, np.nan)
    settled = np.zeros(N, dtype=np.bool_)
    fees = np.zeros(N)
    trades = np.zeros(N, dtype=np.int64)
    cash = cash0
    for t in range(T):
        value = 0.0
        for i in range(N):
            cash += _settle_and_mark(t, i, times, prices, resolve, payout, settled, shares, marks)
            if shares[i] != 0.0 and not math.isnan(marks[i]):
                value += shares[i] * marks[i]
        if abs(cash) <= _DUST:
            cash = 0.0
        cash_open[t] = cash
        equity_open[t] = cash + value
        for i in range(N):
            a = amounts[t, i]
            if math.isnan(a):
                continue
            want = a - shares[i] if is_target else a
            if want == 0.0 or math.isnan(prices[t, i]):
                continue
            if not _open_at(t, i, times, start, end, resolve, settled):
                continue
            dc, ds, fee = _trade(
                want, prices[t, i], cash, shares[i], half[i], tick[i], depth,
                fee_rate[i], fee_exponent, flat_fee, min_usdc,
            )  # fmt: skip
            if ds == 0.0:
                continue
            cash += dc
            if abs(cash) <= _DUST:
                cash = 0.0
            left = shares[i] + ds
            if abs(left) <= _DUST:
                left = 0.0
            value += (left - shares[i]) * marks[i]
            shares[i] = left
            fees[i] += fee
            trades[i] += 1
        cash_path[t] = cash
        equity[t] = cash + value
    return cash_open, equity_open, cash_path, equity, shares, fees, trades


@njit(cache=True, parallel=True)
def _run_columns(
    prices, amounts, is_target, times, cash0, half, tick, depth, fee_rate, fee_exponent,
    flat_fee, min_usdc, start, end, resolve, payout,
):  # fmt: skip
    """One account per token column, columns in parallel; paths built (N, T), returned (T, N)."""
    T, N = prices.shape
    cash_open = np.empty((N, T))
    equity_open = np.empty((N, T))
    cash_path = np.empty((N, T))
    equity = np.empty((N, T))
    shares = np.zeros(N)
    marks = np.full(N, np.nan)
    settled = np.zeros(N, dtype=np.bool_)
    fees = np.zeros(N)
    trades = np.zeros(N, dtype=np.int64)
    for i in prange(N):
        cash = cash0
        for t in range(T):
            cash += _settle_and_mark(t, i, times, prices, resolve, payout, settled, shares, marks)
            if abs(cash) <= _DUST:
                cash = 0.0
            value = 0.0
            if shares[i] != 0.0 and not math.isnan(marks[i]):
                value = shares[i] * marks[i]
            cash_open[i, t] = cash
            equity_open[i, t] = cash + value
            a = amounts[t, i]
            if not math.isnan(a) and not math.isnan(prices[t, i]):
                want = a - shares[i] if is_target else a
                if want != 0.0 and _open_at(t, i, times, start, end, resolve, settled):
                    dc, ds, fee = _trade(
                        want, prices[t, i], cash, shares[i], half[i], tick[i], depth,
                        fee_rate[i], fee_exponent, flat_fee, min_usdc,
                    )  # fmt: skip
                    if ds != 0.0:
                        cash += dc
                        if abs(cash) <= _DUST:
                            cash = 0.0
                        left = shares[i] + ds
                        if abs(left) <= _DUST:
                            left = 0.0
                        shares[i] = left
                        fees[i] += fee
                        trades[i] += 1
                        value = left * marks[i] if left != 0.0 else 0.0
            cash_path[i, t] = cash
            equity[i, t] = cash + value
    return cash_open.T, equity_open.T, cash_path.T, equity.T, shares, fees, trades


def _per_token(value: float | np.ndarray | None, n: int, name: str, default: float) -> np.ndarray:
    if value is None:
        return np.full(n, default)
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        array = np.full(n, float(array))
    if array.shape != (n,):
        raise ValidationError(name, f"a number or {n} per-token values", array.shape)
    if not np.all(np.isfinite(array)) and name != "payout":
        raise ValidationError(name, "finite values", array)
    return np.ascontiguousarray(array)


def _ns_per_token(value: np.ndarray | None, n: int, name: str, default: int) -> np.ndarray:
    if value is None:
        return np.full(n, default, dtype=np.int64)
    array = np.ascontiguousarray(value, dtype=np.int64)
    if array.shape != (n,):
        raise ValidationError(name, f"{n} int64 ns times", array.shape)
    return array


def simulate_arrays(
    prices: np.ndarray,
    *,
    orders: np.ndarray | None = None,
    targets: np.ndarray | None = None,
    cash: float = 10_000.0,
    half_spread: float | np.ndarray = 0.0,
    tick: float | np.ndarray = 0.0,
    depth: float = math.inf,
    fee_rate: float | np.ndarray = 0.0,
    fee_exponent: float = 1.0,
    flat_fee: float | None = None,
    min_usdc: float = 0.0,
    times: np.ndarray | None = None,
    start_ns: np.ndarray | None = None,
    end_ns: np.ndarray | None = None,
    resolve_ns: np.ndarray | None = None,
    payout: np.ndarray | None = None,
    cash_sharing: bool = True,
) -> VectorResult:
    """Simulate signed share `orders` (or `targets`, shares to hold) over a (T, N) price panel.

    NaN in `orders`/`targets` means no order. `tick` 0 disables tick rounding of the quotes.
    Without `times`, rows are numbered 0..T−1 and the market windows default to always open.
    """
    px = np.ascontiguousarray(prices, dtype=np.float64)
    if px.ndim != 2:
        raise ValidationError("prices", "a (time, token) 2-D array", px.shape)
    if (orders is None) == (targets is None):
        raise ValidationError("orders", "exactly one of orders or targets", None)
    amounts = np.ascontiguousarray(orders if orders is not None else targets, dtype=np.float64)
    if amounts.shape != px.shape:
        raise ValidationError(
            "orders" if orders is not None else "targets", f"shape {px.shape}", amounts.shape
        )
    if not (math.isfinite(cash) and cash >= 0):
        raise ValidationError("cash", "a finite amount of USDC >= 0", cash)
    if not depth > 0:
        raise ValidationError("depth", "shares > 0", depth)
    if flat_fee is not None and not (math.isfinite(flat_fee) and 0 <= flat_fee < 1):
        raise ValidationError("flat_fee", "a fraction in [0, 1)", flat_fee)
    T, N = px.shape
    if times is None:
        times = np.arange(T, dtype=np.int64)
    times = np.ascontiguousarray(times, dtype=np.int64)
    if times.shape != (T,):
        raise ValidationError("times", f"{T} int64 ns times", times.shape)
    kernel = _run_shared if cash_sharing else _run_columns
    out = kernel(
        px,
        amounts,
        targets is not None,
        times,
        float(cash),
        _per_token(half_spread, N, "half_spread", 0.0),
        _per_token(tick, N, "tick", 0.0),
        float(depth),
        _per_token(fee_rate, N, "fee_rate", 0.0),
        float(fee_exponent),
        -1.0 if flat_fee is None else float(flat_fee),
        float(min_usdc),
        _ns_per_token(start_ns, N, "start_ns", np.iinfo(np.int64).min),
        _ns_per_token(end_ns, N, "end_ns", NEVER),
        _ns_per_token(resolve_ns, N, "resolve_ns", NEVER),
        _per_token(payout, N, "payout", math.nan),
    )
    return VectorResult(*out)


def simulate(
    data: Dataset,
    *,
    orders: np.ndarray | None = None,
    targets: np.ndarray | None = None,
    cash: float = 10_000.0,
    config: SimConfig | None = None,
    flat_fee: float | None = None,
    cash_sharing: bool = True,
) -> VectorResult:
    """Simulate orders or target positions over a Dataset's price panel, with its markets'
    ticks, hours, fee rates and resolution payouts, and `config`'s spread, depth and fees.

    This is `SimBroker`'s no-book model at zero latency: with the same orders the two agree
    (tests/test_sim_vectorized.py checks it to 1e-9).
    """
    config = config or SimConfig()
    if config.fees and flat_fee is None:
        rates = fee_rates_for(data.markets)[data.token_market]
    else:
        rates = np.zeros(data.n_tokens)
    return simulate_arrays(
        data.prices,
        orders=orders,
        targets=targets,
        cash=cash,
        half_spread=config.default_spread / 2.0,
        tick=data.tick,
        depth=config.bar_depth,
        fee_rate=rates,
        fee_exponent=config.fee_exponent,
        flat_fee=flat_fee,
        min_usdc=config.min_marketable_usdc,
        times=data.times,
        start_ns=data.start_ns,
        end_ns=data.end_ns,
        resolve_ns=data.resolve_ns,
        payout=data.payout,
        cash_sharing=cash_sharing,
    )


def simulate_signals(
    strategy: Strategy,
    data: Dataset,
    *,
    cash: float = 10_000.0,
    config: SimConfig | None = None,
    cash_sharing: bool = True,
) -> VectorResult:
    """Run a strategy's vectorized form: its `signals(data)` target shares, simulated.

    For sweeps over parameters: build one strategy per parameter set and call this for
    each (joblib parallelizes it); the event engine remains the reference for fills.
    """
    targets = strategy.signals(data)
    if targets is None:
        raise ValidationError(
            "strategy", "a strategy whose signals(data) returns target shares", type(strategy)
        )
    return simulate(data, targets=targets, cash=cash, config=config, cash_sharing=cash_sharing)
