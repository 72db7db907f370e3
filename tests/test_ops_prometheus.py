"""The Prometheus exporter scraped over HTTP, and alerts.yml checked against its metrics."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import yaml

from alpha_arena.errors import ValidationError
from alpha_arena.ops.prometheus import CONTENT_TYPE, METRICS, MetricsExporter, MetricsRegistry

RULES = Path(__file__).resolve().parents[1] / "live" / "prometheus" / "alerts.yml"


def _samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_scrape_over_http_shows_what_the_runner_recorded() -> None:
    registry = MetricsRegistry()
    with MetricsExporter(registry, "127.0.0.1", 0) as exporter:
        registry.inc("harness_errors_total", kind="feed")
        registry.inc("harness_errors_total", 2, kind="feed")
        registry.inc("harness_orders_total", status="filled")
        registry.inc("harness_fills_total", side="BUY")
        registry.inc("harness_llm_cost_usd_total", 0.25, provider="anthropic")
        registry.set("harness_daily_pnl", -12.5)
        for seconds in (0.2, 0.7, 45.0):
            registry.observe(seconds)
        response = httpx.get(exporter.url, timeout=5)
        assert response.status_code == 200
        assert response.headers["content-type"] == CONTENT_TYPE
        assert httpx.get(exporter.url.replace("/metrics", "/nope"), timeout=5).status_code == 404
    samples = _samples(response.text)
    assert samples["harness_up"] == 1
    assert "up" not in samples
    assert samples['harness_errors_total{kind="feed"}'] == 3
    assert samples['harness_orders_total{status="filled"}'] == 1
    assert samples['harness_fills_total{side="BUY"}'] == 1
    assert samples['harness_llm_cost_usd_total{provider="anthropic"}'] == 0.25
    assert samples["harness_daily_pnl"] == -12.5
    assert samples['harness_cycle_seconds_bucket{le="0.25"}'] == 1
    assert samples['harness_cycle_seconds_bucket{le="1.0"}'] == 2
    assert samples['harness_cycle_seconds_bucket{le="30.0"}'] == 2
    assert samples['harness_cycle_seconds_bucket{le="+Inf"}'] == 3
    assert samples["harness_cycle_seconds_count"] == 3
    assert samples["harness_cycle_seconds_sum"] == pytest.approx(45.9)
    assert registry.value("harness_up") == 0
    for name, spec in METRICS.items():
        assert f"# TYPE {name} {spec.kind}" in response.text


def test_label_values_are_escaped() -> None:
    registry = MetricsRegistry()
    registry.inc("harness_errors_total", kind='bad "quote"\\\n')
    assert 'harness_errors_total{kind="bad \\"quote\\"\\\\\\n"} 1.0' in registry.render()


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda r: r.inc("nope"), "metric"),
        (lambda r: r.inc("harness_daily_pnl"), "metric"),
        (lambda r: r.set("harness_errors_total", 1), "metric"),
        (lambda r: r.inc("harness_errors_total", -1), "harness_errors_total increment"),
        (lambda r: r.set("harness_daily_pnl", float("nan")), "harness_daily_pnl value"),
        (lambda r: r.inc("harness_orders_total", side="BUY"), "harness_orders_total labels"),
        (lambda r: r.observe(-1), "harness_cycle_seconds"),
    ],
)
def test_bad_updates_name_the_field(call, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        call(MetricsRegistry())
    assert info.value.field == field


def test_alert_rules_cover_the_manual_and_use_exported_metrics() -> None:
    rules = yaml.safe_load(RULES.read_text())["groups"][0]["rules"]
    names = {r["alert"] for r in rules}
    assert {"HarnessDown", "HarnessErrorRate", "DailyLossLimit", "SlowCycles", "LLMSpendHigh"} <= (
        names
    )
    exported = set(METRICS) | {f"harness_cycle_seconds_{s}" for s in ("bucket", "sum", "count")}
    exported.add("up")  # Prometheus's own scrape-success series
    for rule in rules:
        assert rule["labels"]["severity"] in ("warning", "critical")
        referenced = set(re.findall(r"\b(up|harness_[a-z_]+)\b", rule["expr"]))
        assert referenced, rule["alert"]
        assert referenced <= exported, rule["alert"]
    slow = next(r for r in rules if r["alert"] == "SlowCycles")
    assert "> 30" in slow["expr"]
