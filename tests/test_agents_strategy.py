"""LLMStrategy under the engine: replay determinism, record → replay, contamination guard,
bounded concurrency and timeouts, budget skips, and the backtest command end to end."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest

from alpha_arena.agents import AgentsConfig, Memory
from alpha_arena.data.store import write_dataset
from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.errors import ConfigError
from alpha_arena.llm import (
    BudgetConfig,
    CacheMissError,
    Completion,
    ContaminationError,
    Ledger,
    LLMConfig,
    LLMRouter,
    ResponseCache,
    build_providers,
)
from alpha_arena.sim import SimBroker
from strategies.llm import LLMStrategy
from tests.factories import make_dataset
from tests.llm_fakes import (
    FakeClock,
    FakeLLMServer,
    Reply,
    ScriptedProvider,
    openai_chat,
    write_llm_config,
)

ROOT = Path(__file__).resolve().parents[1]
MODELS = {"local": {"strong": "fake-strong", "cheap": "fake-cheap"}}
PRICES = {"fake-strong": (1.0, 2.0), "fake-cheap": (0.1, 0.2)}
CUTOFFS = {"fake-strong": date(2024, 1, 1), "fake-cheap": date(2024, 1, 1)}


def config(**overrides):
    values = {"chain": ("local",), "models": MODELS, "prices": PRICES, "cutoffs": CUTOFFS}
    return LLMConfig(**{**values, **overrides})


def forecaster(request, model):
    """Deterministic answers: research says 'price + 0.15' (or − for even minutes)."""
    prompt = request.messages[-1]["content"]
    if request.role == "research":
        price = float(re.search(r"YES price now: ([0-9.]+)", prompt).group(1))
        minute = int(re.search(r"Now \(UTC\): \S+ \d\d:(\d\d)", prompt).group(1))
        p = min(0.97, max(0.03, price + (0.15 if minute % 2 else -0.15)))
        body = {"probability": round(p, 3), "confidence": 0.8, "rationale": "drift"}
        return Completion(json.dumps(body), None, 500, 60, model)
    return Completion(
        json.dumps({"lesson": "size smaller", "importance": 0.7}), None, 80, 20, model
    )


def refuse(request, model):
    raise AssertionError("a replay run must not call a provider")


def run(strategy, data):
    engine = Engine(HistoricalFeed(data), strategy, SimBroker(data, cash=1_000.0))
    return engine.run()


def outputs(record):
    """Everything a run produced, as plain values (decision latency is wall time: dropped)."""
    decisions = [{**asdict(d), "latency_ms": None} for d in record.decisions]
    return {
        "orders": [asdict(o) for o in record.orders],
        "fills": [asdict(f) for f in record.fills],
        "settlements": [asdict(s) for s in record.settlements],
        "forecasts": [asdict(f) for f in record.forecasts],
        "decisions": decisions,
        "equity": record.equity.tolist(),
    }


def ledger_rows(router):
    """Ledger rows without wall-clock fields, order-free (research calls run concurrently)."""
    rows = [
        {k: v for k, v in row.items() if k not in ("timestamp", "latency_ms")}
        for row in router.ledger.rows()
    ]
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


def strategy_with(answer, cache=None, **agents):
    provider = ScriptedProvider("local", answer, config())
    router = LLMRouter(config(), {"local": provider}, cache=cache, clock=FakeClock())
    cfg = AgentsConfig(**{"max_concurrency": 3, **agents})
    strategy = LLMStrategy(decide_every=15).attach(router, Memory(), cfg)
    return strategy, router, provider


@pytest.fixture(scope="module")
def data():
    return make_dataset(n_markets=4, n_times=90, seed=3)


def test_record_then_two_replays_are_identical(tmp_path, data):
    path = tmp_path / "llm_cache.db"
    recorder, rec_router, provider = strategy_with(forecaster, ResponseCache(path, "record"))
    recorded = run(recorder, data)
    assert provider.calls
    assert recorded.orders
    assert recorded.fills
    assert recorded.forecasts
    replays = []
    for _ in range(2):
        strategy, router, _ = strategy_with(refuse, ResponseCache(path, "replay"))
        replays.append((outputs(run(strategy, data)), ledger_rows(router)))
    assert replays[0] == replays[1]
    assert replays[0][0] == outputs(recorded)
    assert all(row["cached"] == 1 and row["cost_usd"] == 0 for row in replays[0][1])
    assert len(replays[0][1]) == sum(r["status"] == "ok" for r in rec_router.ledger.rows())


def test_replay_miss_is_an_error(tmp_path, data):
    strategy, _, _ = strategy_with(refuse, ResponseCache(tmp_path / "empty.db", "replay"))
    with pytest.raises(CacheMissError):
        run(strategy, data)


def test_contaminated_market_is_refused_unless_allowed(data):
    late = {"fake-strong": date(2025, 6, 1), "fake-cheap": date(2024, 1, 1)}
    provider = ScriptedProvider("local", forecaster, config(cutoffs=late))
    router = LLMRouter(config(cutoffs=late), {"local": provider}, clock=FakeClock())
    with pytest.raises(ContaminationError, match="fake-strong"):
        run(LLMStrategy().attach(router, Memory()), data)
    assert provider.calls == []
    allowed = run(LLMStrategy(allow_contaminated=True).attach(router, Memory()), data)
    flags = [s for s in allowed.decisions[0].signals if "contaminated" in s]
    assert flags == [{"contaminated": ["m0", "m1", "m2", "m3"]}]


def test_concurrency_is_bounded_and_slow_markets_time_out(data):
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def slow(request, model):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        try:
            if request.role == "research" and "thing 1 happen" in request.messages[-1]["content"]:
                time.sleep(1.0)
            else:
                time.sleep(0.05)
            return forecaster(request, model)
        finally:
            with lock:
                state["now"] -= 1

    strategy, _, _ = strategy_with(slow, max_concurrency=2, timeout_s=0.5)
    strategy.decide_every = 1000
    record = run(strategy, data)
    signals = record.decisions[0].signals
    assert state["peak"] == 2
    skipped = [s for s in signals if "skipped" in s]
    assert skipped == [{"market": "m1", "skipped": "research timed out after 0.5s"}]
    assert sorted(s["market"] for s in signals if "probability" in s) == ["m0", "m2", "m3"]


def test_budget_stop_skips_decisions(data):
    provider = ScriptedProvider("local", forecaster, config())
    cfg = config(budget=BudgetConfig(daily_usd=0.0015))
    router = LLMRouter(cfg, {"local": provider}, ledger=Ledger(), clock=FakeClock())
    strategy = LLMStrategy(decide_every=15).attach(
        router, Memory(), AgentsConfig(max_concurrency=1)
    )
    record = run(strategy, data)
    # each research call costs 500 * 1e-6 + 60 * 2e-6 = 0.00062 USD: two fit, then skips
    assert len([c for c in provider.calls if c[0].role == "research"]) == 3
    skips = [s for d in record.decisions for s in d.signals if "skipped" in s]
    assert skips
    assert all("daily budget spent" in s["skipped"] for s in skips)


def test_backtest_command_records_then_replays_through_the_openai_sdk(tmp_path, data):
    store = write_dataset(data, tmp_path / "store")
    cfg = tmp_path / "config.yaml"
    research = json.dumps({"probability": 0.9, "confidence": 0.9, "rationale": "x"})
    lesson = json.dumps({"lesson": "be humble", "importance": 0.7})

    def respond(prefix, body):
        schema = body["response_format"]["json_schema"]["schema"]
        return Reply(body=openai_chat(lesson if "lesson" in schema["properties"] else research))

    def backtest(mode, out):
        cmd = [
            sys.executable,
            "-m",
            "alpha_arena.backtest",
            "--strategy",
            "llm",
            "--data",
            str(store),
            "--quiet",
            "--out",
            str(tmp_path / out),
        ]
        params = {
            "config": cfg,
            "decide_every": 30,
            "cache_mode": mode,
            "cache_path": tmp_path / "cache.db",
            "ledger_path": tmp_path / "ledger.db",
        }
        for key, value in params.items():
            cmd += ["--param", f"{key}={value}"]
        done = subprocess.run(
            cmd,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=240,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        )
        assert done.returncode == 0, done.stderr
        files = {
            name: (tmp_path / out / name).read_text()
            for name in ("orders.csv", "trades.csv", "equity.csv")
        }
        with sqlite3.connect(tmp_path / out / "metrics.db") as db:
            files["llm_calls"] = db.execute(
                "SELECT timestamp, provider, model, role, input_tokens, output_tokens, cost_usd,"
                " status, cached FROM llm_calls ORDER BY timestamp, role, id"
            ).fetchall()
        return files

    with FakeLLMServer(respond) as server:
        write_llm_config(cfg, server)
        recorded = backtest("record", "record")
        calls = len(server.requests["local"])
        assert calls > 0
        assert server.requests["local"][0]["json"]["response_format"]["type"] == "json_schema"
        replay = backtest("replay", "replay")
        assert len(server.requests["local"]) == calls
    for name in ("orders.csv", "trades.csv", "equity.csv"):
        assert replay[name] == recorded[name]
    assert recorded["orders.csv"].count("\n") > 1
    assert all(row[-1] == 0 and row[6] > 0 for row in recorded["llm_calls"])
    assert [row[:6] for row in replay["llm_calls"]] == [row[:6] for row in recorded["llm_calls"]]
    assert all(row[-1] == 1 and row[6] == 0 for row in replay["llm_calls"])


def test_no_available_provider_is_a_clear_error_at_start(data):
    cfg = config(base_urls={"local": None})
    router = LLMRouter(cfg, build_providers(cfg, env={}), clock=FakeClock())
    with pytest.raises(ConfigError, match="local: no base URL"):
        run(LLMStrategy().attach(router, Memory()), data)


def test_sample_replays_identically(tmp_path, sample_dir):
    from alpha_arena.backtest.inputs import resolve_data

    data = resolve_data(sample_dir, days=2, markets=6)
    path = tmp_path / "sample_cache.db"
    strategy, _, provider = strategy_with(forecaster, ResponseCache(path, "record"))
    strategy.decide_every = 120
    recorded = run(strategy, data)
    assert provider.calls
    assert recorded.forecasts
    runs = []
    for _ in range(2):
        strategy, router, _ = strategy_with(refuse, ResponseCache(path, "replay"))
        strategy.decide_every = 120
        runs.append((outputs(run(strategy, data)), ledger_rows(router)))
    assert runs[0] == runs[1]
    assert runs[0][0] == outputs(recorded)


def test_backtest_command_refuses_contaminated_markets_unless_flagged(tmp_path, data, capsys):
    from alpha_arena.cli import main

    store = write_dataset(data, tmp_path / "store")
    research = json.dumps({"probability": 0.6, "confidence": 0.5, "rationale": "x"})
    with FakeLLMServer(lambda prefix, body: Reply(body=openai_chat(research))) as server:
        cfg = tmp_path / "config.yaml"
        cfg.write_text(
            "llm:\n"
            "  chain: [local]\n"
            f"  base_urls: {{local: '{server.base_url('local')}'}}\n"
            "  models: {local: {strong: fake-strong, cheap: fake-cheap}}\n"
            "  prices: {fake-strong: [1, 2], fake-cheap: [0.1, 0.2]}\n"
            "  cutoffs: {fake-strong: 2030-01-01, fake-cheap: 2030-01-01}\n"
        )
        args = ["backtest", "--strategy", "llm", "--data", str(store), "--quiet",
                "--param", f"config={cfg}", "--param", "decide_every=45",
                "--param", f"ledger_path={tmp_path / 'ledger.db'}"]  # fmt: skip
        assert main([*args, "--out", str(tmp_path / "refused")]) == 2
        refusal = capsys.readouterr().err
        assert "allow_contaminated" in refusal
        assert "m0" in refusal
        assert main([*args, "--out", str(tmp_path / "ok"), "--allow-contaminated"]) == 0
    flagged = [
        json.loads(line)
        for line in (tmp_path / "ok" / "decisions.jsonl").read_text().splitlines()
        if "contaminated" in line
    ]
    assert flagged
    assert flagged[0]["signals"][0]["contaminated"]
    assert main(["backtest", "--strategy", "momentum", "--allow-contaminated"]) == 2
    assert "--allow-contaminated" in capsys.readouterr().err
