"""OpsSink on a real engine run: registry numbers equal the run's record; audit + inner logger."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.metrics import MetricsLogger
from alpha_arena.ops.audit import AuditLog
from alpha_arena.ops.prometheus import MetricsRegistry
from alpha_arena.ops.sink import OpsSink
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.strategy import Strategy
from tests.factories import make_dataset


@dataclass
class BuyThenSell(Strategy):
    def on_snapshot(self, ctx):
        if ctx.k == 2:
            ctx.buy("m0-yes", 20.0)
            ctx.buy("m1-yes", 20.0)
        if ctx.k == 30:
            ctx.sell("m1-yes", 10.0)


def test_registry_matches_the_run(tmp_path) -> None:
    data = make_dataset(n_markets=2, n_times=50)
    broker = SimBroker(data, cash=1_000.0, config=SimConfig(latency_ms=0))
    logger = MetricsLogger(tmp_path, strategy="bts")
    logger.attach(broker.portfolio)
    registry = MetricsRegistry()
    sink = OpsSink(registry, logger, AuditLog(tmp_path / "audit.jsonl"))
    record = Engine(HistoricalFeed(data), BuyThenSell(), broker, sink=sink).run()
    sink.llm_call(provider="anthropic", model="m", cost_usd=0.5)
    sink.llm_call(provider="openai", model="m", cost_usd=0.25)
    sink.error("feed")
    sink.close()

    assert registry.value("harness_cycles_total") == len(record.decisions) == 50
    fills_by_side: dict[str, int] = {}
    for fill in record.fills:
        fills_by_side[fill.side.value] = fills_by_side.get(fill.side.value, 0) + 1
    for side, n in fills_by_side.items():
        assert registry.value("harness_fills_total", side=side) == n
    assert registry.value("harness_equity") == record.decisions[-1].equity
    assert registry.value("harness_daily_pnl") == record.equity[-1] - record.equity[0]
    assert registry.value("harness_llm_cost_daily_usd") == 0.75
    assert registry.value("harness_llm_cost_usd_total", provider="anthropic") == 0.5
    assert registry.value("harness_errors_total", kind="feed") == 1
    text = registry.render()
    assert "harness_cycle_seconds_count 50" in text

    orders = [json.loads(line) for line in (tmp_path / "audit.jsonl").open()]
    final = {o["client_id"]: o["status"] for o in orders}
    assert final == {o.client_id: o.status.value for o in record.orders}
    statuses = [o["status"] for o in orders]
    for status in set(statuses):
        assert registry.value("harness_orders_total", status=status) == statuses.count(status)
    with sqlite3.connect(logger.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 50
        assert conn.execute("SELECT SUM(cost_usd) FROM llm_calls").fetchone()[0] == 0.75
