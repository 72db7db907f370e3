"""LLM agents: Research, Risk, Execution and Reflection, the Coordinator that runs them per
market, and their memory (short-term in process, long-term and episodic in SQLite)."""

from alpha_arena.agents.config import AgentsConfig
from alpha_arena.agents.coordinator import Coordinator, MarketDecision
from alpha_arena.agents.execution import ExecutionAgent, OrderPlan, max_price_with_edge
from alpha_arena.agents.memory import (
    DEFAULT_RETENTION_DAYS,
    Memory,
    MemoryRecord,
    MemoryStore,
    ShortTermMemory,
)
from alpha_arena.agents.reflection import ReflectionAgent
from alpha_arena.agents.research import Assessment, ResearchAgent
from alpha_arena.agents.risk import RiskAgent, Sizing, net_edge
from alpha_arena.agents.view import MarketView, build_view

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "AgentsConfig",
    "Assessment",
    "Coordinator",
    "ExecutionAgent",
    "MarketDecision",
    "MarketView",
    "Memory",
    "MemoryRecord",
    "MemoryStore",
    "OrderPlan",
    "ReflectionAgent",
    "ResearchAgent",
    "RiskAgent",
    "ShortTermMemory",
    "Sizing",
    "build_view",
    "max_price_with_edge",
    "net_edge",
]
