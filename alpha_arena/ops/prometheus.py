"""A Prometheus exporter on a local port: the registry the runner updates, served as text.

Stdlib only (`http.server` on a daemon thread), text exposition format 0.0.4. The metric
names are the ones `live/prometheus/alerts.yml` queries; `METRICS` is the single list of
them, so a test can check that every rule refers to a metric that exists. The liveness gauge
is `harness_up`, not `up`: Prometheus records its own `up` (scrape success) for every target,
and a scraped `up` would collide with it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from alpha_arena.errors import ValidationError

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
CYCLE_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
"""Cycle-time histogram bounds in seconds (30 is the manual's limit)."""


@dataclass(frozen=True)
class MetricSpec:
    """A metric's exposition type, help text and allowed label names."""

    kind: str
    help: str
    labels: tuple[str, ...] = ()


METRICS: dict[str, MetricSpec] = {
    "harness_up": MetricSpec("gauge", "1 while the harness is running, 0 once it stopped."),
    "harness_errors_total": MetricSpec("counter", "Errors in the trading loop.", ("kind",)),
    "harness_daily_pnl": MetricSpec("gauge", "Equity change since the UTC day began, USDC."),
    "harness_equity": MetricSpec("gauge", "Account equity, USDC."),
    "harness_open_positions": MetricSpec("gauge", "Markets with a position."),
    "harness_cycle_seconds": MetricSpec("histogram", "Wall time of one trading cycle."),
    "harness_cycles_total": MetricSpec("counter", "Trading cycles completed."),
    "harness_last_decision_timestamp_seconds": MetricSpec(
        "gauge", "Unix time of the last logged decision."
    ),
    "harness_orders_total": MetricSpec("counter", "Orders by final status.", ("status",)),
    "harness_fills_total": MetricSpec("counter", "Fills received.", ("side",)),
    "harness_llm_cost_usd_total": MetricSpec("counter", "LLM spend, USD.", ("provider",)),
    "harness_llm_cost_daily_usd": MetricSpec("gauge", "LLM spend since the UTC day began, USD."),
    "harness_kill_switch": MetricSpec("gauge", "1 while the kill switch is tripped."),
}
"""Every metric the exporter serves."""


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in pairs)
    return "{" + inner + "}" if inner else ""


def _num(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


class MetricsRegistry:
    """Thread-safe values of `METRICS`; the runner calls `inc`, `set` and `observe`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        self._hist_counts = [0] * len(CYCLE_BUCKETS)
        self._hist_sum = 0.0
        self._hist_n = 0
        self.set("harness_up", 1)

    def _key(
        self, name: str, labels: dict[str, Any], kind: str | None = None
    ) -> tuple[str, tuple[tuple[str, str], ...]]:
        spec = METRICS.get(name)
        if spec is None:
            raise ValidationError("metric", "one of " + ", ".join(METRICS), name)
        if kind is not None and spec.kind != kind:
            raise ValidationError("metric", f"a {kind}", f"{name} ({spec.kind})")
        if set(labels) - set(spec.labels):
            raise ValidationError(f"{name} labels", f"a subset of {spec.labels}", sorted(labels))
        return name, tuple(sorted((k, str(v)) for k, v in labels.items()))

    def inc(self, name: str, amount: float = 1.0, **labels: Any) -> None:
        """Add `amount` (>= 0) to counter `name`."""
        key = self._key(name, labels, "counter")
        if not (isinstance(amount, int | float) and math.isfinite(amount) and amount >= 0):
            raise ValidationError(f"{name} increment", "a finite number >= 0", amount)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + float(amount)

    def set(self, name: str, value: float, **labels: Any) -> None:
        """Set gauge `name`."""
        key = self._key(name, labels, "gauge")
        if not (isinstance(value, int | float) and math.isfinite(value)):
            raise ValidationError(f"{name} value", "a finite number", value)
        with self._lock:
            self._values[key] = float(value)

    def observe(self, seconds: float) -> None:
        """Record one cycle's wall time in `harness_cycle_seconds`."""
        if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds >= 0):
            raise ValidationError("harness_cycle_seconds", "seconds >= 0", seconds)
        with self._lock:
            for i, bound in enumerate(CYCLE_BUCKETS):
                if seconds <= bound:
                    self._hist_counts[i] += 1
            self._hist_sum += float(seconds)
            self._hist_n += 1

    def value(self, name: str, **labels: Any) -> float:
        """The current value of a counter or gauge (0 when never set)."""
        key = self._key(name, labels)
        with self._lock:
            return self._values.get(key, 0.0)

    def render(self) -> str:
        """The text exposition of every metric."""
        with self._lock:
            values = dict(self._values)
            counts, total, n = list(self._hist_counts), self._hist_sum, self._hist_n
        lines: list[str] = []
        for name, spec in METRICS.items():
            lines.append(f"# HELP {name} {spec.help}")
            lines.append(f"# TYPE {name} {spec.kind}")
            if spec.kind == "histogram":
                for bound, count in zip(CYCLE_BUCKETS, counts, strict=True):
                    lines.append(f'{name}_bucket{{le="{_num(bound)}"}} {count}')
                lines.append(f'{name}_bucket{{le="+Inf"}} {n}')
                lines.append(f"{name}_sum {_num(total)}")
                lines.append(f"{name}_count {n}")
                continue
            series = sorted((k[1], v) for k, v in values.items() if k[0] == name)
            if not series and not spec.labels:
                series = [((), 0.0)]
            lines.extend(f"{name}{_labels(labels)} {_num(v)}" for labels, v in series)
        return "\n".join(lines) + "\n"


class MetricsExporter:
    """Serves a registry at `http://host:port/metrics` from a daemon thread."""

    def __init__(self, registry: MetricsRegistry, host: str = "127.0.0.1", port: int = 9108):
        self.registry = registry
        handler = _handler(registry)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The scrape URL (with the real port when 0 was asked for)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/metrics"

    def start(self) -> MetricsExporter:
        """Begin serving; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, mark `harness_up` 0 and release the port."""
        self.registry.set("harness_up", 0)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> MetricsExporter:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def _handler(registry: MetricsRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] not in ("/metrics", "/"):
                self.send_error(404, "only /metrics is served")
                return
            body = registry.render().encode()
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            """Scrapes every few seconds would flood the log; stay quiet."""

    return Handler
