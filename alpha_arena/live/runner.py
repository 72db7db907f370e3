"""The live runner: the backtest's engine, strategy and risk gate on the live feed and broker.

One cycle = one feed poll + one `Engine.step` (broker events, marks, risk, the strategy's
decision, orders through the gate). Paper trading is the default; real orders need
`live=True` and `confirm: true` in the config. SIGTERM and SIGINT end the run after the
current cycle (logs flushed, exit 0). Decisions, orders, fills and equity go to the
`MetricsLogger` (mode "live" or "paper": every decision on disk before the next step) in
the state directory. The kill switch (config flag, the kill file, or
`alpha-arena kill`) blocks every order and cancels open ones.

A `markets.screen` is resolved through Gamma once, when the runner is built
(`live/screen.py`): the picked ids join `markets.ids`, are logged, saved to
`<state_dir>/screen.json` (shown by `alpha-arena status`) and audited as a `screen` event.

Every `resolve_every` cycles Gamma is asked which markets resolved (`live/resolutions.py`):
their open orders are cancelled and new ones refused; paper positions settle as in a
backtest; live positions are recorded as to redeem on-chain (with an alert). A paper
account is saved to `account.db` after every cycle and restored on start unless
`reset_paper`.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import signal
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alpha_arena.brokers.journal import OrderJournal
from alpha_arena.brokers.paper import PaperBroker, PaperStore
from alpha_arena.data.http import RetryPolicy
from alpha_arena.data.polymarket import PolymarketClient
from alpha_arena.engine import Engine
from alpha_arena.errors import AlphaArenaError, ApiError, ConfigError
from alpha_arena.live.feed import LiveFeed, server_clock
from alpha_arena.live.guard import StaleGuard
from alpha_arena.live.resolutions import (
    ACCOUNT_DB,
    RedemptionLedger,
    ResolutionWatcher,
    redemptions,
)
from alpha_arena.live.screen import ScreenResult, resolve, write_screen
from alpha_arena.live.settings import LiveSettings
from alpha_arena.metrics import MetricsLogger
from alpha_arena.risk import KillSwitch, RiskManager
from alpha_arena.sim import SimConfig
from alpha_arena.strategy.base import Strategy

if TYPE_CHECKING:
    from alpha_arena.ops.runtime import OpsRuntime

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What a run did: cycles, seconds per cycle, orders placed, why it stopped."""

    run_id: str
    mode: str
    cycles: int = 0
    cycle_seconds: list[float] = field(default_factory=list)
    orders: int = 0
    stopped_by: str = ""
    kill_switch: str = ""
    errors: int = 0
    reconcile: dict[str, int] = field(default_factory=dict)
    resolved: list[str] = field(default_factory=list)
    restored_from: str = ""


def repair_jsonl(path: Path) -> None:
    """Cut a torn last line (no newline: a `kill -9` mid-write) so the log stays parseable."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as stream:
            stream.truncate(data.rfind(b"\n") + 1)


class LiveRunner:
    """Runs `strategy` on the markets of `settings`, paper or (with `live`) on the CLOB.

    `on_alert` receives operator alerts (stale feed, kill switch, failed cycles); `retry`
    is the REST retry policy of the feed's client (429/5xx back off and retry). `ops` (an
    `OpsRuntime`) adds the pid file, audit log, Prometheus exporter and alert routing: the
    engine's events go through its sink, and every cycle is checked by `after_cycle`.
    `resolve_every` (default: the settings' `live.resolve_every`) is the number of cycles
    between resolution checks; `reset_paper` starts the paper
    account afresh instead of restoring the saved one.
    """

    def __init__(
        self,
        settings: LiveSettings,
        strategy: Strategy,
        *,
        live: bool = False,
        interval: float = 60.0,
        on_alert: Callable[[str], None] | None = None,
        retry: RetryPolicy | None = None,
        ops: OpsRuntime | None = None,
        resolve_every: int | None = None,
        reset_paper: bool = False,
    ) -> None:
        if live and not settings.confirm:
            raise ConfigError(
                "live.confirm: real orders need `confirm: true` in the config as well as --live"
            )
        self.settings = settings
        self.strategy = strategy
        self.live = live
        self.interval = interval
        self.ops = ops
        if on_alert is None and ops is not None:
            on_alert = lambda message: ops.alert("warning", message)  # noqa: E731
        self.on_alert = on_alert or (lambda message: log.warning("ALERT %s", message))
        self.run_id = f"r{time.time_ns() // 1_000_000:x}"
        self.summary = RunSummary(self.run_id, "live" if live else "paper")
        self._stopping = False
        self.retry = retry or RetryPolicy()
        self.reset_paper = reset_paper
        self._paper: tuple[PaperBroker, PaperStore] | None = None
        self._rng = random.Random()
        self.client = PolymarketClient(
            gamma_url=settings.gamma_url,
            clob_url=settings.clob_url,
            rate_per_minute=settings.rate_per_minute,
            retry=self.retry,
        )
        self.screened: ScreenResult | None = None
        if settings.screen is not None:
            try:
                self.screened = resolve(self.client, settings.screen)
            except BaseException:
                self.client.close()
                raise
            settings = dataclasses.replace(settings, markets=list(self.screened.ids), screen=None)
            self.settings = settings
        clock = server_clock(self.client) if settings.clock == "server" else time.time_ns
        self.feed = LiveFeed(
            self.client,
            settings.markets,
            interval=interval,
            stale_after=settings.stale_after,
            clock=clock,
            history_rows=settings.history_rows,
            ws_url=settings.ws_url,
            on_stale=lambda token, age: self.on_alert(
                f"stale feed: no fresh book for {token} in {age:.0f} s"
            ),
        )
        every = resolve_every or settings.resolve_every
        self.resolutions = ResolutionWatcher(self.client, settings.markets, every)

    def _broker(self) -> Any:
        settings = self.settings
        dataset = lambda: self.resolutions.overlay(self.feed.dataset)  # noqa: E731
        if not self.live:
            broker = PaperBroker(dataset, settings.paper_cash, SimConfig(latency_ms=0.0))
            store = PaperStore(settings.state_dir / ACCOUNT_DB)
            if self.reset_paper:
                store.clear()
            saved = store.load()
            if saved is not None:
                broker.restore(saved)
                run_id, cycle = store.saved_at() or ("", 0)
                self.summary.restored_from = f"{run_id} cycle {cycle}"
            self._paper = (broker, store)
            return broker
        from alpha_arena.brokers.clob import ClobBroker, ClobSettings

        journal = OrderJournal(settings.state_dir / "orders.db")
        broker = ClobBroker(
            dataset,
            settings.private_key(),
            journal,
            ClobSettings(
                settings.clob_url, settings.chain_id, settings.signature_type, settings.funder
            ),
        )
        self.summary.reconcile = self._retrying("reconcile", broker.reconcile)
        return broker

    def _retrying(self, what: str, fn: Callable[[], Any]) -> Any:
        """Call `fn`, retrying 429/5xx/network failures with the REST retry policy's backoff."""
        policy = self.retry
        attempt = 1
        while True:
            try:
                return fn()
            except ApiError as exc:
                transient = exc.status is None or exc.status == 429 or exc.status >= 500
                if not transient or attempt >= policy.max_attempts:
                    raise
                self.on_alert(f"{what} failed, retrying: {exc}")
                time.sleep(policy.backoff(attempt, self._rng))
                attempt += 1

    def _watch_resolutions(self, broker: Any, now_ns: int) -> None:
        """Ask Gamma (every `resolve_every` cycles) which markets resolved; cancel and refuse
        orders on them, and in live mode record the paying positions as to redeem."""
        new = self.resolutions.check(self.summary.cycles)
        if not new:
            return
        tokens = self.feed.dataset.tokens
        for cid, resolution in new.items():
            for token in tokens.index[tokens["market_id"] == cid]:
                broker.cancel_all(now_ns, str(token))
            winner = f", {resolution.winning_outcome} won" if resolution.winning_outcome else ""
            self.on_alert(f"market {cid} resolved ({resolution.state.value}{winner})")
            self.summary.resolved.append(cid)
        if not self.live:
            return
        owed = redemptions(self.resolutions.overlay(self.feed.dataset),
                           broker.portfolio.shares, new)  # fmt: skip
        ledger = RedemptionLedger(self.settings.state_dir / ACCOUNT_DB)
        try:
            ledger.record(new, owed)
        finally:
            ledger.close()
        for item in owed:
            self.on_alert(
                f"to redeem: {item.shares:g} shares of {item.token_id} (market "
                f"{item.condition_id}) pay {item.usdc:.2f} USDC once redeemed on-chain "
                "(CTF redeemPositions); the CLOB cannot redeem them"
            )

    def _record_screen(self) -> None:
        """Save and audit the screen's pick; alert when it added no market to the ids."""
        if self.screened is None:
            return
        write_screen(self.settings.state_dir, self.screened)
        if self.ops is not None:
            self.ops.audit.append("screen", **self.screened.record())
        if not self.screened.screened:
            self.on_alert("markets.screen picked no open market; trading markets.ids only")

    def _save_paper(self) -> None:
        """Save the paper account at this cycle boundary (one atomic statement)."""
        if self._paper is not None:
            broker, store = self._paper
            store.save(broker.snapshot(), self.run_id, self.summary.cycles)

    def stop(self, *_: Any) -> None:
        """Finish the current cycle, then end the run (the SIGTERM handler)."""
        self._stopping = True
        self.summary.stopped_by = self.summary.stopped_by or "signal"
        self.feed.stop()

    def run(self, *, max_cycles: int | None = None) -> RunSummary:
        """Cycle until stopped, or for `max_cycles` cycles."""
        previous = {s: signal.signal(s, self.stop) for s in (signal.SIGTERM, signal.SIGINT)}
        settings = self.settings
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        repair_jsonl(settings.state_dir / "decisions.jsonl")
        sink = MetricsLogger(
            settings.state_dir,
            run_id=self.run_id,
            mode=self.summary.mode,
            strategy=self.strategy.name or type(self.strategy).__name__,
            params=dataclasses.asdict(self.strategy),
            data_source="polymarket live",
            config={"markets": settings.markets, "interval": self.interval},
        )
        stack = ExitStack()
        engine_sink: Any = sink
        if self.ops is not None:
            self.ops.sink.inner = sink
            engine_sink = self.ops.sink
            stack.enter_context(self.ops)
        try:
            self._record_screen()
            snapshots = iter(self.feed)
            first = next(snapshots, None)
            if first is None:
                return self.summary
            broker = StaleGuard(
                self._broker(),
                self.feed.stale_tokens,
                lambda: self.resolutions.resolved_tokens(self.feed.dataset),
            )
            sink.attach(broker.portfolio)
            limits = settings.risk
            risk = RiskManager(limits, KillSwitch(limits.kill_switch, settings.kill_file))
            engine = Engine(
                self.feed, self.strategy, broker, risk=risk, sink=engine_sink, on_error="log",
                order_prefix=f"{self.run_id}-",
            )  # fmt: skip
            snapshot = first
            while snapshot is not None:
                started = time.perf_counter()
                try:
                    self._watch_resolutions(broker, snapshot.t_ns)
                except AlphaArenaError as exc:
                    self.summary.errors += 1
                    self.on_alert(f"resolution check failed, retrying next cycle: {exc}")
                try:
                    engine.step(snapshot)
                except AlphaArenaError as exc:
                    self.summary.errors += 1
                    if self.ops is not None:
                        self.ops.sink.error("cycle")
                    self.on_alert(f"cycle failed, retrying next cycle: {exc}")
                seconds = time.perf_counter() - started
                self.summary.cycle_seconds.append(seconds)
                if self.ops is not None:
                    self.ops.after_cycle(seconds)
                self.summary.cycles += 1
                self._save_paper()
                reason = risk.kill_switch.tripped()
                if reason and not self.summary.kill_switch:
                    self.on_alert(f"kill switch: {reason}")
                    self.summary.kill_switch = reason
                if max_cycles is not None and self.summary.cycles >= max_cycles:
                    self.summary.stopped_by = self.summary.stopped_by or "max cycles"
                    break
                if self._stopping:
                    break
                snapshot = next(snapshots, None)
            engine.finish()
            self._save_paper()
            self.summary.orders = len(engine.orders)
            sink.finish({"cycles": self.summary.cycles, "orders": self.summary.orders})
            return self.summary
        finally:
            if self._paper is not None:
                self._paper[1].close()
            sink.close()
            stack.close()
            self.feed.close()
            self.client.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
