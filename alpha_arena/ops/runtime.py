"""`OpsRuntime`: the operations side of a live run in one context manager.

On enter: take the pid file, log the config (if it changed) and a `start` event to the
audit log, start the Prometheus exporter and build the alert router. While running, the
runner passes its sink through `runtime.sink` (an `OpsSink`) and calls `after_cycle(seconds)`
once per cycle, which raises the manual's alerts: slow cycle, daily loss limit, LLM spend,
kill switch. On exit: a `stop` event, exporter down (`harness_up` 0), pid file removed.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from alpha_arena.ops.alerts import Alert, AlertRouter
from alpha_arena.ops.audit import AuditLog, record_config
from alpha_arena.ops.pidfile import PidFile
from alpha_arena.ops.prometheus import MetricsExporter, MetricsRegistry
from alpha_arena.ops.sink import OpsSink
from alpha_arena.risk import KillSwitch

if TYPE_CHECKING:
    from alpha_arena.config import Config


class OpsRuntime:
    """See the module docstring. `serve=False` skips the exporter (tests, backtests)."""

    def __init__(
        self,
        cfg: Config,
        inner_sink: Any | None = None,
        *,
        serve: bool = True,
        router: AlertRouter | None = None,
    ) -> None:
        self.cfg = cfg
        self.registry = MetricsRegistry()
        self.audit = AuditLog(cfg.path(cfg.ops.audit_log), cfg.secrets.values())
        self.sink = OpsSink(self.registry, inner_sink, self.audit)
        self.router = router or AlertRouter.from_config(cfg)
        self.kill_switch = KillSwitch(cfg.risk.kill_switch, cfg.kill_file)
        self.exporter: MetricsExporter | None = None
        self._serve = serve
        self._stack = ExitStack()

    def __enter__(self) -> OpsRuntime:
        ops = self.cfg.ops
        self._stack.enter_context(PidFile(self.cfg.path(ops.pid_file)))
        record_config(self.audit, self.cfg)
        mode = "live" if self.cfg.real_money else "paper"
        self.audit.append("start", mode=mode, config_hash=self.cfg.fingerprint())
        if self._serve:
            exporter = MetricsExporter(self.registry, ops.prometheus_host, ops.prometheus_port)
            self.exporter = self._stack.enter_context(exporter)
        self.alert("info", f"alpha-arena started ({mode})")
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        reason = "clean" if exc_type is None else f"error: {type(exc).__name__}"
        self.audit.append("stop", reason=reason)
        if exc_type is not None:
            self.alert("critical", "alpha-arena stopped on an error", str(type(exc).__name__))
        self._stack.close()

    def alert(self, severity: str, title: str, message: str = "") -> dict[str, str]:
        """Send an alert through the router; count delivery failures as errors."""
        outcome = self.router.send(Alert(severity, title, message))
        for channel, result in outcome.items():
            if result.startswith("failed"):
                self.sink.error(f"alert_{channel}")
        return outcome

    def after_cycle(self, seconds: float) -> list[dict[str, str]]:
        """Check one finished cycle against the limits; returns the alerts' outcomes."""
        cfg, r = self.cfg, self.registry
        sent = []
        if seconds > cfg.performance.max_cycle_seconds:
            sent.append(
                self.alert(
                    "warning",
                    "slow trading cycle",
                    f"{seconds:.1f} s > {cfg.performance.max_cycle_seconds:.0f} s",
                )
            )
        limit = cfg.risk.daily_loss_limit_usdc
        pnl = r.value("harness_daily_pnl")
        if limit is not None and pnl <= -limit:
            sent.append(
                self.alert(
                    "critical",
                    "daily loss limit reached",
                    f"daily PnL {pnl:.2f} USDC, limit {limit:.2f}",
                )
            )
        daily = cfg.cost_limits.daily
        spend = r.value("harness_llm_cost_daily_usd")
        if daily is not None and spend >= cfg.cost_limits.alert_threshold * daily:
            sent.append(
                self.alert(
                    "warning",
                    "LLM spend near the daily limit",
                    f"{spend:.2f} of {daily:.2f} USD today",
                )
            )
        reason = self.kill_switch.tripped()
        r.set("harness_kill_switch", 1 if reason else 0)
        if reason:
            sent.append(self.alert("critical", "kill switch tripped", reason))
        return sent
