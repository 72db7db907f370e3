"""OpsRuntime: pid file, audit events, exporter, and the per-cycle alerts of the manual."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from alpha_arena.config import Secrets, validate
from alpha_arena.ops.alerts import Alert, AlertRouter
from alpha_arena.ops.health import read_pid
from alpha_arena.ops.runtime import OpsRuntime


class Recorder:
    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def send(self, alert: Alert) -> None:
        self.alerts.append(alert)


def _setup(tmp_path: Path):
    raw = {
        "llm": {"chain": ["openai"]},
        "risk": {"daily_loss_limit": 50},
        "cost_limits": {"daily": 10, "alert_threshold": 0.8},
        "performance": {"max_cycle_seconds": 30},
        "ops": {"prometheus_port": 0},
        "alerts": {"routes": {"info": ["log"], "warning": ["log"], "critical": ["log"]}},
    }
    cfg, problems = validate(raw, Secrets({"OPENAI_API_KEY": "sk-rt"}), tmp_path)
    assert list(problems) == []
    recorder = Recorder()  # stands in for the "log" channel
    router = AlertRouter({"log": recorder}, cfg.alerts.routes)
    return cfg, recorder, router


def test_lifecycle_scrape_and_audit(tmp_path: Path) -> None:
    cfg, recorder, router = _setup(tmp_path)
    pid_path = cfg.path(cfg.ops.pid_file)
    with OpsRuntime(cfg, router=router) as rt:
        assert read_pid(pid_path) is not None
        rt.sink.error("feed")
        text = httpx.get(rt.exporter.url, timeout=5).text
        assert "\nharness_up 1.0\n" in text
        assert 'harness_errors_total{kind="feed"} 1.0' in text
    assert not pid_path.exists()
    assert rt.registry.value("harness_up") == 0
    events = [json.loads(line)["event"] for line in cfg.path(cfg.ops.audit_log).open()]
    assert events == ["config", "start", "stop"]
    assert [a.title for a in recorder.alerts] == ["alpha-arena started (paper)"]
    with OpsRuntime(cfg, router=router, serve=False):
        pass
    events = [json.loads(line)["event"] for line in cfg.path(cfg.ops.audit_log).open()]
    assert events == ["config", "start", "stop", "start", "stop"]


def test_cycle_alerts(tmp_path: Path) -> None:
    cfg, recorder, router = _setup(tmp_path)
    with OpsRuntime(cfg, router=router, serve=False) as rt:
        recorder.alerts.clear()
        assert rt.after_cycle(1.0) == []
        rt.after_cycle(31.0)
        rt.registry.set("harness_daily_pnl", -50.0)
        rt.sink.llm_call(provider="openai", cost_usd=8.0)
        cfg.kill_file.parent.mkdir(parents=True, exist_ok=True)
        cfg.kill_file.write_text("manual")
        rt.after_cycle(2.0)
        assert rt.registry.value("harness_kill_switch") == 1
        rt.after_cycle(2.0)
    titles = [(a.severity, a.title) for a in recorder.alerts]
    assert titles == [
        ("warning", "slow trading cycle"),
        ("critical", "daily loss limit reached"),
        ("warning", "LLM spend near the daily limit"),
        ("critical", "kill switch tripped"),
    ]


def test_error_exit_is_audited_and_alerted(tmp_path: Path) -> None:
    cfg, recorder, router = _setup(tmp_path)
    with pytest.raises(RuntimeError), OpsRuntime(cfg, router=router, serve=False):
        raise RuntimeError("boom")
    last = json.loads(cfg.path(cfg.ops.audit_log).read_text().splitlines()[-1])
    assert last["reason"] == "error: RuntimeError"
    assert recorder.alerts[-1].severity == "critical"
