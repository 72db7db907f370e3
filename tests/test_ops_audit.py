"""The audit log: append-only JSONL, secrets masked, config changes logged once per change."""

from __future__ import annotations

import json
from pathlib import Path

from alpha_arena.config import Secrets, validate
from alpha_arena.ops.audit import AuditLog, mask, record_config


def _cfg(raw: dict, **secrets: str):
    cfg, _ = validate(raw, Secrets(secrets))
    return cfg


def test_append_masks_secrets_and_skips_a_torn_line(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", secrets=["sk-very-secret"])
    log.order(client_id="c1", token_id="t", side="BUY", size=5.0, status="sent")
    log.append("note", text="key was sk-very-secret oops", api_key="plain")
    with (tmp_path / "audit.jsonl").open("a") as fh:
        fh.write('{"event": "torn')
    records = list(log.records())
    assert [r["event"] for r in records] == ["order", "note"]
    assert records[0]["client_id"] == "c1"
    assert records[1]["text"] == "key was *** oops"
    assert records[1]["api_key"] == "***"
    assert "sk-very-secret" not in (tmp_path / "audit.jsonl").read_text()
    assert (tmp_path / "audit.jsonl").stat().st_mode & 0o077 == 0


def test_config_change_logged_only_when_it_changes(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    first = _cfg({"risk": {"max_position_size": 100}}, ANTHROPIC_API_KEY="sk-a")
    event = record_config(log, first)
    assert event is not None
    assert event["previous"] is None
    assert event["settings"]["risk.max_position_usdc"] == 100
    assert event["settings"]["env_set"] == ["ANTHROPIC_API_KEY"]
    assert record_config(log, first) is None
    second = _cfg(
        {"risk": {"max_position_size": 150}, "agent": {"interval": 30}},
        ANTHROPIC_API_KEY="sk-b",
        SLACK_WEBHOOK="http://127.0.0.1/x",
    )
    event = record_config(log, second)
    assert event["previous"] == first.fingerprint()
    assert event["changed"] == ["agent.interval", "env_set", "risk.max_position_usdc"]
    assert len(list(log.records("config"))) == 2
    third = _cfg({"strategy": {"params": {"auth_token": "tok-123"}}}, ANTHROPIC_API_KEY="sk-b")
    assert record_config(log, third)["settings"]["strategy.params.auth_token"] == "***"
    assert record_config(log, third) is None
    text = (tmp_path / "audit.jsonl").read_text()
    assert "sk-a" not in text
    assert "sk-b" not in text
    assert "127.0.0.1/x" not in text
    assert "tok-123" not in text
    assert all(json.loads(line)["event"] == "config" for line in text.splitlines())


def test_mask_nested() -> None:
    assert mask({"a": ["x-s3cret-y", 1], "b": "s3cret"}, ["s3cret", ""]) == {
        "a": ["x-***-y", 1],
        "b": "***",
    }
