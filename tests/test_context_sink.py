"""`Context.llm_call`: the public way a strategy logs LLM requests to the run's metrics sink."""

from __future__ import annotations

import json
import sqlite3

import pytest

from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.live.runner import LiveRunner
from alpha_arena.live.settings import LiveSettings
from alpha_arena.sim import SimBroker
from alpha_arena.strategy import Strategy
from strategies.llm import LLMStrategy
from tests.factories import make_dataset
from tests.fake_exchange import FakeExchange, numeric_dataset
from tests.llm_fakes import FakeLLMServer, Reply, openai_chat, write_llm_config


class RecordingSink:
    """An engine sink that keeps the LLM calls it is given and ignores every other event."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def llm_call(self, **fields):
        self.calls.append(fields)

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class EventsOnlySink:
    """A sink without `llm_call` (e.g. an old logger): LLM calls must be dropped, not fail."""

    def __getattr__(self, name):
        if name == "llm_call":
            raise AttributeError(name)
        return lambda *args, **kwargs: None


class LogsOneCall(Strategy):
    name = "logs-one-call"

    def on_start(self, ctx):
        ctx.llm_call(provider="local", model="m", role="research", cost_usd=0.25)


@pytest.fixture(scope="module")
def data():
    return make_dataset(n_markets=2, n_times=20, seed=1)


def engine(data, strategy, sink):
    return Engine(HistoricalFeed(data), strategy, SimBroker(data, cash=100.0), sink=sink)


def test_llm_call_reaches_the_engine_sink(data):
    sink = RecordingSink()
    engine(data, LogsOneCall(), sink).run()
    assert sink.calls == [{"provider": "local", "model": "m", "role": "research", "cost_usd": 0.25}]


@pytest.mark.parametrize("sink", [None, EventsOnlySink()])
def test_llm_call_without_a_metrics_sink_is_a_no_op(data, sink):
    record = engine(data, LogsOneCall(), sink).run()
    assert len(record.equity) == data.n_times


def research_server():
    research = json.dumps({"probability": 0.7, "confidence": 0.6, "rationale": "x"})
    return FakeLLMServer(lambda prefix, body: Reply(body=openai_chat(research)))


def test_llm_strategy_logs_its_calls_through_the_context(data, tmp_path):
    with research_server() as server:
        cfg = write_llm_config(tmp_path / "config.yaml", server)
        strategy = LLMStrategy(
            config=str(cfg), decide_every=10, ledger_path=str(tmp_path / "ledger.db")
        )
        sink = RecordingSink()
        run = engine(data, strategy, sink)
        run.run()
        requests = len(server.requests["local"])
    assert strategy.coordinator.router.sink is run.ctx
    research_calls = [c for c in sink.calls if c["role"] == "research"]
    assert requests > 0
    assert len(sink.calls) == requests
    assert research_calls
    assert all(c["provider"] == "local" and c["cost_usd"] > 0 for c in sink.calls)


def test_llm_strategy_logs_its_calls_to_metrics_db_in_a_paper_live_run(tmp_path):
    full = make_dataset(n_markets=4, n_times=40, seed=5)
    data = numeric_dataset(full.select(["m2", "m3"]))  # markets that stay open
    state = tmp_path / "state"
    with research_server() as server, FakeExchange(data) as fx:
        fx.state.auto_step = True
        settings = LiveSettings.from_mapping(
            {
                "markets": list(data.markets.index),
                "live": {"clock": "server", "stale_after": 50, "clob_url": fx.url,
                         "gamma_url": fx.url, "state_dir": str(state)},
            }
        )  # fmt: skip
        strategy = LLMStrategy(
            config=str(write_llm_config(tmp_path / "config.yaml", server)),
            decide_every=10,
            ledger_path=str(tmp_path / "ledger.db"),
        )
        summary = LiveRunner(settings, strategy, interval=0).run(max_cycles=data.n_times)
        requests = len(server.requests["local"])
    assert summary.errors == 0
    with sqlite3.connect(state / "metrics.db") as db:
        rows = db.execute("SELECT provider, model, role, cost_usd FROM llm_calls").fetchall()
    assert requests > 0
    assert len(rows) == requests
    assert {row[:3] for row in rows} == {("local", "fake-strong", "research")}
    assert all(row[3] > 0 for row in rows)
