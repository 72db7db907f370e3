"""Config loading: every problem collected, secrets shown only as set/unset, CLI exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from alpha_arena.cli import main
from alpha_arena.config import Secrets, load_config, read_config, validate
from alpha_arena.config.secrets import SPECS
from alpha_arena.errors import ConfigError
from alpha_arena.risk import RiskLimits

EXAMPLE = Path(__file__).resolve().parents[1] / "live" / "config.yaml"
KEY = "ab" * 32
GOOD_ENV = {
    "ANTHROPIC_API_KEY": "sk-ant-test-1234567890",
    "OPENAI_API_KEY": "sk-openai-test-0987654321",
    "SLACK_WEBHOOK": "http://127.0.0.1:9/hook",
    "TELEGRAM_BOT_TOKEN": "123456:ABCdefGHIjklMNOpqrSTUvwx",
    "TELEGRAM_CHAT_ID": "-1001234",
    "SMTP_HOST": "127.0.0.1",
    "SMTP_FROM": "bot@example.org",
    "SMTP_TO": "ops@example.org, oncall@example.org",
}


@pytest.fixture(autouse=True)
def _no_real_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*SPECS, "POLYMARKET_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_example_config_is_valid_with_its_secrets() -> None:
    cfg = load_config(EXAMPLE, env_file=None, environ=GOOD_ENV)
    assert cfg.risk.max_position_usdc == 100
    assert cfg.risk.max_total_exposure_usdc == 1000
    assert cfg.risk.daily_loss_limit_usdc == 50
    assert cfg.performance.max_cycle_seconds == 30
    assert cfg.cost_limits.alert_threshold == 0.8
    assert cfg.alerts.routes["critical"] == ("log", "slack", "telegram", "email")
    assert cfg.path(cfg.ops.metrics_db) == EXAMPLE.parent / "state" / "metrics.db"
    assert cfg.kill_file == EXAMPLE.parent / "state" / "KILL"
    assert not cfg.real_money


def test_every_problem_is_reported_in_one_pass() -> None:
    raw = {
        "risk": {"max_position_size": -1, "daily_loss_limit": "x", "bogus": 1},
        "agent": {"interval": 0, "dry_run": "yes"},
        "llm": {"providers": ["anthropic", "nope"]},
        "performance": {"max_cycle_seconds": 0},
        "cost_limits": {"daily": 50, "monthly": 10, "alert_threshold": 1.5},
        "live": {"confirm": True, "clob_url": "ftp://x"},
        "ops": {"prometheus_port": 70000},
        "alerts": {"routes": {"critical": ["pager"]}},
        "extra_section": {},
    }
    _, problems = validate(raw, Secrets({}))
    paths = [p.path for p in problems]
    assert paths == [
        "extra_section",
        "llm.providers",
        "agent.interval",
        "agent.dry_run",
        "performance.max_cycle_seconds",
        "cost_limits.alert_threshold",
        "live.clob_url",
        "ops.prometheus_port",
        "alerts.routes",
        "risk.max_position_size",
        "risk.daily_loss_limit",
        "risk.bogus",
        "cost_limits.daily",
        "env.WALLET_PRIVATE_KEY",
        "env.ANTHROPIC_API_KEY",
        "env.SLACK_WEBHOOK",
    ]
    by_path = {p.path: p for p in problems}
    assert by_path["agent.interval"].expected == "an integer >= 1"
    assert by_path["agent.interval"].got == "0"
    assert by_path["risk.max_position_size"].expected == "a positive number"
    assert "max_position_usdc" in by_path["risk.bogus"].expected


def test_the_risk_gate_itself_reads_the_manuals_short_names() -> None:
    example = yaml.safe_load(EXAMPLE.read_text())["risk"]
    limits = RiskLimits.from_mapping(example)
    assert limits.max_position_usdc == 100
    assert limits.max_total_exposure_usdc == 1000
    assert limits.daily_loss_limit_usdc == 50
    assert limits.max_open_positions == 10


def test_valid_mapping_has_no_problem_and_types() -> None:
    cfg, problems = validate(
        {"markets": ["0xabc"], "strategy": "momentum", "llm": {"providers": "openai"}},
        Secrets({"OPENAI_API_KEY": "k" * 20, "SLACK_WEBHOOK": "https://hooks.example/x"}),
    )
    assert list(problems) == []
    assert cfg.markets.ids == ("0xabc",)
    assert cfg.strategy.name == "momentum"
    assert cfg.llm.providers == ("openai",)


def test_secrets_are_never_shown() -> None:
    secrets = Secrets({"WALLET_PRIVATE_KEY": "zz-not-hex-secret", "OPENAI_API_KEY": "sk-visible"})
    _, problems = validate({"live": {"confirm": True}}, secrets)
    text = "\n".join(str(p) for p in problems) + repr(secrets)
    assert "zz-not-hex-secret" not in text
    assert "sk-visible" not in text
    assert "env.WALLET_PRIVATE_KEY: expected a 32-byte hex private key, got set (malformed)" in text
    assert secrets.status("OPENAI_API_KEY") == "set"
    assert secrets.status("SLACK_WEBHOOK") == "unset"


def test_dotenv_then_environment_overrides_and_alias(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"POLYMARKET_PRIVATE_KEY=0x{KEY}\nOPENAI_API_KEY=from-file\n")
    secrets = Secrets.load(env, {"OPENAI_API_KEY": "from-env"})
    assert secrets.get("WALLET_PRIVATE_KEY") == f"0x{KEY}"
    assert secrets.get("OPENAI_API_KEY") == "from-env"


def test_api_credentials_go_together() -> None:
    _, problems = validate({}, Secrets({"POLYMARKET_API_KEY": "k", "ANTHROPIC_API_KEY": "a"}))
    assert {p.path for p in problems} >= {
        "env.POLYMARKET_API_SECRET",
        "env.POLYMARKET_API_PASSPHRASE",
    }


def test_load_config_raises_listing_all(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"agent": {"interval": -5}, "risk": {"kill_switch": 1}}))
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={"ANTHROPIC_API_KEY": "a", "SLACK_WEBHOOK": "http://h/x"})
    message = str(info.value)
    assert "2 problem(s)" in message
    assert "agent.interval" in message
    assert "risk.kill_switch" in message


def test_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("risk: [unclosed\n")
    _, problems = read_config(path, environ={})
    assert problems[0].path == "config"
    assert "syntax error" in problems[0].got
    _, problems = read_config(tmp_path / "absent.yaml", environ={})
    assert problems[0].expected == "an existing file"


def test_cli_config_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(EXAMPLE.read_text())
    env = tmp_path / ".env"
    env.write_text("".join(f"{k}={v}\n" for k, v in GOOD_ENV.items()))
    assert main(["config", "check", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "OK (paper (dry run)" in out
    assert "ANTHROPIC_API_KEY=set" in out
    assert all(v not in out for v in GOOD_ENV.values())

    cfg.write_text(EXAMPLE.read_text().replace("interval: 60", "interval: soon"))
    env.write_text("SLACK_WEBHOOK=not-a-url\n")
    assert main(["config", "check", "--config", str(cfg), "--env", str(env)]) == 1
    out = capsys.readouterr().out
    assert "ERROR agent.interval: expected an integer >= 1, got 'soon'" in out
    assert "ERROR env.SLACK_WEBHOOK: expected an http(s) URL, got set (malformed)" in out
    assert "ERROR env.ANTHROPIC_API_KEY: expected set (llm provider anthropic), got unset" in out
    assert "not-a-url" not in out
