"""`OpsSink`: an engine sink that feeds the Prometheus registry and the audit log, then
passes every event on to an inner sink (the metrics logger or the live decision log).

The live runner wraps its sink in one of these, so the exporter and the audit log see
exactly the decisions, orders and fills that are logged, with no second code path.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from alpha_arena.timeutil import from_ns

if TYPE_CHECKING:
    from alpha_arena.engine.loop import Decision
    from alpha_arena.ops.audit import AuditLog
    from alpha_arena.ops.prometheus import MetricsRegistry
    from alpha_arena.types import Fill, Order, Settlement


class OpsSink:
    """Updates `registry` (and `audit`) from engine events; forwards them to `inner`."""

    def __init__(
        self, registry: MetricsRegistry, inner: Any | None = None, audit: AuditLog | None = None
    ) -> None:
        self.registry = registry
        self.inner = inner
        self.audit = audit
        self._day: tuple[Any, float] | None = None
        self._llm_day: tuple[Any, float] | None = None
        self._seen: set[tuple[str, str]] = set()

    def decision(self, decision: Decision) -> None:
        """Count the cycle, its error, its decision time; stamp the last decision."""
        r = self.registry
        r.inc("harness_cycles_total")
        if decision.status == "error":
            r.inc("harness_errors_total", kind="decision")
        r.observe(decision.latency_ms / 1000.0)
        r.set("harness_last_decision_timestamp_seconds", time.time())
        r.set("harness_equity", decision.equity)
        r.set("harness_open_positions", decision.positions)
        if self.inner is not None:
            self.inner.decision(decision)

    def order(self, order: Order) -> None:
        """Count each order once per status it reaches; audit every change."""
        status = str(getattr(order.status, "value", order.status))
        if (order.client_id, status) not in self._seen:
            self._seen.add((order.client_id, status))
            self.registry.inc("harness_orders_total", status=status)
            if self.audit is not None:
                fields = {f.name: getattr(order, f.name) for f in dataclasses.fields(order)}
                self.audit.order(**fields)
        if self.inner is not None:
            self.inner.order(order)

    def fill(self, fill: Fill) -> None:
        """Count the fill by side."""
        self.registry.inc("harness_fills_total", side=str(getattr(fill.side, "value", fill.side)))
        if self.inner is not None:
            self.inner.fill(fill)

    def settlement(self, settlement: Settlement) -> None:
        """Forward only: settlements show up in equity."""
        if self.inner is not None:
            self.inner.settlement(settlement)

    def equity(self, t_ns: int, cash: float, equity: float) -> None:
        """Daily PnL: equity minus the first equity seen on this UTC day."""
        day = from_ns(t_ns).date()
        if self._day is None or self._day[0] != day:
            self._day = (day, equity)
        self.registry.set("harness_daily_pnl", equity - self._day[1])
        if self.inner is not None:
            self.inner.equity(t_ns, cash, equity)

    def llm_call(self, **fields: Any) -> None:
        """Add an LLM call's cost (USD) to the totals; forward to the inner logger if it has one."""
        cost = float(fields.get("cost_usd") or 0.0)
        provider = str(fields.get("provider") or "unknown")
        self.registry.inc("harness_llm_cost_usd_total", cost, provider=provider)
        today = datetime.now(UTC).date()
        spent = (
            cost if self._llm_day is None or self._llm_day[0] != today else self._llm_day[1] + cost
        )
        self._llm_day = (today, spent)
        self.registry.set("harness_llm_cost_daily_usd", spent)
        if self.inner is not None and hasattr(self.inner, "llm_call"):
            self.inner.llm_call(**fields)

    def error(self, kind: str) -> None:
        """Count an error outside a decision (feed, broker, alert delivery...)."""
        self.registry.inc("harness_errors_total", kind=kind)

    def flush(self) -> None:
        """Flush the inner sink."""
        if self.inner is not None:
            self.inner.flush()

    def close(self) -> None:
        """Close the inner sink, if it can be closed."""
        if self.inner is not None and hasattr(self.inner, "close"):
            self.inner.close()
