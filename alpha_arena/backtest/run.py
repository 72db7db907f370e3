"""`backtest()`: replay a data set through the engine with a SimBroker and collect the results.

The same `Engine`, `Strategy` and `RiskManager` objects run live; here the feed is a
`HistoricalFeed` and the broker a `SimBroker`. With `out`, the run's files go there:
metrics.db and decisions.jsonl (the `MetricsLogger`), stats.json, equity.csv, trades.csv,
orders.csv and positions.csv.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from alpha_arena.backtest.defaults import DEFAULT_LATENCY_MS, DEFAULT_STRATEGY
from alpha_arena.backtest.inputs import check_number, resolve_data, resolve_strategy
from alpha_arena.backtest.result import (
    BacktestResult,
    equity_frame,
    orders_frame,
    trades_frame,
)
from alpha_arena.data import Dataset
from alpha_arena.engine import Engine, HistoricalFeed, RunRecord
from alpha_arena.errors import ValidationError
from alpha_arena.risk import RiskLimits, RiskManager
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.strategy import Strategy
from alpha_arena.timeutil import from_ns
from alpha_arena.types import OrderStatus

if TYPE_CHECKING:
    from alpha_arena.sim.portfolio import Portfolio


PNL_EVERY_S = 300.0
"""Seconds between PnL snapshots in metrics.db (the equity path itself is kept per step)."""


def new_run_id(strategy: str, now: datetime | None = None) -> str:
    """`YYYYmmdd-HHMMSS-<strategy>` in UTC: sortable, readable, one per second."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in strategy)
    return f"{stamp}-{safe}"


def backtest(
    strategy: Strategy | str = DEFAULT_STRATEGY,
    data: Dataset | str | Path = "sample",
    *,
    capital: float = 10_000.0,
    days: float | None = None,
    markets: int | Iterable[str] | None = None,
    latency_ms: float = DEFAULT_LATENCY_MS,
    seed: int = 0,
    out: str | Path | None = None,
    progress: bool = False,
    params: Mapping[str, Any] | None = None,
    sim: SimConfig | None = None,
    risk: RiskLimits | RiskManager | None = None,
    run_id: str | None = None,
) -> BacktestResult:
    """Backtest a strategy on historical (or the bundled synthetic) data.

    - `strategy`: a Strategy instance, or a registered name (`momentum`, ...) with `params`
      (CLI-style strings are converted to the field types).
    - `data`: a Dataset, `"sample"` or a data store path; `days` keeps the last N days,
      `markets` a count (the first N) or market ids / slugs / event ids.
    - `capital`: starting USDC; `latency_ms`: decision-to-book delay; `sim`: other fill
      assumptions (its latency is replaced by `latency_ms`); `risk`: limits for the gate.
    - `seed`: passed to strategies with a `seed` parameter, recorded with the run.
    - `out`: directory for the run's files (nothing is written when None).
    """
    capital = float(check_number("capital", capital, low=0.0, allow_equal=False))
    latency_ms = check_number("latency_ms", latency_ms, low=0.0)
    seed = int(check_number("seed", seed, low=0, integer=True))
    if sim is not None and not isinstance(sim, SimConfig):
        raise ValidationError("sim", "a SimConfig", sim)
    gate = _risk_manager(risk)
    instance = resolve_strategy(strategy, params, seed)
    dataset = resolve_data(data, days=days, markets=markets)
    name = instance.name or type(instance).__name__
    run_id = run_id or new_run_id(name)
    config = _replace_latency(sim or SimConfig(), latency_ms)

    run_dir = Path(out) if out is not None else None
    logger = None
    if run_dir is not None:
        from alpha_arena.metrics import MetricsLogger

        run_dir.mkdir(parents=True, exist_ok=True)
        logger = MetricsLogger(
            run_dir,
            run_id=run_id,
            mode="backtest",
            strategy=name,
            params=instance.params(),
            data_source=dataset.source,
            config={"capital": capital, "latency_ms": latency_ms, "seed": seed, "days": days},
            pnl_every_s=PNL_EVERY_S,
        )
    broker = SimBroker(dataset, cash=capital, config=config)
    if logger is not None:
        logger.attach(broker.portfolio)
    sink = _Recorder(broker.portfolio, logger)
    engine = Engine(HistoricalFeed(dataset), instance, broker, risk=gate, sink=sink)
    started = time.perf_counter()
    try:
        record = engine.run(progress=progress)
        elapsed = time.perf_counter() - started
        stats = _stats(record, broker, dataset, capital, sink.locked)
        stats["run"] = _run_info(dataset, record, capital, latency_ms, seed, elapsed)
        if logger is not None:
            logger.finish(stats)
    finally:
        if logger is not None:
            logger.close()
    result = BacktestResult(
        run_id=run_id,
        strategy=name,
        params=instance.params(),
        stats=stats,
        equity=equity_frame(record),
        trades=trades_frame(record.fills, broker.fill_models, dataset),
        orders=orders_frame(record.orders),
        positions=_positions(broker, dataset),
        record=record,
        dataset=dataset,
    )
    if run_dir is not None:
        result.write(run_dir)
    return result


def _risk_manager(risk: RiskLimits | RiskManager | None) -> RiskManager:
    if risk is None:
        return RiskManager()
    if isinstance(risk, RiskManager):
        return risk
    if isinstance(risk, RiskLimits):
        return RiskManager(risk)
    raise ValidationError("risk", "RiskLimits, a RiskManager or None", risk)


def _replace_latency(config: SimConfig, latency_ms: float) -> SimConfig:
    from dataclasses import replace

    return replace(config, latency_ms=float(latency_ms))


def _positions(broker: SimBroker, data: Dataset):
    frame = broker.portfolio.positions()
    tokens = data.tokens.loc[frame.index, ["market_id", "outcome"]]
    return tokens.join(frame)


def _run_info(
    data: Dataset, record: RunRecord, capital: float, latency_ms: float, seed: int, elapsed: float
) -> dict[str, Any]:
    steps = int(record.times.size)
    return {
        "data_source": data.source,
        "synthetic": data.synthetic,
        "markets": data.n_markets,
        "tokens": data.n_tokens,
        "start": from_ns(int(data.times[0])).isoformat(),
        "end": from_ns(int(data.times[-1])).isoformat(),
        "steps": steps,
        "capital": capital,
        "latency_ms": latency_ms,
        "seed": seed,
        "seconds": round(elapsed, 3),
        "market_updates_per_second": (
            float(steps * data.n_markets / elapsed) if elapsed > 0 else float("nan")
        ),
    }


class _Recorder:
    """The engine's sink in a backtest: keeps the capital locked awaiting resolution at every
    step (for the statistics) and forwards every event to the metrics logger, if any."""

    def __init__(self, portfolio: Portfolio, logger: Any | None) -> None:
        self._portfolio = portfolio
        self._logger = logger
        self.locked: list[float] = []

    def equity(self, t_ns: int, cash: float, equity: float) -> None:
        self.locked.append(self._portfolio.locked_capital(t_ns))
        if self._logger is not None:
            self._logger.equity(t_ns, cash, equity)

    def __getattr__(self, name: str) -> Any:
        """order, fill, settlement, decision, flush: the logger's, or nothing without one."""
        if self._logger is None:
            return lambda *args, **kwargs: None
        return getattr(self._logger, name)


def _stats(
    record: RunRecord, broker: SimBroker, data: Dataset, capital: float, locked: list[float]
) -> dict[str, Any]:
    """Performance, forecast quality, edge gap and fill-model notes of one run."""
    from alpha_arena import metrics

    stats: dict[str, Any] = metrics.performance_stats(
        record.times,
        record.equity,
        capital=capital,
        fills=record.fills,
        settlements=record.settlements,
        positions_value=record.positions_value,
        locked=np.asarray(locked),
        final_values=_final_values(broker),
    )
    stats["capital_locked"] = broker.portfolio.locked_capital()
    stats["forecast"] = metrics.score_forecasts(record.forecasts, data)
    stats["edge_gap"] = metrics.edge_gap(record.fills, record.orders, data)
    stats["fill_model"] = {
        "counts": broker.fill_model_counts(),
        "notes": broker.fill_model_notes(),
    }
    stats["orders"] = len(record.orders)
    stats["rejected_orders"] = sum(o.status is OrderStatus.REJECTED for o in record.orders)
    return stats


def _final_values(broker: SimBroker) -> dict[str, float]:
    """Each held token's marked value at the end (open positions count in win rate)."""
    positions = broker.portfolio.positions()
    return {str(k): float(v) for k, v in positions["value"].items() if v != 0.0}
