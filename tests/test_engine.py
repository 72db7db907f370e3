"""Engine + HistoricalFeed + SimBroker + tiny strategies on `tests.factories` data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from alpha_arena.engine import Broker, Engine, HistoricalFeed
from alpha_arena.risk import RiskLimits, RiskManager
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.strategy import Strategy
from alpha_arena.timeutil import NS_PER_MINUTE
from alpha_arena.types import Liquidity, OrderStatus
from tests.factories import T0, make_dataset


@dataclass
class Script(Strategy):
    """Places the orders listed for each step: {k: [(method, args, kwargs), ...]}."""

    plan: dict = field(default_factory=dict)
    placed: list = field(default_factory=list)
    fills: list = field(default_factory=list)
    resolutions: list = field(default_factory=list)
    ended: bool = False

    def on_snapshot(self, ctx):
        for method, args, kwargs in self.plan.get(ctx.k, []):
            self.placed.append(getattr(ctx, method)(*args, **kwargs))

    def on_fill(self, ctx, fill):
        self.fills.append((ctx.k, fill))

    def on_resolution(self, ctx, settlement):
        self.resolutions.append((ctx.k, settlement))

    def on_end(self, ctx):
        self.ended = True


def run(plan, *, config=None, risk=None, cash=1_000.0, data=None):
    data = data or make_dataset(n_markets=3, n_times=60)
    broker = SimBroker(data, cash=cash, config=config or SimConfig())
    strategy = Script(plan=plan)
    engine = Engine(HistoricalFeed(data), strategy, broker, risk=risk)
    return engine, engine.run(), strategy


def test_sim_broker_meets_the_broker_protocol():
    assert isinstance(SimBroker(make_dataset()), Broker)


def test_orders_flow_to_fills_and_the_equity_path_adds_up():
    plan = {
        2: [("buy", ("m2-yes", 20.0), {})],
        3: [("buy", ("m2-no",), {"usdc": 5.0})],
        10: [("sell", ("m2-yes", 10.0), {})],
        12: [("buy", ("m2-yes", 10.0), {"price": 0.05})],
    }
    engine, record, strategy = run(plan)
    assert [o.status for o in strategy.placed] == [
        OrderStatus.FILLED,
        OrderStatus.FILLED,
        OrderStatus.FILLED,
        OrderStatus.OPEN,
    ]
    assert len(record.orders) == 4
    assert {f.order_id for f in record.fills} == {o.client_id for o in strategy.placed[:3]}
    first_fill_step = strategy.fills[0][0]
    assert first_fill_step == 3
    assert record.equity == pytest.approx(record.cash + record.positions_value)
    portfolio = engine.broker.portfolio
    assert record.cash[-1] == pytest.approx(portfolio.cash)
    assert portfolio.reserved_cash == pytest.approx(0.5)
    assert strategy.ended
    assert engine.broker.fill_model_counts() == {"book": len(record.fills)}


def test_settlement_at_resolution_reaches_the_strategy():
    data = make_dataset(n_markets=3, n_times=60)
    plan = {1: [("buy", ("m0-yes", 30.0), {}), ("buy", ("m1-no", 30.0), {})]}
    engine, record, strategy = run(plan, data=data)
    paid = {s.token_id: (s.payout, s.shares) for s in record.settlements}
    held_yes = sum(f.share_delta for f in record.fills if f.token_id == "m0-yes")
    held_no = sum(f.share_delta for f in record.fills if f.token_id == "m1-no")
    assert paid == {
        "m0-yes": (1.0, pytest.approx(held_yes)),
        "m1-no": (0.5, pytest.approx(held_no)),
    }
    assert [k for k, _ in strategy.resolutions] == [59, 59]
    assert engine.broker.portfolio.shares[:4].sum() == 0.0
    assert record.equity[-1] == pytest.approx(record.cash[-1])


def test_risk_rejections_never_reach_the_broker():
    risk = RiskManager(RiskLimits(max_single_trade_usdc=5.0))
    plan = {1: [("buy", ("m2-yes", 100.0), {}), ("buy", ("m2-yes", 5.0), {})]}
    _, record, strategy = run(plan, risk=risk)
    big, small = strategy.placed
    assert big.status is OrderStatus.REJECTED
    assert big.reason.startswith("risk: order value")
    assert small.status is OrderStatus.FILLED
    assert {f.order_id for f in record.fills} == {small.client_id}
    assert record.decisions[1].signals_generated == 2
    assert record.decisions[1].signals_executed == 1


def test_venue_rejection_is_recorded_with_its_reason():
    plan = {1: [("sell", ("m2-yes", 10.0), {})]}
    _, record, _ = run(plan)
    assert record.orders[0].status is OrderStatus.REJECTED
    assert "cannot sell" in record.orders[0].reason


@dataclass
class TripsKillSwitch(Strategy):
    orders: list = field(default_factory=list)

    def on_snapshot(self, ctx):
        if ctx.k == 1:
            self.orders.append(ctx.buy("m2-yes", 10.0, price=0.05))
        if ctx.k == 5:
            ctx.risk.kill_switch.trip("operator stop")
        if ctx.k == 7:
            self.orders.append(ctx.buy("m2-yes", 10.0))


def test_kill_switch_cancels_open_orders_and_blocks_new_ones():
    data = make_dataset(n_markets=3, n_times=20)
    broker = SimBroker(data, 1_000.0)
    strategy = TripsKillSwitch()
    Engine(HistoricalFeed(data), strategy, broker).run()
    resting, late = strategy.orders
    assert resting.status is OrderStatus.CANCELLED
    assert late.status is OrderStatus.REJECTED
    assert late.reason == "risk: operator stop"
    assert broker.open_orders() == []
    assert broker.portfolio.reserved_cash == 0.0


@dataclass
class Peeker(Strategy):
    """Records what the context shows at each step."""

    seen: list = field(default_factory=list)

    def on_snapshot(self, ctx):
        markets = ctx.markets
        books = ctx.book_arrays()
        self.seen.append(
            (
                ctx.k,
                ctx.prices.shape[0],
                float(ctx.times[-1]),
                markets.loc["m0", "resolution_state"],
                None if books is None else books.t_ns,
                ctx.now_ns,
            )
        )
        if ctx.k % 7 == 3:
            history = ctx.history("m2-yes")
            if history[-1] > history[0]:
                ctx.buy("m2-yes", 10.0)


def test_the_context_cannot_see_the_future():
    data = make_dataset(n_markets=3, n_times=60)
    strategy = Peeker()
    Engine(HistoricalFeed(data), strategy, SimBroker(data)).run()
    for k, rows, last_time, state, book_t, now in strategy.seen:
        assert rows == k + 1
        assert last_time == now
        assert book_t is None or book_t <= now
        assert state == ("resolved" if k == 59 else "unresolved")


def test_decisions_do_not_change_when_the_future_is_cut_off():
    data = make_dataset(n_markets=3, n_times=60)
    full = Peeker()
    record = Engine(HistoricalFeed(data), full, SimBroker(data)).run()
    cut_time = int(data.times[40])
    cut = data.window(None, cut_time)
    short = Peeker()
    short_record = Engine(HistoricalFeed(cut), short, SimBroker(cut)).run()

    def decided(rec):
        return [(o.client_id, o.token_id, o.size, o.status) for o in rec.orders]

    early = [o for o in decided(record) if o in decided(short_record)]
    assert len(early) == len(short_record.orders) > 0
    assert full.seen[:41] == short.seen
    assert np.allclose(record.equity[:41], short_record.equity)


def test_latency_moves_fills_to_the_arrival_time():
    config = SimConfig(latency_ms=90_000)
    plan = {2: [("buy", ("m2-yes", 10.0), {})]}
    engine, record, strategy = run(plan, config=config)
    fill = record.fills[0]
    decided = engine.dataset.times[2]
    assert pd.Timestamp(fill.timestamp).value == decided + 90 * 1_000_000_000
    assert strategy.fills[0][0] == 4
    assert decided + 2 * NS_PER_MINUTE == engine.dataset.times[4]


def test_split_and_merge_through_the_context():
    plan = {
        1: [("split", ("m2", 10.0), {})],
        2: [("merge", ("m2", 4.0), {})],
    }
    engine, record, _ = run(plan)
    broker = engine.broker
    assert [c.kind for c in broker.conversions] == ["split", "merge"]
    assert broker.portfolio.shares[4:6].tolist() == [6.0, 6.0]
    assert record.cash[3] == pytest.approx(1_000.0 - 6.0)


class Sink:
    """Collects what the engine reports to a metrics logger."""

    def __init__(self):
        self.orders, self.fills, self.settlements, self.equities = [], [], [], []

    def order(self, order):
        self.orders.append((order.client_id, order.status))

    def fill(self, fill):
        self.fills.append(fill)

    def settlement(self, settlement):
        self.settlements.append(settlement)

    def equity(self, t_ns, cash, equity):
        self.equities.append((t_ns, cash, equity))

    def decision(self, decision):
        pass

    def flush(self):
        pass


def test_the_sink_sees_every_order_fate_once():
    data = make_dataset(n_markets=3, n_times=20)
    plan = {
        1: [
            ("sell", ("m2-yes", 10.0), {}),
            ("buy", ("m2-yes", 10.0), {"price": 0.05}),
            ("buy", ("m2-yes", 10.0), {}),
        ],
        3: [("cancel", ("o00000002",), {})],
    }
    sink = Sink()
    broker = SimBroker(data, 1_000.0)
    engine = Engine(HistoricalFeed(data), Script(plan=plan), broker, sink=sink)
    record = engine.run()
    assert sink.orders == [
        ("o00000001", OrderStatus.REJECTED),
        ("o00000002", OrderStatus.OPEN),
        ("o00000003", OrderStatus.FILLED),
        ("o00000002", OrderStatus.CANCELLED),
    ]
    assert sink.fills == record.fills
    assert len(sink.equities) == 20


def test_resting_orders_fill_later_as_maker_and_gtd_expires():
    data = make_dataset(n_markets=3, n_times=60, seed=3)
    col = data.column("m2-yes")
    asks = data.books.ask_px[:, col, 0]
    limit = round(float(asks[1:].min()) + 0.01, 2)
    assert asks[0] > limit
    expiry = T0 + timedelta(minutes=2)
    plan = {
        1: [
            ("buy", ("m2-yes", 10.0), {"price": limit}),
            ("buy", ("m2-yes", 10.0), {"price": 0.02, "order_type": "GTD", "expiration": expiry}),
        ]
    }
    _, record, strategy = run(plan, data=data, config=SimConfig(fees=False))
    resting, gtd = strategy.placed
    assert resting.status is OrderStatus.FILLED
    (fill,) = [f for f in record.fills if f.order_id == resting.client_id]
    assert fill.price == limit
    assert fill.liquidity is Liquidity.MAKER
    crossed = int(np.argmax(data.books.ask_px[:, col, 0] < limit - 1e-9))
    assert pd.Timestamp(fill.timestamp).value == data.books.times[crossed]
    assert gtd.status is OrderStatus.EXPIRED
