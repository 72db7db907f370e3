"""LLMStrategy: the agents' Coordinator as a Strategy, registered as `llm`.

    python -m alpha_arena.backtest --strategy llm --param config=config.yaml \
        --param cache_mode=replay --param cache_path=llm_cache.db

The config file's `llm:` and `agents:` sections configure providers and agents. Before the
first decision the knowledge-cutoff guard refuses markets that ended before the models'
cutoff unless `allow_contaminated` (then they are flagged in the decision log).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from alpha_arena.agents import AgentsConfig, Coordinator, Memory, MemoryStore
from alpha_arena.errors import ConfigError, ValidationError
from alpha_arena.llm import (
    Ledger,
    LLMRouter,
    ResponseCache,
    check_markets,
)
from alpha_arena.llm.cache import MODES
from alpha_arena.strategy import Context, Strategy
from alpha_arena.types import Fill, ResolutionState, Settlement


def engine_sink(ctx: Context) -> Any:
    """The engine's metrics sink when it records LLM calls (has `llm_call`), else None."""
    sink = getattr(ctx._engine, "sink", None)
    return sink if callable(getattr(sink, "llm_call", None)) else None


@dataclass
class LLMStrategy(Strategy):
    """Forecast each open market with the ResearchAgent, size with the RiskAgent, execute
    with the ExecutionAgent, learn with the ReflectionAgent.

    Parameters: `config` (YAML with `llm:` / `agents:` sections), `cache_mode` and
    `cache_path` (record/replay; empty = the config's), `memory_path` (memory.db; empty =
    in memory), `ledger_path` (the llm_calls ledger budgets read; empty = `llm.ledger_path`),
    `allow_contaminated`, `decide_every` (snapshots between decisions), `max_markets`
    (markets researched per decision, overrides `agents.max_markets` when > 0).
    """

    config: str = ""
    cache_mode: str = ""
    cache_path: str = ""
    memory_path: str = ""
    ledger_path: str = ""
    allow_contaminated: bool = False
    decide_every: int = 60
    max_markets: int = 0

    def __post_init__(self) -> None:
        if self.cache_mode and self.cache_mode not in MODES:
            raise ValidationError("cache_mode", " | ".join(MODES), self.cache_mode)
        if self.decide_every < 1:
            raise ValidationError("decide_every", "snapshots >= 1", self.decide_every)
        if self.max_markets < 0:
            raise ValidationError("max_markets", "an integer >= 0", self.max_markets)
        self._router: LLMRouter | None = None
        self._memory: Memory | None = None
        self._agents: AgentsConfig | None = None
        self.coordinator: Coordinator | None = None
        self.contaminated: list[str] = []
        self._steps = 0

    def attach(
        self,
        router: LLMRouter | None = None,
        memory: Memory | None = None,
        agents: AgentsConfig | None = None,
    ) -> LLMStrategy:
        """Use these instead of building them from the config (tests, notebooks)."""
        self._router, self._memory, self._agents = router, memory, agents
        return self

    def _build(self, ctx: Context) -> Coordinator:
        from alpha_arena.config import read_config

        cfg, problems = read_config(self.config or None)
        problems.within("config", "llm", "agents").raise_if_any(self.config)
        llm = cfg.llm
        agents = self._agents or cfg.agents
        if self.max_markets:
            agents = replace(agents, max_markets=self.max_markets)
        router = self._router
        if router is None:
            mode = self.cache_mode or llm.cache_mode
            cache = None
            if mode != "off":
                cache = ResponseCache(self.cache_path or llm.cache_path, mode)
            router = LLMRouter(
                llm,
                ledger=Ledger(self.ledger_path or llm.ledger_path),
                cache=cache,
                sink=engine_sink(ctx),
            )
        memory = self._memory or Memory(MemoryStore(self.memory_path or ":memory:"))
        return Coordinator(router, memory, agents)

    def on_start(self, ctx: Context) -> None:
        self.coordinator = self._build(ctx)
        cfg = self.coordinator.config
        router = self.coordinator.router
        replay = router.cache is not None and router.cache.mode == "replay"
        tiers = (cfg.research_model, cfg.reflection_model)
        models = router.models_for(tiers, available_only=not replay)
        if not models:
            reasons = "; ".join(f"{s.name}: {s.reason}" for s in router.status())
            raise ConfigError(f"no LLM provider can serve this run ({reasons})")
        self.contaminated = check_markets(
            ctx.markets, router.config, models, self.allow_contaminated
        )
        self._steps = 0

    def on_snapshot(self, ctx: Context) -> None:
        if self._steps == 0 and self.contaminated:
            ctx.signal(contaminated=self.contaminated)
        if self._steps % self.decide_every == 0:
            self.coordinator.step(ctx)
        self._steps += 1

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        market = str(ctx.tokens.loc[fill.token_id, "market_id"])
        self.coordinator.reflection.record_fill(market, fill)

    def on_resolution(self, ctx: Context, settlement: Settlement) -> None:
        token = ctx.tokens.loc[settlement.token_id]
        market = str(token["market_id"])
        payout = settlement.payout
        yes_paid = payout if bool(token["is_yes"]) else 1.0 - payout
        if settlement.state is ResolutionState.VOID:
            yes_paid = 0.5
        question = str(ctx.markets.loc[market, "question"])
        self.coordinator.reflection.resolve(
            market, question, yes_paid, ctx.now, self.coordinator.assessments.get(market)
        )

    def on_end(self, ctx: Context) -> None:
        self.coordinator.close()
