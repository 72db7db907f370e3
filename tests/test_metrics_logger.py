"""MetricsLogger: the engine's sink, the manual's SQL queries, JSONL log, redaction."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

import pytest

from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.errors import DataError, ValidationError
from alpha_arena.metrics import MetricsLogger, query, run_summary
from alpha_arena.metrics.reader import DAILY_PNL, ERRORS_LAST_HOUR, RECENT_DECISIONS
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.strategy import Strategy
from tests.factories import make_dataset


@dataclass
class BuyThenSell(Strategy):
    """Buys YES of m0 and m2 at step 2, sells half of m2 at step 30."""

    def on_snapshot(self, ctx):
        if ctx.k == 2:
            ctx.buy("m0-yes", 20.0)
            ctx.buy("m2-yes", 20.0)
        if ctx.k == 30:
            ctx.sell("m2-yes", 10.0)
        ctx.signal(k=ctx.k)


def logged_run(tmp_path, latency_ms=0.0, **logger_kwargs):
    data = make_dataset(n_markets=3, n_times=60)
    broker = SimBroker(data, cash=1_000.0, config=SimConfig(latency_ms=latency_ms))
    log = MetricsLogger(tmp_path, strategy="buy-then-sell", **logger_kwargs)
    log.attach(broker.portfolio)
    engine = Engine(HistoricalFeed(data), BuyThenSell(), broker, sink=log)
    record = engine.run()
    log.finish({"pnl": float(record.equity[-1] - 1_000.0)})
    log.close()
    return log, record, engine


def test_every_event_lands_in_its_table(tmp_path):
    log, record, _engine = logged_run(tmp_path)
    with sqlite3.connect(log.db_path) as conn:
        count = {
            t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("decisions", "orders", "fills", "settlements", "pnl_snapshots")
        }
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        statuses = dict(conn.execute("SELECT client_id, status FROM orders").fetchall())
        fill_cash = conn.execute("SELECT SUM(cash_delta) FROM fills").fetchone()[0]
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert mode == "wal"
    assert count["decisions"] == len(record.decisions) == 60
    assert count["pnl_snapshots"] == 60
    assert count["orders"] == len({o.client_id for o in record.orders}) == 3
    assert count["fills"] == len(record.fills) > 0
    assert count["settlements"] == len(record.settlements) == 1
    assert statuses == {o.client_id: o.status.value for o in record.orders}
    assert fill_cash == pytest.approx(sum(f.cash_delta for f in record.fills))
    assert "idx_decisions_timestamp" in indexes
    assert "idx_pnl_snapshots_timestamp" in indexes


def test_the_operations_manual_queries_run_unchanged(tmp_path):
    log, record, engine = logged_run(tmp_path)
    recent = query(log.db_path, RECENT_DECISIONS, (10,))
    assert list(recent.columns) == [
        "timestamp", "balance", "signals_generated", "signals_executed", "status",
    ]  # fmt: skip
    assert len(recent) == 10
    assert recent["balance"].iloc[0] == pytest.approx(record.decisions[-1].balance)
    daily = query(log.db_path, DAILY_PNL)
    portfolio = engine.broker.portfolio
    assert daily["date"].tolist() == ["2025-01-01"]
    assert daily["daily_pnl"].iloc[0] >= portfolio.realized_pnl() - 1e-9
    assert query(log.db_path, ERRORS_LAST_HOUR).iloc[0, 0] == 0
    summary = run_summary(tmp_path)
    assert summary["run"]["strategy"] == "buy-then-sell"
    assert summary["run"]["status"] == "finished"
    assert summary["run"]["stats"]["pnl"] == pytest.approx(record.equity[-1] - 1_000.0)
    assert summary["decisions"] == 60
    assert summary["error_rate"] == 0.0


def test_decisions_jsonl_has_one_line_per_decision_with_signals(tmp_path):
    log, _record, _ = logged_run(tmp_path)
    lines = [json.loads(x) for x in log.jsonl_path.read_text().splitlines()]
    assert len(lines) == 60
    assert [x["iteration"] for x in lines] == list(range(60))
    assert lines[5]["signals"] == [{"k": 5}]
    assert lines[2]["signals_generated"] == 2


def test_live_mode_writes_each_decision_before_returning(tmp_path):
    data = make_dataset(n_markets=3, n_times=10)
    log = MetricsLogger(tmp_path, mode="live")
    engine = Engine(HistoricalFeed(data), BuyThenSell(), SimBroker(data, cash=100.0), sink=log)
    for snapshot in list(engine.feed)[:4]:
        engine.step(snapshot)
        lines = log.jsonl_path.read_text().splitlines()
        with sqlite3.connect(log.db_path) as conn:
            rows = conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
        assert len(lines) == rows == snapshot.k + 1
    log.close()


def test_secrets_in_config_and_params_are_redacted(tmp_path):
    secret = "0xdeadbeefcafebabe"
    config = {"wallet": {"private_key": secret}, "llm": {"api_key": secret, "max_tokens": 5}}
    with MetricsLogger(tmp_path, config=config, params={"webhook": secret, "fast": 3}) as log:
        log.finish()
    raw = log.db_path.read_bytes() + log.jsonl_path.read_bytes()
    assert secret.encode() not in raw
    stored = run_summary(tmp_path)["run"]
    assert stored["config"]["llm"] == {"api_key": "***", "max_tokens": 5}
    assert stored["params"] == {"fast": 3, "webhook": "***"}


def test_llm_calls_are_recorded_and_summed(tmp_path):
    with MetricsLogger(tmp_path, mode="live") as log:
        log.llm_call(provider="anthropic", model="m", role="research", input_tokens=10,
                     output_tokens=5, cost_usd=0.25)  # fmt: skip
        log.llm_call(provider="openai", model="n", cost_usd=0.5, cached=True)
        with pytest.raises(ValidationError, match="llm_call fields"):
            log.llm_call(provider="x", dollars=3)
        log.finish()
    spend = run_summary(tmp_path)["llm_spend"]
    assert spend["today"] == pytest.approx(0.75)
    assert spend["calls"] == 2


def test_bad_arguments_and_missing_db_are_clear(tmp_path):
    with pytest.raises(ValidationError, match="mode"):
        MetricsLogger(tmp_path, mode="paperish")
    with pytest.raises(ValidationError, match="flush_every"):
        MetricsLogger(tmp_path / "x", flush_every=0)
    with pytest.raises(DataError, match=r"no metrics\.db"):
        run_summary(tmp_path / "nowhere")


def test_a_closed_logger_refuses_events(tmp_path):
    log = MetricsLogger(tmp_path)
    log.close()
    log.close()
    with pytest.raises(ValidationError, match="open logger"):
        log.llm_call(provider="a", model="b")


def test_orders_delayed_by_latency_end_with_their_final_status(tmp_path):
    log, record, _ = logged_run(tmp_path, latency_ms=30_000.0)
    with sqlite3.connect(log.db_path) as conn:
        statuses = dict(conn.execute("SELECT client_id, status FROM orders").fetchall())
    assert statuses == {o.client_id: o.status.value for o in record.orders}
    assert "filled" in statuses.values()
    assert "pending" not in statuses.values()
