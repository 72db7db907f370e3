"""Router pieces without HTTP: rate limiter, cache, budget ledger, config, cutoff guard."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.errors import ConfigError, ValidationError
from alpha_arena.llm import (
    BudgetConfig,
    BudgetExceededError,
    CacheMissError,
    Completion,
    ContaminationError,
    LLMConfig,
    LLMRequest,
    LLMRouter,
    ProviderError,
    RateLimit,
    RateLimiter,
    ResponseCache,
    check_markets,
    contaminated,
)
from alpha_arena.llm.providers import build_providers, retry_after_seconds
from tests.factories import make_dataset
from tests.llm_fakes import FakeClock, ScriptedProvider

CONFIG = LLMConfig(
    chain=("openai", "local"),
    models={"openai": {"strong": "gpt-4.1", "cheap": "gpt-4.1-mini"}, "local": {"strong": "m"}},
    prices={"gpt-4.1": (2.0, 8.0), "gpt-4.1-mini": (0.4, 1.6), "m": (0.0, 0.0)},
    cutoffs={"gpt-4.1": date(2024, 6, 1), "m": date(2025, 6, 1)},
)


def request(text="hi", sim_time=None, schema=None, role="research"):
    return LLMRequest(({"role": "user", "content": text},), schema, role, sim_time=sim_time)


def echo(request, model):
    return Completion(f"{model}:{request.messages[-1]['content']}", None, 1000, 100, model)


class ListSink:
    def __init__(self):
        self.rows = []

    def llm_call(self, **fields):
        self.rows.append(fields)


def test_rate_limiter_queues_requests_per_minute():
    clock = FakeClock()
    limiter = RateLimiter(RateLimit(rpm=2), clock)
    assert limiter.acquire(10) == 0
    clock.sleep(5)
    assert limiter.acquire(10) == 0
    assert limiter.acquire(10) == pytest.approx(55.0)
    assert clock.t == pytest.approx(60.0)


def test_rate_limiter_tokens_per_minute():
    clock = FakeClock()
    limiter = RateLimiter(RateLimit(tpm=1000), clock)
    limiter.acquire(600)
    clock.sleep(10)
    limiter.acquire(300)
    assert limiter.acquire(400) == pytest.approx(50.0)
    assert limiter.acquire(5000) == pytest.approx(60.0)


@settings(deadline=None, max_examples=60)
@given(
    st.lists(st.tuples(st.floats(0, 30), st.integers(1, 400)), min_size=1, max_size=30),
    st.integers(1, 5),
    st.integers(400, 2000),
)
def test_rate_limiter_never_exceeds_its_window(steps, rpm, tpm):
    clock = FakeClock()
    limiter = RateLimiter(RateLimit(rpm=rpm, tpm=tpm), clock)
    granted = []
    for gap, tokens in steps:
        clock.sleep(gap)
        limiter.acquire(tokens)
        granted.append((clock.t, tokens))
        window = [(t, n) for t, n in granted if t > clock.t - 60 + 1e-6]  # float slack
        assert len(window) <= rpm
        assert sum(n for _, n in window) <= tpm


def test_retry_after_forms():
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    when = datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)
    stamp = when.timestamp() - 30
    assert retry_after_seconds({"retry-after": format_datetime(when, usegmt=True)}, stamp) == 30
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds(None) is None


def test_cache_key_covers_simulated_time_and_schema():
    t = datetime(2025, 3, 1, tzinfo=UTC)
    assert request(sim_time=t).cache_key() == request(sim_time=t).cache_key()
    assert request(sim_time=t).cache_key() != request(sim_time=t + timedelta(hours=1)).cache_key()
    assert request().cache_key() != request(schema={"type": "object"}).cache_key()
    assert request().cache_key() != request(role="risk").cache_key()


def test_record_then_replay_matches_without_calls(tmp_path):
    path = tmp_path / "cache.db"
    provider = ScriptedProvider("openai", echo, CONFIG)
    recorder = LLMRouter(
        CONFIG, {"openai": provider}, cache=ResponseCache(path, "record"), clock=FakeClock()
    )
    asked = [request(f"q{i}", datetime(2025, 1, 1 + i, tzinfo=UTC)) for i in range(3)]
    recorded = [recorder.complete(r) for r in asked]
    assert len(provider.calls) == 3
    sink = ListSink()
    replayer = LLMRouter(
        CONFIG,
        {"openai": ScriptedProvider("openai", echo, CONFIG)},
        cache=ResponseCache(path, "replay"),
        clock=FakeClock(),
        sink=sink,
    )
    replayed = [replayer.complete(r) for r in asked]
    assert [r.output for r in replayed] == [r.output for r in recorded]
    assert [r.model for r in replayed] == ["gpt-4.1"] * 3
    assert all(r.cached and r.cost_usd == 0 for r in replayed)
    assert [(row["cached"], row["cost_usd"]) for row in sink.rows] == [(1, 0.0)] * 3
    assert replayer.providers["openai"].calls == []
    with pytest.raises(CacheMissError, match="replay mode"):
        replayer.complete(request("never asked"))


def test_auto_mode_calls_once_per_request():
    provider = ScriptedProvider("openai", echo, CONFIG)
    router = LLMRouter(
        CONFIG, {"openai": provider}, cache=ResponseCache(":memory:", "auto"), clock=FakeClock()
    )
    first = router.complete(request("same"))
    second = router.complete(request("same"))
    assert first.output == second.output
    assert not first.cached
    assert second.cached
    assert len(provider.calls) == 1


def test_sink_gets_every_call_and_ledger_stands_alone():
    sink = ListSink()
    failing = ScriptedProvider("openai", lambda r, m: ProviderError("auth", "bad key"), CONFIG)
    local = ScriptedProvider("local", echo, CONFIG)
    router = LLMRouter(
        CONFIG, {"openai": failing, "local": local}, sink=sink, run_id="r1", clock=FakeClock()
    )
    answer = router.complete(request())
    assert answer.provider == "local"
    assert [(a.provider, a.status) for a in answer.attempts] == [
        ("openai", "auth"),
        ("local", "ok"),
    ]
    assert [row["status"] for row in sink.rows] == ["auth", "ok"]
    assert [row["status"] for row in router.ledger.rows()] == ["auth", "ok"]
    assert {row["run_id"] for row in sink.rows} == {"r1"}
    assert "error" not in sink.rows[1]
    assert len(failing.calls) == 1


def test_metrics_logger_sink_gets_rows_stamped_with_simulated_time(tmp_path):
    import sqlite3

    from alpha_arena.metrics import MetricsLogger

    logger = MetricsLogger(tmp_path, run_id="run-1")
    budget = LLMConfig(
        chain=CONFIG.chain,
        models=CONFIG.models,
        prices=CONFIG.prices,
        cutoffs=CONFIG.cutoffs,
        budget=BudgetConfig(daily_usd=0.001),
    )
    router = LLMRouter(
        budget,
        {"openai": ScriptedProvider("openai", echo, CONFIG)},
        sink=logger,
        clock=FakeClock(),
    )
    sim = datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)
    router.complete(request("q", sim_time=sim))
    with pytest.raises(BudgetExceededError):
        router.complete(request("q2", sim_time=sim))
    logger.close()
    with sqlite3.connect(tmp_path / "metrics.db") as db:
        rows = db.execute(
            "SELECT run_id, timestamp, provider, model, role, input_tokens, cost_usd, status "
            "FROM llm_calls ORDER BY id"
        ).fetchall()
    assert rows == [
        ("run-1", "2025-02-03 04:05:06.000", "openai", "gpt-4.1", "research", 1000, 0.0028, "ok"),
        ("run-1", "2025-02-03 04:05:06.000", "", "", "research", 0, 0.0, "skipped"),
    ]


def test_huge_retry_after_falls_back_instead_of_waiting():
    clock = FakeClock()
    slow = ScriptedProvider("openai", lambda r, m: ProviderError("rate_limit", "x", 3600.0), CONFIG)
    local = ScriptedProvider("local", echo, CONFIG)
    router = LLMRouter(CONFIG, {"openai": slow, "local": local}, clock=clock)
    assert router.complete(request()).provider == "local"
    assert clock.sleeps == []


def test_explicit_model_goes_to_its_provider_first():
    provider = ScriptedProvider("openai", echo, CONFIG)
    router = LLMRouter(CONFIG, {"openai": provider}, clock=FakeClock())
    asked = LLMRequest(({"role": "user", "content": "x"},), model="gpt-4.1-mini")
    assert router.complete(asked).model == "gpt-4.1-mini"
    assert router.models_for(("strong", "gpt-4.1-mini")) == ["gpt-4.1", "m", "gpt-4.1-mini"]


def test_config_from_mapping_and_errors():
    config = LLMConfig.from_mapping(
        {
            "chain": ["local"],
            "prices": {"m": {"input": 1, "output": 2}},
            "cutoffs": {"m": "2024-05-01"},
            "budget": {"daily_usd": 5},
            "rate_limits": {"local": {"rpm": 10}},
        }
    )
    assert config.prices["m"] == (1.0, 2.0)
    assert config.cutoffs["m"] == date(2024, 5, 1)
    assert config.budget.daily_usd == 5
    assert config.rate_limits["local"].rpm == 10
    assert config.cost("m", 1_000_000, 500_000) == pytest.approx(2.0)
    with pytest.raises(ConfigError, match="unknown keys"):
        LLMConfig.from_mapping({"chian": []})
    with pytest.raises(ValidationError, match="on_exceed"):
        LLMConfig.from_mapping({"budget": {"on_exceed": "panic"}})
    with pytest.raises(ValidationError, match=r"llm\.chain"):
        LLMConfig(chain=("skynet",))
    with pytest.raises(ConfigError, match="no price"):
        config.cost("unknown-model", 1, 1)
    with pytest.raises(ValidationError, match="messages"):
        LLMRequest(({"role": "robot", "content": "x"},))


def test_contaminated_market_is_refused_or_flagged():
    markets = make_dataset(3).markets
    assert markets["end_time"].max() < pd.Timestamp("2025-02-01", tz="UTC")
    with pytest.raises(ContaminationError, match="knowledge cutoff 2025-06-01") as info:
        check_markets(markets, CONFIG, ["gpt-4.1", "m"])
    assert info.value.markets == ["m0", "m1", "m2"]
    assert check_markets(markets, CONFIG, ["gpt-4.1", "m"], allow=True) == ["m0", "m1", "m2"]
    assert check_markets(markets, CONFIG, ["gpt-4.1"]) == []
    assert contaminated(markets, date(2024, 12, 31)) == []
    with pytest.raises(ConfigError, match="no knowledge cutoff"):
        check_markets(markets, CONFIG, ["gpt-4.1-mini"])


def test_router_queues_calls_under_its_rate_limit():
    clock = FakeClock()
    provider = ScriptedProvider("openai", echo, CONFIG)
    limited = LLMConfig(
        chain=CONFIG.chain,
        models=CONFIG.models,
        prices=CONFIG.prices,
        cutoffs=CONFIG.cutoffs,
        rate_limits={"openai": RateLimit(rpm=2)},
    )
    router = LLMRouter(limited, {"openai": provider}, clock=clock)
    for i in range(3):
        router.complete(request(f"q{i}"))
    assert clock.sleeps == [60.0]
    assert len(provider.calls) == 3


def test_models_for_can_skip_unavailable_providers():
    config = LLMConfig(chain=("anthropic", "local"), base_urls={"local": "http://127.0.0.1:1/v1"})
    router = LLMRouter(config, build_providers(config, env={}), clock=FakeClock())
    assert router.models_for(("strong",)) == ["claude-sonnet-4-6", "llama3.1:70b"]
    assert router.models_for(("strong", "claude-haiku-4-5"), available_only=True) == [
        "llama3.1:70b"
    ]


@settings(deadline=None, max_examples=40)
@given(st.lists(st.tuples(st.integers(0, 50_000), st.integers(0, 5_000)), min_size=1, max_size=8))
def test_cost_accounting_matches_usage_and_prices(usages):
    clock = FakeClock()
    queue = list(usages)

    def answer(request, model):
        tokens_in, tokens_out = queue.pop(0)
        return Completion("ok", None, tokens_in, tokens_out, model)

    router = LLMRouter(CONFIG, {"openai": ScriptedProvider("openai", answer, CONFIG)}, clock=clock)
    costs = [router.complete(request(f"q{i}")).cost_usd for i in range(len(usages))]
    expected = [(i * 2.0 + o * 8.0) / 1e6 for i, o in usages]
    assert costs == pytest.approx(expected)
    assert router.spend() == pytest.approx((sum(expected), sum(expected)))
    assert [r["input_tokens"] for r in router.ledger.rows()] == [i for i, _ in usages]


def test_invalid_schema_is_a_validation_error():
    router = LLMRouter(
        CONFIG, {"openai": ScriptedProvider("openai", echo, CONFIG)}, clock=FakeClock()
    )
    with pytest.raises(ValidationError, match="valid JSON schema"):
        router.complete(request(schema={"type": "no-such-type"}))
