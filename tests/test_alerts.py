"""Alerts against local fake Slack/Telegram (HTTP) and SMTP servers: routing, dedup, limits."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from alpha_arena.config import Secrets, validate
from alpha_arena.errors import ValidationError
from alpha_arena.ops.alerts import Alert, AlertRouter, LogChannel
from tests.fixtures.ops_servers import fake_http, fake_smtp

TOKEN = "123456:SECRETtokenSECRETtokenXYZ"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.alerts: list[Alert] = []
        self.fail = fail

    def send(self, alert: Alert) -> None:
        if self.fail:
            raise RuntimeError("down")
        self.alerts.append(alert)


def _config(slack: str, smtp_port: int, routes: str):
    raw = {
        "llm": {"chain": ["openai"]},
        "alerts": {"routes": json.loads(routes), "rate_limit_per_hour": 2, "dedup_seconds": 60},
    }
    secrets = Secrets(
        {
            "OPENAI_API_KEY": "sk-x",
            "SLACK_WEBHOOK": f"{slack}/services/T000/B000/SECRETHOOK",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_CHAT_ID": "-100200",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_FROM": "bot@example.org",
            "SMTP_TO": "ops@example.org,oncall@example.org",
        }
    )
    cfg, problems = validate(raw, secrets)
    assert list(problems) == []
    return cfg


def test_each_channel_delivers_the_real_wire_shape() -> None:
    routes = '{"critical": ["slack", "telegram", "email", "log"], "info": ["log"]}'
    with fake_http() as http, fake_smtp() as smtp, httpx.Client(timeout=5) as client:
        cfg = _config(http.url, smtp.port, routes)
        router = AlertRouter.from_config(cfg, client, telegram_api=http.url)
        outcome = router.send(Alert("critical", "daily loss limit hit", "pnl -55 USDC"))
        assert outcome == {"slack": "sent", "telegram": "sent", "email": "sent", "log": "sent"}
        assert router.send(Alert("info", "started")) == {"log": "sent"}
    slack, telegram = http.requests
    assert slack["path"] == "/services/T000/B000/SECRETHOOK"
    assert json.loads(slack["body"]) == {
        "text": "[alpha-arena CRITICAL] daily loss limit hit\npnl -55 USDC"
    }
    assert telegram["path"] == f"/bot{TOKEN}/sendMessage"
    body = json.loads(telegram["body"])
    assert body["chat_id"] == "-100200"
    assert body["text"].startswith("[alpha-arena CRITICAL] daily loss limit hit")
    ((sender, rcpts, data),) = smtp.messages
    assert sender == "bot@example.org"
    assert rcpts == ["ops@example.org", "oncall@example.org"]
    assert "Subject: [alpha-arena critical] daily loss limit hit" in data
    assert "pnl -55 USDC" in data


def test_dedup_window_and_rate_limit() -> None:
    clock, slack = Clock(), Recorder()
    router = AlertRouter(
        {"slack": slack},
        {"warning": ("slack",), "critical": ("slack",)},
        rate_limit_per_hour=2,
        dedup_seconds=60,
        clock=clock,
    )
    assert router.send(Alert("warning", "slow cycle")) == {"slack": "sent"}
    assert router.send(Alert("warning", "slow cycle")) == {"*": "duplicate"}
    clock.now += 61
    assert router.send(Alert("warning", "slow cycle")) == {"slack": "sent"}
    assert router.send(Alert("warning", "another")) == {"slack": "rate-limited"}
    assert router.send(Alert("critical", "down")) == {"slack": "sent"}
    clock.now += 3600
    assert router.send(Alert("warning", "third")) == {"slack": "sent"}
    assert [a.title for a in slack.alerts] == ["slow cycle", "slow cycle", "down", "third"]


def test_a_failing_channel_does_not_block_the_others(caplog) -> None:
    good = Recorder()
    router = AlertRouter({"a": Recorder(fail=True), "b": good}, {"critical": ("a", "b", "c")})
    with caplog.at_level(logging.ERROR):
        outcome = router.send(Alert("critical", "x"))
    assert outcome == {"a": "failed: down", "b": "sent", "c": "not configured"}
    assert len(good.alerts) == 1


def test_http_failures_never_show_the_url() -> None:
    with fake_http() as http, fake_smtp() as smtp, httpx.Client(timeout=5) as client:
        http.status = 500
        cfg = _config(http.url, smtp.port, '{"critical": ["slack", "telegram"]}')
        outcome = AlertRouter.from_config(cfg, client, telegram_api=http.url).send(
            Alert("critical", "x")
        )
    assert outcome == {
        "slack": "failed: slack (HTTP 500): delivery refused",
        "telegram": "failed: telegram (HTTP 500): delivery refused",
    }
    with httpx.Client(timeout=1) as client:
        outcome = AlertRouter.from_config(cfg, client, telegram_api=http.url).send(
            Alert("critical", "y")
        )
    assert "SECRETHOOK" not in str(outcome)
    assert TOKEN not in str(outcome)
    assert outcome["slack"].startswith("failed: slack: request failed")


def test_smtp_down_is_a_failure_not_a_crash() -> None:
    with fake_smtp() as smtp:
        port = smtp.port
    cfg = _config("http://127.0.0.1:9", port, '{"critical": ["email"]}')
    outcome = AlertRouter.from_config(cfg).send(Alert("critical", "z"))
    assert outcome["email"].startswith("failed: email: SMTP delivery failed")


def test_log_channel_and_validation(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="alpha_arena.alerts"):
        LogChannel().send(Alert("critical", "kill switch", "tripped by file"))
    assert caplog.records[-1].levelno == logging.ERROR
    assert "kill switch | tripped by file" in caplog.records[-1].getMessage()
    with pytest.raises(ValidationError, match="severity"):
        Alert("fatal", "x")
    with pytest.raises(ValidationError, match="title"):
        Alert("info", " ")
