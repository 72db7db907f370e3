"""The event loop shared by backtests and the live runner.

Each snapshot: advance the broker to now (fills, settlements), mark the book of positions,
update the risk gate, let the strategy decide, and send its orders through the gate to the
broker. Only the feed and the broker differ between a backtest and live trading.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from alpha_arena.data import Dataset
from alpha_arena.engine.broker import Broker
from alpha_arena.engine.feed import Feed, Snapshot
from alpha_arena.errors import ValidationError
from alpha_arena.risk import OrderRisk, RiskManager
from alpha_arena.strategy.base import Strategy
from alpha_arena.strategy.context import Context
from alpha_arena.types import BrokerEvents, Fill, Order, OrderStatus, Settlement, Side


@dataclass(slots=True)
class Decision:
    """One decision point: the account before it and what the strategy did."""

    t_ns: int
    iteration: int
    balance: float
    equity: float
    positions: int
    markets: int
    signals_generated: int
    signals_executed: int
    status: Literal["ok", "error", "halted", "skipped"]
    error: str = ""
    latency_ms: float = 0.0
    signals: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Forecast:
    """A probability the strategy stated for a token, with the market price at that time."""

    t_ns: int
    token_id: str
    probability: float
    market_price: float


@dataclass
class RunRecord:
    """Everything a run produced, in memory: the raw material of results and reports."""

    times: np.ndarray
    equity: np.ndarray
    cash: np.ndarray
    positions_value: np.ndarray
    orders: list[Order]
    fills: list[Fill]
    settlements: list[Settlement]
    decisions: list[Decision]
    forecasts: list[Forecast]


class Engine:
    """Drives one strategy over one feed with one broker, behind one risk gate.

    `run()` replays a whole feed; the live runner calls `start()`, `step(snapshot)` per
    cycle and `finish()` itself. `on_error="raise"` (research) stops at a strategy
    exception; `"log"` (live) records the decision as an error and carries on.
    `sink` receives every event as it happens (the metrics logger).
    """

    def __init__(
        self,
        feed: Feed,
        strategy: Strategy,
        broker: Broker,
        *,
        risk: RiskManager | None = None,
        sink: Any | None = None,
        on_error: Literal["raise", "log"] = "raise",
        order_prefix: str = "o",
    ) -> None:
        if on_error not in ("raise", "log"):
            raise ValidationError("on_error", "'raise' or 'log'", on_error)
        self.feed = feed
        self.strategy = strategy
        self.broker = broker
        self.risk = risk or RiskManager()
        self.sink = sink
        self.on_error = on_error
        self.order_prefix = order_prefix
        self.ctx = Context(self)
        self._seq = 0
        self._step_no = 0
        self._generated = 0
        self._executed = 0
        self._signals: list[dict[str, Any]] = []
        self._times: list[int] = []
        self._equity: list[float] = []
        self._cash: list[float] = []
        self._positions_value: list[float] = []
        self.orders: list[Order] = []
        self.fills: list[Fill] = []
        self.settlements: list[Settlement] = []
        self.decisions: list[Decision] = []
        self.forecasts: list[Forecast] = []
        self._started = False

    @property
    def dataset(self) -> Dataset:
        """The data known so far (from the feed)."""
        return self.feed.dataset

    # ----- the loop ------------------------------------------------------------------------

    def run(self, progress: bool = False) -> RunRecord:
        """Replay the whole feed and return the run's record."""
        snapshots = iter(self.feed)
        if progress:
            from tqdm import tqdm

            snapshots = tqdm(snapshots, total=len(self.feed), unit="step", mininterval=1.0)
        for snapshot in snapshots:
            self.step(snapshot)
        return self.finish()

    def start(self, snapshot: Snapshot) -> None:
        """Position the context on the first snapshot and call the strategy's `on_start`."""
        self._move(snapshot)
        self.broker.portfolio.mark(self.dataset.prices[snapshot.k])
        self.risk.update(snapshot.t_ns, self.broker.portfolio.equity())
        self.strategy.on_start(self.ctx)
        self._started = True

    def step(self, snapshot: Snapshot) -> Decision:
        """Process one snapshot: broker events, marks, risk, the strategy's decision."""
        if not self._started:
            self.start(snapshot)
        self._move(snapshot)
        events = self.broker.advance(snapshot.t_ns)
        portfolio = self.broker.portfolio
        portfolio.mark(self.dataset.prices[snapshot.k])
        self._dispatch(events)
        equity = portfolio.equity()
        self.risk.update(snapshot.t_ns, equity)
        if self.risk.kill_switch.tripped() and self.broker.open_orders():
            self.broker.cancel_all(snapshot.t_ns)
        self._record_equity(snapshot.t_ns, portfolio.cash, equity)
        decision = self._decide(snapshot, portfolio.cash, equity)
        self._step_no += 1
        return decision

    def finish(self) -> RunRecord:
        """Collect the broker's last events, call the strategy's `on_end`, return the record.

        Orders placed at the last snapshot can fill at once (zero latency); advancing the
        broker to that same time reports those fills, so the record matches the portfolio.
        """
        if self._started:
            self._dispatch(self.broker.advance(self.ctx.now_ns))
            self.strategy.on_end(self.ctx)
        if self.sink is not None:
            self.sink.flush()
        return RunRecord(
            times=np.array(self._times, dtype=np.int64),
            equity=np.array(self._equity),
            cash=np.array(self._cash),
            positions_value=np.array(self._positions_value),
            orders=self.orders,
            fills=self.fills,
            settlements=self.settlements,
            decisions=self.decisions,
            forecasts=self.forecasts,
        )

    # ----- one step's parts ----------------------------------------------------------------------

    def _move(self, snapshot: Snapshot) -> None:
        self.ctx.k = snapshot.k
        self.ctx.now_ns = snapshot.t_ns

    def _dispatch(self, events: BrokerEvents) -> None:
        for fill in events.fills:
            self.fills.append(fill)
            if self.sink is not None:
                self.sink.fill(fill)
            self.strategy.on_fill(self.ctx, fill)
        for settlement in events.settlements:
            self.settlements.append(settlement)
            if self.sink is not None:
                self.sink.settlement(settlement)
            self.strategy.on_resolution(self.ctx, settlement)
        if self.sink is not None:
            for order in events.updates:
                self.sink.order(order)

    def _record_equity(self, t_ns: int, cash: float, equity: float) -> None:
        self._times.append(t_ns)
        self._equity.append(equity)
        self._cash.append(cash)
        self._positions_value.append(equity - cash)
        if self.sink is not None:
            self.sink.equity(t_ns, cash, equity)

    def _decide(self, snapshot: Snapshot, balance: float, equity: float) -> Decision:
        self._generated = self._executed = 0
        self._signals = []
        status: Literal["ok", "error", "halted", "skipped"] = "ok"
        error = ""
        started = time.perf_counter()
        if self._step_no % max(1, self.strategy.every) != 0:
            status = "skipped"
        else:
            try:
                self.strategy.on_snapshot(self.ctx)
            except Exception as exc:
                if self.on_error == "raise":
                    raise
                status, error = "error", f"{type(exc).__name__}: {exc}"
            if status == "ok" and self.risk.halted():
                status = "halted"
        portfolio = self.broker.portfolio
        decision = Decision(
            t_ns=snapshot.t_ns,
            iteration=self._step_no,
            balance=balance,
            equity=equity,
            positions=int(np.count_nonzero(portfolio.shares)),
            markets=int(np.count_nonzero(self.ctx.tradeable() & self.dataset.is_yes)),
            signals_generated=self._generated,
            signals_executed=self._executed,
            status=status,
            error=error,
            latency_ms=1000.0 * (time.perf_counter() - started),
            signals=self._signals,
        )
        self.decisions.append(decision)
        if self.sink is not None:
            self.sink.decision(decision)
        return decision

    # ----- called by the context ------------------------------------------------------------------

    def place(self, order: Order) -> Order:
        """Stamp, risk-check and submit one order; returns it with its status."""
        now = self.ctx.now_ns
        self._seq += 1
        self._generated += 1
        order.client_id = order.client_id or f"{self.order_prefix}{self._seq:08d}"
        order.created_at = self.ctx.now
        data = self.dataset
        col = data.column(order.token_id)
        decision = self.risk.check(now, self._order_risk(order, col))
        if not decision.approved:
            order.status = OrderStatus.REJECTED
            order.reason = f"risk: {decision.reason}"
        else:
            order = self.broker.submit(order, now)
            if order.status is not OrderStatus.REJECTED:
                self._executed += 1
        self.orders.append(order)
        if self.sink is not None:
            self.sink.order(order)
        return order

    def _order_risk(self, order: Order, col: int) -> OrderRisk:
        data = self.dataset
        portfolio = self.broker.portfolio
        marks = portfolio.marks()
        estimate = order.price if order.price is not None else marks[col]
        estimate = 1.0 if np.isnan(estimate) else float(estimate)
        value = order.notional if order.notional is not None else float(order.size) * estimate
        held = np.nan_to_num(portfolio.shares * marks)
        for open_order in self.broker.open_orders():
            if open_order.side is Side.BUY:
                c = data.column(open_order.token_id)
                limit = open_order.price if open_order.price is not None else 1.0
                held[c] += open_order.notional or open_order.remaining * limit
        by_market = np.bincount(data.token_market, weights=held, minlength=data.n_markets)
        market = int(data.token_market[col])
        return OrderRisk(
            value=value,
            reduces=order.side is Side.SELL,
            market_exposure=float(by_market[market]),
            total_exposure=float(by_market.sum()),
            open_positions=int(np.count_nonzero(by_market > 0)),
            opens_new_position=bool(by_market[market] <= 0),
        )

    def record_forecast(self, token_id: str, probability: float) -> None:
        """Keep a stated probability with the market price at this moment."""
        if not 0.0 <= probability <= 1.0:
            raise ValidationError("probability", "a probability in [0, 1]", probability)
        price = float(self.dataset.prices[self.ctx.k, self.dataset.column(token_id)])
        self.forecasts.append(Forecast(self.ctx.now_ns, token_id, float(probability), price))

    def record_signal(self, details: dict[str, Any]) -> None:
        """Attach a signal to the current decision's log entry."""
        self._signals.append(details)
