"""Lookahead analysis: does a strategy decide differently when the future is cut off?

A strategy that only uses what was knowable at each moment makes exactly the same
decisions up to time c whether or not the data goes on after c. `lookahead` runs the
strategy once on the full data and once per cut on the data truncated at that cut, and
reports every decision, order or forecast at or before a cut that changed. Typical
catches: a non-causal `ctx.precompute` function (centred windows, full-sample
normalisation), reading the dataset past `ctx.k`, or a simulator that fills with
future prices.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from alpha_arena.backtest.defaults import DEFAULT_LATENCY_MS
from alpha_arena.backtest.inputs import check_number, resolve_data, resolve_strategy
from alpha_arena.data import Dataset
from alpha_arena.engine import Engine, HistoricalFeed, RunRecord
from alpha_arena.errors import ValidationError
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.strategy import Strategy
from alpha_arena.timeutil import TimeLike, from_ns, to_ns


@dataclass(frozen=True)
class Difference:
    """One thing at or before `cut` that differs between the full and the truncated run."""

    cut: datetime
    time: datetime
    kind: str
    full: str
    truncated: str

    def __str__(self) -> str:
        return (
            f"cut {self.cut.isoformat()}: {self.kind} at {self.time.isoformat()} differs\n"
            f"    full data: {self.full}\n    truncated: {self.truncated}"
        )


@dataclass
class LookaheadReport:
    """The cuts tried, how many decisions/orders/forecasts were compared, what differed."""

    strategy: str
    cuts: list[datetime]
    compared: dict[str, int]
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing before any cut changed."""
        return not self.differences

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {kind}s" for kind, n in self.compared.items())
        head = f"lookahead check of {self.strategy}: {len(self.cuts)} cuts, compared {counts}: " + (
            "no lookahead found" if self.ok else f"{len(self.differences)} differences"
        )
        return "\n".join([head, *(str(d) for d in self.differences)])


def _trace(record: RunRecord) -> dict[str, list[tuple[int, str]]]:
    """(time, fingerprint) of every decision, order and forecast of a run.

    Only what is fixed at decision time is fingerprinted (an order's later status depends
    on data after it, by design).
    """
    decisions = [
        (
            d.t_ns,
            f"status={d.status} {d.error} balance={d.balance!r} equity={d.equity!r} "
            f"positions={d.positions} orders={d.signals_generated}/{d.signals_executed} "
            f"signals={d.signals!r}",
        )
        for d in record.decisions
    ]
    orders = [
        (
            to_ns(o.created_at),
            f"{o.side.value} {o.token_id} {o.order_type.value} size={o.size!r} "
            f"price={o.price!r} usdc={o.notional!r}",
        )
        for o in record.orders
    ]
    forecasts = [(f.t_ns, f"{f.token_id} p={f.probability!r}") for f in record.forecasts]
    return {"decision": decisions, "order": orders, "forecast": forecasts}


def _compare(
    cut_ns: int, full: list[tuple[int, str]], cut: list[tuple[int, str]], kind: str, limit: int
) -> list[Difference]:
    before_full = [item for item in full if item[0] <= cut_ns]
    before_cut = [item for item in cut if item[0] <= cut_ns]
    found: list[Difference] = []
    for i in range(max(len(before_full), len(before_cut))):
        a = before_full[i] if i < len(before_full) else None
        b = before_cut[i] if i < len(before_cut) else None
        if a == b:
            continue
        when = (a or b)[0]
        found.append(
            Difference(
                from_ns(cut_ns),
                from_ns(when),
                kind,
                a[1] if a else "(nothing)",
                b[1] if b else "(nothing)",
            )
        )
        if len(found) >= limit:
            break
    return found


def _cut_times(data: Dataset, cuts: int | Iterable[TimeLike]) -> list[int]:
    times = data.times
    if isinstance(cuts, int) and not isinstance(cuts, bool):
        check_number("cuts", cuts, low=1, integer=True)
        if times.size < cuts + 1:
            raise ValidationError("cuts", f"fewer cuts than grid rows ({times.size})", cuts)
        rows = np.unique(np.linspace(0, times.size - 1, cuts + 2).round().astype(int)[1:-1])
        return [int(times[r]) for r in rows]
    chosen = sorted(to_ns(c, "cuts") for c in cuts)
    if not chosen:
        raise ValidationError("cuts", "a count or at least one time", cuts)
    for c in chosen:
        if not times[0] <= c < times[-1]:
            raise ValidationError(
                "cuts", f"times inside the data ({from_ns(int(times[0]))} ..)", from_ns(c)
            )
    return chosen


def _run(strategy: Strategy, data: Dataset, capital: float, config: SimConfig) -> RunRecord:
    broker = SimBroker(data, cash=capital, config=config)
    return Engine(HistoricalFeed(data), strategy, broker, on_error="log").run()


def lookahead(
    strategy: Strategy | str,
    data: Dataset | str,
    cuts: int | Iterable[TimeLike] = 3,
    *,
    params: Mapping[str, Any] | None = None,
    capital: float = 10_000.0,
    latency_ms: float = DEFAULT_LATENCY_MS,
    days: float | None = None,
    markets: int | Iterable[str] | None = None,
    limit: int = 5,
) -> LookaheadReport:
    """Rerun `strategy` on `data` truncated at each cut and report decisions that changed.

    `cuts` is a number of evenly spaced cut times or the times themselves. Each run gets a
    fresh copy of the strategy (instances are deep-copied before their first run).
    Strategy exceptions are recorded as decisions with status "error", so one that only
    happens on truncated data (reading past the end) shows up as a difference.
    `limit` caps the differences reported per cut and kind.
    """
    template = resolve_strategy(strategy, params, 0)
    dataset = resolve_data(data, days=days, markets=markets)
    capital = float(check_number("capital", capital, low=0.0, allow_equal=False))
    config = SimConfig(latency_ms=float(check_number("latency_ms", latency_ms, low=0.0)))
    cut_ns = _cut_times(dataset, cuts)
    full = _trace(_run(copy.deepcopy(template), dataset, capital, config))
    report = LookaheadReport(
        strategy=template.name or type(template).__name__,
        cuts=[from_ns(c) for c in cut_ns],
        compared=dict.fromkeys(full, 0),
    )
    for c in cut_ns:
        truncated = _trace(_run(copy.deepcopy(template), dataset.window(end=c), capital, config))
        for kind, items in full.items():
            report.compared[kind] += sum(1 for t, _ in items if t <= c)
            report.differences.extend(_compare(c, items, truncated[kind], kind, limit))
    return report
