"""Agents without an engine: memory, risk sizing, execution plans, reflection, research."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.agents import (
    AgentsConfig,
    Assessment,
    ExecutionAgent,
    MarketView,
    Memory,
    MemoryRecord,
    MemoryStore,
    ReflectionAgent,
    ResearchAgent,
    RiskAgent,
    ShortTermMemory,
    max_price_with_edge,
    net_edge,
)
from alpha_arena.errors import ConfigError, ValidationError
from alpha_arena.llm import (
    CacheMissError,
    Completion,
    LLMConfig,
    LLMRouter,
    ProviderError,
    ResponseCache,
)
from alpha_arena.types import OrderBook, OrderType
from tests.llm_fakes import FakeClock, ScriptedProvider

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
CONFIG = LLMConfig(
    chain=("local",),
    models={"local": {"strong": "fake-strong", "cheap": "fake-cheap"}},
    prices={"fake-strong": (1.0, 2.0), "fake-cheap": (0.1, 0.2)},
    cutoffs={"fake-strong": date(2024, 1, 1), "fake-cheap": date(2024, 1, 1)},
)


def book(token, bids, asks):
    return OrderBook.from_levels(token, NOW, bids, asks)


def view(yes_price=0.5, yes_book=None, no_book=None, fee_rate=0.04, memories=()):
    return MarketView(
        "m0",
        "Will it rain?",
        "",
        "politics",
        NOW + timedelta(days=3),
        NOW,
        "m0-yes",
        "m0-no",
        yes_price,
        fee_rate,
        {"last": yes_price},
        {"rsi_14": 55.0},
        yes_book,
        no_book,
        tuple(memories),
    )


def assessment(p, confidence=0.8):
    return Assessment("m0", p, confidence, "because", "fake-strong", "local", 0.0)


def router_with(answer):
    provider = ScriptedProvider("local", answer, CONFIG)
    return LLMRouter(CONFIG, {"local": provider}, clock=FakeClock()), provider


# ----- memory ---------------------------------------------------------------------------------


def test_short_term_memory_is_bounded_per_market():
    short = ShortTermMemory(size=3)
    for i in range(5):
        short.add("a", f"n{i}")
    short.add("b", "other")
    assert short.recent("a") == ["n2", "n3", "n4"]
    assert short.recent("b") == ["other"]
    assert short.recent("zzz") == []
    with pytest.raises(ValidationError):
        ShortTermMemory(0)


def test_recall_by_market_importance_recency_and_no_future():
    store = MemoryStore()
    store.add(MemoryRecord(NOW - timedelta(days=1), "m0", "lesson", "recent minor", 0.3))
    store.add(MemoryRecord(NOW - timedelta(days=30), "m0", "lesson", "old major", 0.9))
    store.add(MemoryRecord(NOW - timedelta(days=2), "m0", "lesson", "recent major", 0.9))
    store.add(MemoryRecord(NOW - timedelta(days=2), "m1", "lesson", "other market", 1.0))
    store.add(MemoryRecord(NOW + timedelta(days=1), "m0", "lesson", "from the future", 1.0))
    texts = [r.text for r in store.recall(market="m0", before=NOW, limit=3)]
    assert texts == ["recent major", "old major", "recent minor"]
    assert "from the future" not in [r.text for r in store.recall(before=NOW, limit=10)]
    assert [r.text for r in store.recall(before=NOW, limit=1)] == ["other market"]


def test_cleanup_removes_old_and_unimportant_only(tmp_path):
    store = MemoryStore(tmp_path / "memory.db")
    store.add(MemoryRecord(NOW - timedelta(days=100), "m", "note", "old unimportant", 0.2))
    store.add(MemoryRecord(NOW - timedelta(days=100), "m", "note", "old important", 0.8))
    store.add(MemoryRecord(NOW - timedelta(days=10), "m", "note", "new unimportant", 0.2))
    assert store.cleanup(now=NOW) == 1
    assert sorted(r.text for r in store.recall(before=NOW, limit=10)) == [
        "new unimportant",
        "old important",
    ]
    assert store.cleanup(older_than_days=5, now=NOW) == 1
    with pytest.raises(ValidationError, match="importance"):
        store.add(MemoryRecord(NOW, "m", "note", "x", 1.5))


def test_memory_context_mixes_short_term_market_and_general_lessons():
    memory = Memory()
    memory.short.add("m0", "bought at 0.4")
    memory.store.add(MemoryRecord(NOW - timedelta(days=1), "m0", "outcome", "lost", 0.6, 0.0))
    memory.store.add(MemoryRecord(NOW - timedelta(days=1), "m9", "lesson", "fade hype", 0.9))
    lines = memory.context_for("m0", NOW)
    assert lines[0] == "recent: bought at 0.4"
    assert any("lost" in line for line in lines)
    assert any("fade hype" in line for line in lines)


# ----- risk -----------------------------------------------------------------------------------


def reference_kelly(q, price, fee_rate, fraction):
    """Fractional Kelly for a binary buy, fee in shares: cost per share held c = a / (1 - f)."""
    kept = 1.0 - fee_rate * (1.0 - price)
    c = price / kept
    return max(0.0, fraction * (q - c) / (1.0 - c))


def test_risk_sizes_yes_with_fractional_kelly_after_fees():
    cfg = AgentsConfig(max_stake_usdc=1e9, max_bankroll_fraction=1.0, kelly_fraction=0.25)
    yes = book("m0-yes", [(0.49, 100)], [(0.50, 100)])
    sizing = RiskAgent(cfg).size(view(0.5, yes), assessment(0.6), 1000.0, 1000.0)
    assert sizing.approved
    assert sizing.side == "YES"
    assert sizing.token_id == "m0-yes"
    expected = reference_kelly(0.6, 0.5, 0.04, 0.25)
    assert sizing.fraction == pytest.approx(expected)
    assert sizing.usdc == pytest.approx(1000 * expected)
    assert sizing.edge == pytest.approx(0.6 - 0.5 - 0.04 * 0.25)


def test_risk_buys_no_when_forecast_is_below_price_and_caps_stake():
    no = book("m0-no", [(0.29, 100)], [(0.30, 100)])
    sizing = RiskAgent(AgentsConfig(max_stake_usdc=20)).size(
        view(0.7, None, no), assessment(0.5), 1000.0, 1000.0
    )
    assert (sizing.side, sizing.token_id) == ("NO", "m0-no")
    assert sizing.usdc == pytest.approx(20.0)
    assert "capped" in sizing.reason


def test_risk_vetoes_with_reasons():
    agent = RiskAgent(AgentsConfig(min_edge=0.02))
    yes = book("m0-yes", [(0.49, 100)], [(0.50, 100)])
    low = agent.size(view(0.5, yes), assessment(0.9, confidence=0.2), 1000.0, 1000.0)
    assert not low.approved
    assert "confidence" in low.reason
    # 1.5 points of edge before fees, less than the 2-point minimum (and the fee) after them
    thin = agent.size(view(0.5, yes, fee_rate=0.072), assessment(0.515), 1000.0, 1000.0)
    assert not thin.approved
    assert "no edge" in thin.reason
    broke = agent.size(view(0.5, yes), assessment(0.7), 1000.0, 0.5)
    assert not broke.approved
    assert "below the minimum" in broke.reason


# ----- execution ------------------------------------------------------------------------------


def test_execution_crosses_and_slices_by_depth():
    cfg = AgentsConfig(cross_edge=0.04, min_edge=0.02, participation=0.5)
    yes = book("m0-yes", [(0.49, 100)], [(0.50, 40), (0.52, 60), (0.60, 500)])
    sizing = RiskAgent(AgentsConfig(max_stake_usdc=100, max_bankroll_fraction=1.0)).size(
        view(0.5, yes), assessment(0.62), 10_000.0, 10_000.0
    )
    plans = ExecutionAgent(cfg).plan(view(0.5, yes), sizing)
    assert [(p.price, p.shares, p.order_type) for p in plans] == [
        (0.50, 20.0, OrderType.FAK),
        (0.52, 30.0, OrderType.FAK),
    ]


def test_execution_rests_when_edge_is_small():
    cfg = AgentsConfig(cross_edge=0.1, min_edge=0.02)
    yes = book("m0-yes", [(0.45, 100)], [(0.50, 100)])
    sizing = RiskAgent(cfg).size(view(0.48, yes), assessment(0.56), 1000.0, 1000.0)
    (plan,) = ExecutionAgent(cfg).plan(view(0.48, yes), sizing)
    assert plan.order_type is OrderType.GTC
    assert plan.price == pytest.approx(0.46)
    assert plan.shares * plan.price <= sizing.usdc + 1e-9


@settings(deadline=None, max_examples=80)
@given(
    prob=st.floats(0.05, 0.95),
    best_ask=st.integers(2, 98),
    sizes=st.lists(st.integers(1, 300), min_size=1, max_size=4),
    stake=st.floats(5, 500),
    fee_rate=st.sampled_from([0.0, 0.04, 0.072]),
)
def test_execution_never_overspends_or_pays_without_edge(prob, best_ask, sizes, stake, fee_rate):
    asks = [((best_ask + 2 * i) / 100, s) for i, s in enumerate(sizes) if best_ask + 2 * i < 100]
    yes = book("m0-yes", [((best_ask - 1) / 100, 50)], asks)
    cfg = AgentsConfig(max_stake_usdc=stake, max_bankroll_fraction=1.0, min_edge=0.01)
    v = view(best_ask / 100, yes, fee_rate=fee_rate)
    sizing = RiskAgent(cfg).size(v, assessment(prob), 1e6, 1e6)
    plans = ExecutionAgent(cfg).plan(v, sizing)
    spent = sum(p.shares * p.price for p in plans)
    assert spent <= sizing.usdc + 1e-9
    for plan in plans:
        assert net_edge(sizing.probability, plan.price, fee_rate) >= cfg.min_edge - 1e-12
        assert plan.token_id == sizing.token_id


def test_max_price_with_edge_is_on_tick_and_maximal():
    price = max_price_with_edge(0.7, 0.04, 0.02, 0.01)
    assert net_edge(0.7, price, 0.04) >= 0.02
    assert net_edge(0.7, price + 0.01, 0.04) < 0.02
    assert math.isclose(price * 100, round(price * 100))


# ----- research and reflection -----------------------------------------------------------


def test_research_sends_view_and_validates_answer():
    def answer(request, model):
        assert request.role == "research"
        assert request.sim_time == NOW
        assert "Will it rain?" in request.messages[-1]["content"]
        assert "remember this" in request.messages[-1]["content"]
        return Completion(
            json.dumps({"probability": 0.7, "confidence": 0.6, "rationale": "r"}),
            None,
            10,
            5,
            model,
        )

    router, provider = router_with(answer)
    result = ResearchAgent(router).assess(view(memories=["remember this"]))
    assert (result.probability, result.confidence, result.model) == (0.7, 0.6, "fake-strong")
    assert provider.calls[0][1] == "fake-strong"


def test_research_out_of_range_probability_is_repaired_then_fails():
    bad = json.dumps({"probability": 1.7, "confidence": 0.6, "rationale": "r"})
    router, provider = router_with(lambda r, m: Completion(bad, None, 10, 5, m))
    with pytest.raises(Exception, match="probability"):
        ResearchAgent(router).assess(view())
    assert len(provider.calls) == 2


def test_reflection_writes_outcome_and_lesson():
    def answer(request, model):
        assert model == "fake-cheap"
        return Completion(
            json.dumps({"lesson": "trust the base rate", "importance": 0.8}), None, 10, 5, model
        )

    router, _ = router_with(answer)
    memory = Memory()
    agent = ReflectionAgent(router, memory)
    lesson = agent.resolve("m0", "Will it rain?", 0.0, NOW, assessment(0.8))
    assert lesson == "trust the base rate"
    kinds = {r.kind: r for r in memory.store.recall(market="m0", before=NOW, limit=5)}
    assert kinds["outcome"].outcome == 0.0
    assert "Brier 0.640" in kinds["outcome"].text
    assert kinds["lesson"].importance == 0.8


def test_reflection_survives_provider_failure():
    router, _ = router_with(lambda r, m: ProviderError("auth", "bad key"))
    memory = Memory()
    assert ReflectionAgent(router, memory).resolve("m0", "q", 1.0, NOW, assessment(0.3)) is None
    assert memory.store.count() == 1


def test_agents_config_from_mapping():
    cfg = AgentsConfig.from_mapping({"research_model": "fake-strong", "max_concurrency": 2})
    assert cfg.research_model == "fake-strong"
    with pytest.raises(ConfigError, match="unknown keys"):
        AgentsConfig.from_mapping({"reserch_model": "x"})
    with pytest.raises(ValidationError, match="kelly_fraction"):
        AgentsConfig(kelly_fraction=2.0)


def test_research_reports_providers_passed_over():
    answer = json.dumps({"probability": 0.4, "confidence": 0.9, "rationale": "r"})
    config = LLMConfig(
        chain=("openai", "local"),
        models={"openai": {"strong": "gpt-4.1"}, "local": {"strong": "fake-strong"}},
        prices=CONFIG.prices | {"gpt-4.1": (2.0, 8.0)},
    )
    router = LLMRouter(
        config,
        {
            "openai": ScriptedProvider("openai", lambda r, m: ProviderError("server", "500")),
            "local": ScriptedProvider("local", lambda r, m: Completion(answer, None, 1, 1, m)),
        },
        clock=FakeClock(),
    )
    result = ResearchAgent(router).assess(view())
    assert result.provider == "local"
    assert result.passed_over == ("openai: server",)


def test_reflection_replay_miss_is_an_error():
    provider = ScriptedProvider("local", lambda r, m: ProviderError("auth", "x"), CONFIG)
    router = LLMRouter(
        CONFIG, {"local": provider}, cache=ResponseCache(":memory:", "replay"), clock=FakeClock()
    )
    with pytest.raises(CacheMissError):
        ReflectionAgent(router, Memory()).resolve("m0", "q", 1.0, NOW, assessment(0.3))
