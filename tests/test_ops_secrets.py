"""No secret leaks: run every ops path with fake secrets set, then grep all output and files.

The config check, status, wallet, health, backup, restore, maintenance, alerts (delivered and
failing), audit log and Prometheus text all run against one deployment folder; afterwards
no byte of any secret may appear in captured stdout/stderr/logs or in any file written
(the .env that holds them excepted).
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from alpha_arena.cli import main
from alpha_arena.config import load_config
from alpha_arena.config.secrets import SPECS
from alpha_arena.metrics.schema import connect, sql_now
from alpha_arena.ops.alerts import Alert, AlertRouter
from alpha_arena.ops.audit import AuditLog, record_config
from alpha_arena.ops.prometheus import MetricsRegistry
from tests.fixtures.ops_servers import fake_http, fake_smtp

KEY_HEX = "c0ffee" * 10 + "beef"
SECRETS = {
    "WALLET_PRIVATE_KEY": "0x" + KEY_HEX,
    "POLYMARKET_API_KEY": "pm-api-key-7f3a9c",
    "POLYMARKET_API_SECRET": "pm-api-secret-Zm9vYmFy",
    "POLYMARKET_API_PASSPHRASE": "pm-pass-phrase-42x",
    "ANTHROPIC_API_KEY": "sk-ant-fake-0123456789abcdef",
    "OPENAI_API_KEY": "sk-openai-fake-fedcba9876543210",
    "TELEGRAM_BOT_TOKEN": "987654:TGsecretTOKENvalue_abcdefghij",
    "SMTP_USER": "smtp-user-secret",
    "SMTP_PASSWORD": "smtp-pass-s3cr3t",
}


def _leaks(text: str, values: list[str]) -> list[str]:
    return [v for v in values if v in text]


def test_no_secret_in_any_output_or_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, caplog
) -> None:
    for name in (*SPECS, "POLYMARKET_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)
    caplog.set_level(logging.DEBUG)
    deploy = tmp_path / "deploy"
    state = deploy / "state"
    state.mkdir(parents=True)
    conn = connect(str(state / "metrics.db"))
    with conn:
        conn.execute(
            "INSERT INTO decisions (run_id, timestamp, iteration, balance, equity, positions, "
            "markets, signals_generated, signals_executed, status) VALUES "
            "('r', ?, 1, 100, 100, 0, 1, 0, 0, 'ok')",
            (sql_now(),),
        )
    conn.close()
    with fake_http() as http, fake_smtp() as smtp:
        webhook = f"{http.url}/services/TSECRET/BSECRET/slackSECRETpath"
        secrets = {**SECRETS, "SLACK_WEBHOOK": webhook}
        values = [*secrets.values(), KEY_HEX, "slackSECRETpath", "TGsecretTOKENvalue_abcdefghij"]
        (deploy / ".env").write_text(
            "".join(f"{k}={v}\n" for k, v in secrets.items() if k != "OPENAI_API_KEY")
        )
        monkeypatch.setenv("OPENAI_API_KEY", secrets["OPENAI_API_KEY"])
        monkeypatch.setenv("TELEGRAM_CHAT_ID", "-100777")
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("SMTP_FROM", "bot@example.org")
        monkeypatch.setenv("SMTP_TO", "ops@example.org")
        config = deploy / "config.yaml"
        config.write_text(
            "llm: {chain: [anthropic, openai]}\nmarkets: [m1]\n"
            "live: {confirm: true}\n"
            f"ops: {{exchange_url: '{http.url}/time', polygon_rpc_url: '{http.url}/rpc'}}\n"
            "alerts: {routes: {critical: [log, slack, telegram, email], warning: [log]}}\n"
        )
        c = str(config)
        assert main(["config", "check", "--config", c]) == 0
        assert main(["status", "--config", c]) == 0
        assert main(["status", "--config", c, "--json"]) == 0
        assert main(["wallet", "--config", c]) == 0
        assert main(["wallet", "--config", c, "--offline", "--json"]) == 0
        assert main(["health", "--config", c, "--json"]) in (0, 1, 2)
        assert main(["backup", "--config", c]) == 0
        folder = next((deploy / "backups").iterdir())
        assert main(["maintenance", "--config", c, "--vacuum"]) == 0
        assert main(["restore", str(folder), "--config", c]) == 0

        cfg = load_config(config)
        record_config(AuditLog(cfg.path(cfg.ops.audit_log), cfg.secrets.values()), cfg)
        with httpx.Client(timeout=5) as client:
            router = AlertRouter.from_config(cfg, client, telegram_api=http.url)
            sent = router.send(Alert("critical", "delivered", f"wallet {KEY_HEX[:4]}..."))
            http.status = 500
            failed = router.send(Alert("critical", "refused"))
        assert set(sent.values()) == {"sent"}
        assert failed["slack"].startswith("failed")
        AuditLog(cfg.path(cfg.ops.audit_log), cfg.secrets.values()).append(
            "note", text=f"oops {secrets['ANTHROPIC_API_KEY']}", alerts=[sent, failed]
        )
        assert smtp.messages
        assert smtp.logins >= 1
    out, err = capsys.readouterr()
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert _leaks(out + err + logs + repr(cfg) + repr(cfg.secrets), values) == []
    assert _leaks(MetricsRegistry().render(), values) == []
    for message in smtp.messages:
        assert _leaks(message[2], values) == []
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != ".env"]
    assert any(p.name == "audit.jsonl" for p in written)
    assert any(p.name == "manifest.json" for p in written)
    for path in written:
        data = path.read_bytes()
        leaked = [v for v in values if v.encode() in data]
        assert leaked == [], f"{path} leaks {len(leaked)} secret(s)"
