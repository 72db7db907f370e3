"""Coordinator: the per-market pipeline research → risk → execution, with bounded
concurrency and timeouts for the LLM step, orders placed through `ctx`.

Views are built and orders placed on the engine's thread (the context is not
thread-safe); only the research calls run in the worker pool. Results are applied in
market order, so a run's orders do not depend on which call finished first.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from alpha_arena.agents.config import AgentsConfig
from alpha_arena.agents.execution import ExecutionAgent, OrderPlan
from alpha_arena.agents.memory import Memory
from alpha_arena.agents.reflection import ReflectionAgent
from alpha_arena.agents.research import Assessment, ResearchAgent
from alpha_arena.agents.risk import RiskAgent, Sizing
from alpha_arena.agents.view import MarketView, build_view
from alpha_arena.llm import BudgetExceededError, CacheMissError, LLMError, LLMRouter
from alpha_arena.strategy import Context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MarketDecision:
    """What the pipeline did for one market at one step."""

    market_id: str
    assessment: Assessment | None
    sizing: Sizing | None
    orders: tuple[OrderPlan, ...]
    skipped: str = ""


class Coordinator:
    """Runs the agents over the markets a step should look at."""

    def __init__(
        self, router: LLMRouter, memory: Memory | None = None, config: AgentsConfig | None = None
    ) -> None:
        self.config = config or AgentsConfig()
        self.router = router
        self.memory = memory or Memory()
        self.research = ResearchAgent(router, self.config.research_model)
        self.risk = RiskAgent(self.config)
        self.execution = ExecutionAgent(self.config)
        self.reflection = ReflectionAgent(router, self.memory, self.config.reflection_model)
        self.assessments: dict[str, Assessment] = {}
        self._pool: ThreadPoolExecutor | None = None

    def candidates(self, ctx: Context) -> list[str]:
        """Open markets with no position and no open order, in data order, at most
        `max_markets` of them."""
        tokens = ctx.tokens
        open_tokens = tokens.index[ctx.tradeable()]
        busy = {o.token_id for o in ctx.open_orders()}
        held = {t for t in tokens.index if ctx.position(t) > 0}
        out: list[str] = []
        for market in dict.fromkeys(tokens.loc[open_tokens, "market_id"]):
            mine = set(tokens.index[tokens["market_id"] == market])
            if mine & (busy | held):
                continue
            out.append(str(market))
            if len(out) == self.config.max_markets:
                break
        return out

    def step(self, ctx: Context) -> list[MarketDecision]:
        """Research, size and execute every candidate market; returns what was decided."""
        views: list[MarketView] = []
        for market in self.candidates(ctx):
            memories = self.memory.context_for(market, ctx.now, self.config.memory_limit)
            view = build_view(ctx, market, memories)
            if view is not None:
                views.append(view)
        results = self._research_all(views)
        decisions = []
        for view, result in zip(views, results, strict=True):
            if isinstance(result, str):
                decision = MarketDecision(view.market_id, None, None, (), result)
                ctx.signal(market=view.market_id, skipped=result)
            else:
                decision = self._act(ctx, view, result)
            decisions.append(decision)
        return decisions

    def _act(self, ctx: Context, view: MarketView, assessment: Assessment) -> MarketDecision:
        self.assessments[view.market_id] = assessment
        ctx.forecast(view.yes_token, assessment.probability)
        sizing = self.risk.size(view, assessment, ctx.equity, ctx.cash)
        plans = tuple(self.execution.plan(view, sizing))
        for plan in plans:
            ctx.buy(plan.token_id, plan.shares, price=plan.price, order_type=plan.order_type)
        ctx.signal(
            market=view.market_id,
            probability=assessment.probability,
            confidence=assessment.confidence,
            model=assessment.model,
            provider=assessment.provider,
            passed_over=list(assessment.passed_over),
            decision=sizing.reason,
            orders=len(plans),
        )
        self.memory.short.add(
            view.market_id,
            f"{view.now:%Y-%m-%d %H:%M} price {view.yes_price:.3f}, forecast "
            f"{assessment.probability:.2f}: {sizing.reason}",
        )
        return MarketDecision(view.market_id, assessment, sizing, plans)

    def _research_all(self, views: list[MarketView]) -> list[Assessment | str]:
        """One assessment (or the reason there is none) per view, in view order."""
        if not views:
            return []
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self.config.max_concurrency, thread_name_prefix="llm-research"
            )
        futures: list[Future] = [self._pool.submit(self.research.assess, v) for v in views]
        deadline = time.monotonic() + self.config.timeout_s
        out: list[Assessment | str] = []
        for view, future in zip(views, futures, strict=True):
            try:
                out.append(future.result(timeout=max(0.0, deadline - time.monotonic())))
            except FutureTimeout:
                future.cancel()
                out.append(f"research timed out after {self.config.timeout_s:g}s")
            except CacheMissError:
                raise
            except BudgetExceededError as exc:
                out.append(f"budget: {exc}")
            except LLMError as exc:
                log.warning("research on %s failed: %s", view.market_id, exc)
                out.append(f"no provider answered: {exc}")
        return out

    def close(self) -> None:
        """Stop the worker pool."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
