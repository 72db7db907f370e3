"""`alpha-arena providers` and `alpha-arena memory` end to end through the CLI entry point."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from alpha_arena.agents import MemoryRecord, MemoryStore
from alpha_arena.cli import main
from alpha_arena.llm import Ledger
from alpha_arena.llm.config import KEY_ENV


@pytest.fixture
def no_keys(monkeypatch, tmp_path):
    for names in KEY_ENV.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_providers_lists_availability_models_and_spend(no_keys, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    (tmp_path / ".env").write_text("XAI_API_KEY=xai-from-dotenv\n")
    (tmp_path / "config.yaml").write_text(
        "llm:\n  budget: {daily_usd: 2, monthly_usd: 50}\n"
        "  base_urls: {local: 'http://127.0.0.1:11434/v1'}\n"
    )
    ledger = Ledger(tmp_path / "ledger.db")
    now = datetime.now(UTC)
    for stamp, cost in ((now, 0.25), (now - timedelta(days=800), 9.0)):
        ledger.llm_call(
            timestamp=stamp.isoformat(),
            provider="openai",
            model="gpt-4.1",
            role="research",
            cost_usd=cost,
            status="ok",
        )
    ledger.close()
    code = main(["providers", "--config", "config.yaml", "--ledger", "ledger.db", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    status = {p["provider"]: p for p in out["providers"]}
    assert status["openai"]["available"]
    assert status["xai"]["available"]
    assert status["local"]["available"]
    assert not status["anthropic"]["available"]
    assert "ANTHROPIC_API_KEY" in status["anthropic"]["reason"]
    assert status["google"]["models"] == {"cheap": "gemini-2.5-flash", "strong": "gemini-2.5-pro"}
    assert out["spend"]["today_usd"] == pytest.approx(0.25)
    assert out["spend"]["month_usd"] == pytest.approx(0.25)
    assert out["spend"]["daily_budget_usd"] == 2
    assert main(["providers", "--config", "config.yaml", "--ledger", "ledger.db"]) == 0
    table = capsys.readouterr().out
    assert "spend today: $0.2500 of $2.00 budget" in table
    assert "anthropic  unavailable" in table


def test_providers_rejects_bad_config(no_keys, tmp_path, capsys):
    (tmp_path / "bad.yaml").write_text("llm:\n  chain: [skynet]\n")
    assert main(["providers", "--config", "bad.yaml"]) == 2
    assert "llm.chain" in capsys.readouterr().err


def test_memory_cleanup_command(tmp_path, capsys):
    db = tmp_path / "memory.db"
    store = MemoryStore(db)
    old = datetime.now(UTC) - timedelta(days=120)
    store.add(MemoryRecord(old, "m", "note", "old minor", 0.1))
    store.add(MemoryRecord(old, "m", "lesson", "old major", 0.9))
    store.add(MemoryRecord(datetime.now(UTC), "m", "note", "new minor", 0.1))
    store.close()
    assert main(["memory", "cleanup", "--db", str(db)]) == 0
    assert "removed 1 memories older than 90 days" in capsys.readouterr().out
    assert main(["memory", "stats", "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith("2 memories")
    assert main(["memory", "cleanup", "--db", str(tmp_path / "missing.db")]) == 2


def test_spend_reads_metrics_logger_timestamps(tmp_path):
    ledger = Ledger(tmp_path / "metrics.db")
    now = datetime.now(UTC)
    ledger.llm_call(timestamp=now.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], cost_usd=0.5, status="ok")
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    assert ledger.spend_since(start) == pytest.approx(0.5)
    assert ledger.spend_since(start + timedelta(days=1)) == 0.0
