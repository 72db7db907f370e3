"""Every provider through its real SDK against a fake server on 127.0.0.1: success,
structured output, 429 + Retry-After, 500, timeout, malformed → repair → fallback, cost."""

from __future__ import annotations

import pytest

from alpha_arena.llm import (
    BudgetConfig,
    BudgetExceededError,
    LLMConfig,
    LLMError,
    LLMRequest,
    LLMRouter,
    build_providers,
)
from tests.llm_fakes import FakeClock, FakeLLMServer, Reply, error_body, success_body

PROVIDERS = ("anthropic", "openai", "google", "xai", "local")
FALLBACK = {
    "anthropic": "openai",
    "openai": "anthropic",
    "google": "openai",
    "xai": "local",
    "local": "xai",
}
SCHEMA = {
    "type": "object",
    "properties": {"probability": {"type": "number", "minimum": 0, "maximum": 1}},
    "required": ["probability"],
}
MODELS = {
    "anthropic": {"strong": "claude-sonnet-4-6"},
    "openai": {"strong": "gpt-4.1"},
    "google": {"strong": "gemini-2.5-pro"},
    "xai": {"strong": "grok-4"},
    "local": {"strong": "llama3.1:70b"},
}
KEYS = {
    "ANTHROPIC_API_KEY": "sk-ant-test",
    "OPENAI_API_KEY": "sk-test",
    "GEMINI_API_KEY": "g-test",
    "XAI_API_KEY": "xai-test",
}


@pytest.fixture(scope="module")
def server():
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture(autouse=True)
def _clean(server):
    server.queues.clear()
    server.requests.clear()


def make_router(server, chain, clock=None, **overrides):
    base_urls = {name: server.base_url(name) for name in PROVIDERS}
    config = LLMConfig(
        chain=tuple(chain),
        models=overrides.pop("models", MODELS),
        base_urls=base_urls,
        timeout_s=overrides.pop("timeout_s", 5.0),
        max_retries=overrides.pop("max_retries", 1),
        **overrides,
    )
    providers = build_providers(config, env=KEYS)
    return LLMRouter(config, providers, clock=clock or FakeClock())


def ask(schema=SCHEMA):
    return LLMRequest(
        ({"role": "system", "content": "You forecast."}, {"role": "user", "content": "P(yes)?"}),
        schema=schema,
        role="research",
    )


@pytest.mark.parametrize("name", PROVIDERS)
def test_structured_success_and_cost(server, name):
    server.push(name, Reply(body=success_body(name, {"probability": 0.62}, **_usage(name))))
    router = make_router(server, [name])
    answer = router.complete(ask())
    assert answer.output == {"probability": 0.62}
    assert answer.provider == name
    assert (answer.input_tokens, answer.output_tokens) == (1200, 300)
    pin, pout = router.config.prices[MODELS[name]["strong"]]
    assert answer.cost_usd == pytest.approx((1200 * pin + 300 * pout) / 1e6)
    (row,) = router.ledger.rows()
    assert row["status"] == "ok"
    assert row["provider"] == name
    assert row["role"] == "research"
    assert row["cost_usd"] == pytest.approx(answer.cost_usd)
    sent = server.requests[name][0]["json"]
    if name == "anthropic":
        assert sent["tool_choice"] == {"type": "tool", "name": "answer"}
        assert sent["tools"][0]["input_schema"] == SCHEMA
        assert sent["system"] == "You forecast."
    elif name == "google":
        assert sent["generationConfig"]["responseMimeType"] == "application/json"
        assert sent["generationConfig"]["responseJsonSchema"] == SCHEMA
    else:
        assert sent["response_format"]["json_schema"]["schema"] == SCHEMA
        assert sent["messages"][0] == {"role": "system", "content": "You forecast."}


def _usage(name):
    if name == "anthropic":
        return {"input_tokens": 1200, "output_tokens": 300}
    if name == "google":
        return {"prompt_tokens": 1200, "output_tokens": 300}
    return {"prompt_tokens": 1200, "completion_tokens": 300}


@pytest.mark.parametrize("name", PROVIDERS)
def test_429_waits_retry_after_then_succeeds(server, name):
    server.push(
        name,
        Reply(429, error_body(name, 429), {"retry-after": "7"}),
        Reply(body=success_body(name, {"probability": 0.3})),
    )
    clock = FakeClock()
    router = make_router(server, [name], clock)
    answer = router.complete(ask())
    assert answer.output == {"probability": 0.3}
    assert clock.sleeps == [7.0]
    assert [r["status"] for r in router.ledger.rows()] == ["rate_limit", "ok"]
    assert len(server.requests[name]) == 2


@pytest.mark.parametrize("name", PROVIDERS)
def test_500_retries_with_backoff_then_falls_back(server, name):
    other = FALLBACK[name]
    server.push(name, Reply(500, error_body(name, 500)), Reply(503, error_body(name, 503)))
    server.push(other, Reply(body=success_body(other, {"probability": 0.4})))
    clock = FakeClock()
    router = make_router(server, [name, other], clock, backoff_s=2.0)
    answer = router.complete(ask())
    assert answer.provider == other
    assert clock.sleeps == [2.0]
    assert [(a.provider, a.status) for a in answer.attempts] == [(name, "server"), (other, "ok")]


@pytest.mark.parametrize("name", PROVIDERS)
def test_timeout_falls_back(server, name):
    other = FALLBACK[name]
    server.push(name, Reply(body=success_body(name, {"probability": 0.1}), delay=1.0))
    server.push(other, Reply(body=success_body(other, {"probability": 0.2})))
    router = make_router(server, [name, other], timeout_s=0.3, max_retries=0)
    answer = router.complete(ask())
    assert answer.output == {"probability": 0.2}
    assert answer.attempts[0].status == "timeout"


@pytest.mark.parametrize("name", PROVIDERS)
def test_malformed_is_repaired_once(server, name):
    bad = {"probability": 7} if name == "anthropic" else "I think about 60%"
    server.push(
        name,
        Reply(body=success_body(name, bad)),
        Reply(body=success_body(name, {"probability": 0.6})),
    )
    router = make_router(server, [name])
    answer = router.complete(ask())
    assert answer.output == {"probability": 0.6}
    repair = server.requests[name][1]["json"]
    history = repair["contents"] if name == "google" else repair["messages"]
    assert "not valid" in str(history[-1])
    assert [r["status"] for r in router.ledger.rows()] == ["malformed", "ok"]


@pytest.mark.parametrize("name", PROVIDERS)
def test_malformed_twice_falls_back(server, name):
    other = FALLBACK[name]
    server.push(name, Reply(body=success_body(name, "nope")), Reply(body=success_body(name, "{}")))
    server.push(other, Reply(body=success_body(other, {"probability": 0.5})))
    router = make_router(server, [name, other])
    answer = router.complete(ask())
    assert answer.provider == other
    assert answer.attempts[0].status == "malformed"
    assert "probability" in answer.attempts[0].reason


def test_plain_text_without_schema(server):
    server.push("openai", Reply(body=success_body("openai", "hello")))
    assert make_router(server, ["openai"]).complete(ask(schema=None)).output == "hello"


def test_missing_key_is_unavailable_with_reason(server):
    config = LLMConfig(chain=("anthropic", "google", "local"), base_urls={"local": None})
    router = LLMRouter(config, build_providers(config, env={}), clock=FakeClock())
    status = {s.name: s for s in router.status()}
    assert not status["anthropic"].available
    assert "ANTHROPIC_API_KEY" in status["anthropic"].reason
    assert "GOOGLE_API_KEY or GEMINI_API_KEY" in status["google"].reason
    assert "base URL" in status["local"].reason
    with pytest.raises(LLMError, match="no API key"):
        router.complete(ask())


def test_circuit_breaker_skips_failing_provider_until_cooldown(server):
    clock = FakeClock()
    router = make_router(
        server,
        ["openai", "anthropic"],
        clock,
        max_retries=0,
        breaker_failures=2,
        breaker_cooldown_s=100.0,
    )
    server.push("openai", *[Reply(500, error_body("openai", 500))] * 2)
    for _ in range(3):
        server.push("anthropic", Reply(body=success_body("anthropic", {"probability": 0.5})))
    statuses = [router.complete(ask()).attempts[0].status for _ in range(3)]
    assert statuses == ["server", "server", "circuit_open"]
    assert len(server.requests["openai"]) == 2
    clock.sleep(101)
    server.push("openai", Reply(body=success_body("openai", {"probability": 0.9})))
    assert router.complete(ask()).provider == "openai"


def test_budget_stop_skips_after_spend(server):
    clock = FakeClock()
    alerts = []
    budget = BudgetConfig(daily_usd=0.01, alert_at=0.8)
    router = make_router(server, ["openai"], clock, budget=budget)
    router.budget.alert = alerts.append
    # gpt-4.1: 2 $/M in, 8 $/M out -> 1000 in + 800 out = 0.0084 $ (84 % of the budget)
    server.push(
        "openai",
        Reply(
            body=success_body(
                "openai", {"probability": 0.5}, prompt_tokens=1000, completion_tokens=800
            )
        ),
    )
    router.complete(ask())
    assert len(alerts) == 1
    assert "84%" in alerts[0]
    server.push(
        "openai",
        Reply(
            body=success_body(
                "openai", {"probability": 0.5}, prompt_tokens=1000, completion_tokens=800
            )
        ),
    )
    router.complete(ask())
    with pytest.raises(BudgetExceededError, match="daily budget spent"):
        router.complete(ask())
    assert len(server.requests["openai"]) == 2
    assert router.ledger.rows()[-1]["status"] == "skipped"
    today, month = router.spend()
    assert today == pytest.approx(0.0168)
    assert month == pytest.approx(0.0168)
    clock.sleep(86_400)
    assert router.spend()[0] == 0.0


def test_budget_cheaper_routes_to_fallback_tier(server):
    models = {**MODELS, "openai": {"strong": "gpt-4.1", "cheap": "gpt-4.1-mini"}}
    budget = BudgetConfig(monthly_usd=0.001, on_exceed="cheaper")
    router = make_router(server, ["openai"], budget=budget, models=models)
    server.push(
        "openai", Reply(body=success_body("openai", {"probability": 0.5}, prompt_tokens=1000))
    )
    server.push("openai", Reply(body=success_body("openai", {"probability": 0.5})))
    router.complete(ask())
    second = router.complete(ask())
    assert server.requests["openai"][1]["json"]["model"] == "gpt-4.1-mini"
    assert second.model == "gpt-4.1-mini"
