"""Config loading: every problem collected, secrets shown only as set/unset, CLI exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

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
        "llm": {"chain": ["anthropic", "nope"], "budget": {"alert_at": 2}},
        "agents": {"kelly_fraction": 3, "risk_model": "x"},
        "performance": {"max_cycle_seconds": 0},
        "cost_limits": {"daily": 50, "monthly": 10, "alert_threshold": 1.5},
        "live": {"confirm": True, "clob_url": "ftp://x"},
        "ops": {"prometheus_port": 70000},
        "alerts": {"routes": {"critical": ["pager"]}},
        "extra_section": {},
        "strategy": {"name": "llm"},
    }
    _, problems = validate(raw, Secrets({}))
    paths = [p.path for p in problems]
    assert paths == [
        "extra_section",
        "agent.interval",
        "agent.dry_run",
        "performance.max_cycle_seconds",
        "cost_limits.alert_threshold",
        "live.clob_url",
        "ops.prometheus_port",
        "alerts.routes",
        "llm.chain",
        "llm.budget.alert_at",
        "agents.kelly_fraction",
        "agents.risk_model",
        "risk.max_position_size",
        "risk.daily_loss_limit",
        "risk.bogus",
        "cost_limits.daily",
        "env.WALLET_PRIVATE_KEY",
        "env.ANTHROPIC_API_KEY",
    ]
    by_path = {p.path: p for p in problems}
    assert by_path["agent.interval"].expected == "an integer >= 1"
    assert by_path["agent.interval"].got == "0"
    assert by_path["risk.max_position_size"].expected == "a positive number"
    assert "max_position_usdc" in by_path["risk.bogus"].expected
    assert by_path["llm.budget.alert_at"].expected == "a fraction in (0, 1]"
    assert "research_model" in by_path["agents.risk_model"].expected
    assert "llm.chain" in by_path["env.ANTHROPIC_API_KEY"].expected


def test_the_risk_gate_itself_reads_the_manuals_short_names() -> None:
    example = yaml.safe_load(EXAMPLE.read_text())["risk"]
    limits = RiskLimits.from_mapping(example)
    assert limits.max_position_usdc == 100
    assert limits.max_total_exposure_usdc == 1000
    assert limits.daily_loss_limit_usdc == 50
    assert limits.max_open_positions == 10


def test_valid_mapping_has_no_problem_and_types() -> None:
    cfg, problems = validate(
        {"markets": ["0xabc"], "strategy": "momentum", "llm": {"chain": ["openai"]}},
        Secrets({"OPENAI_API_KEY": "k" * 20, "SLACK_WEBHOOK": "https://hooks.example/x"}),
    )
    assert list(problems) == []
    assert cfg.markets.ids == ("0xabc",)
    assert cfg.strategy.name == "momentum"
    assert cfg.llm.chain == ("openai",)


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

    llm_config = EXAMPLE.read_text().replace("name: momentum", "name: llm")
    cfg.write_text(llm_config.replace("interval: 60", "interval: soon"))
    env.write_text("SLACK_WEBHOOK=not-a-url\n")
    assert main(["config", "check", "--config", str(cfg), "--env", str(env)]) == 1
    out = capsys.readouterr().out
    assert "ERROR agent.interval: expected an integer >= 1, got 'soon'" in out
    assert "ERROR env.SLACK_WEBHOOK: expected an http(s) URL, got set (malformed)" in out
    assert (
        "ERROR env.ANTHROPIC_API_KEY: expected set (strategy llm needs a key for one of "
        "llm.chain: anthropic, openai), got unset" in out
    )
    assert "not-a-url" not in out


# ----- one loader: what `config check` accepts is what `run` reads --------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs"
RUNNER_KEYS = {
    "markets": ("markets", "ids"),
    "strategy": ("strategy", "name"),
    "params": ("strategy", "params"),
    "confirm": ("live", "confirm"),
    "clob_url": ("live", "clob_url"),
    "gamma_url": ("live", "gamma_url"),
    "ws_url": ("live", "ws_url"),
    "chain_id": ("live", "chain_id"),
    "signature_type": ("live", "signature_type"),
    "funder": ("live", "funder"),
    "clock": ("live", "clock"),
    "stale_after": ("live", "stale_after"),
    "paper_cash": ("live", "paper_cash"),
    "rate_per_minute": ("live", "rate_per_minute"),
    "history_rows": ("live", "history_rows"),
    "interval": ("agent", "interval"),
}
"""Each `LiveSettings` field and the YAML key it must carry unchanged (written out here, so
the test does not trust the loader's own mapping)."""


def _yaml_blocks(name: str) -> list[dict]:
    import re

    text = (DOCS / name).read_text()
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)]


def _examples() -> list[tuple[str, dict]]:
    out = [("live/config.yaml", yaml.safe_load(EXAMPLE.read_text()))]
    for name in ("live.md", "OPERATIONS.md", "llm.md", "agents.md"):
        out += [(f"docs/{name}#{i}", b) for i, b in enumerate(_yaml_blocks(name))]
    return out


@pytest.mark.parametrize(
    ("where", "raw"), _examples(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_example_key_is_accepted_and_reaches_the_runner(where: str, raw: dict) -> None:
    """The shipped config and every YAML example in the docs pass the one loader; each key
    the runner reads arrives in `LiveSettings` with the value written in the example."""
    from alpha_arena.live.settings import LiveSettings

    raw = {"markets": ["0xabc"], **raw} if "markets" not in raw else raw
    cfg, problems = validate(raw, Secrets(GOOD_ENV | {"WALLET_PRIVATE_KEY": KEY}), EXAMPLE.parent)
    assert [str(p) for p in problems] == [], where
    settings = LiveSettings.from_config(cfg)
    for attr, (section, key) in RUNNER_KEYS.items():
        part = raw.get(section)
        if section == "markets" and isinstance(part, list):
            part = {"ids": part}
        if not isinstance(part, dict) or key not in part:
            continue
        got = getattr(settings, attr)
        want = part[key]
        assert (list(got) if isinstance(got, list) else got) == want, f"{where}: {section}.{key}"
    if "risk" in raw:
        assert settings.risk == RiskLimits.from_mapping(raw["risk"])
    if "live" in raw and "state_dir" in raw["live"]:
        assert settings.state_dir == EXAMPLE.parent / raw["live"]["state_dir"]
        assert settings.kill_file == EXAMPLE.parent / raw["live"]["state_dir"] / "KILL"


def test_the_llm_and_agents_readers_accept_the_shipped_sections() -> None:
    """The LLM strategy reads `llm:` and `agents:` itself: the sections `config check`
    accepts must be the ones those readers accept."""
    from alpha_arena.agents.config import AgentsConfig
    from alpha_arena.config.secrets import ALIASES
    from alpha_arena.llm.config import KEY_ENV, LLMConfig

    raw = yaml.safe_load(EXAMPLE.read_text())
    cfg = load_config(EXAMPLE, env_file=None, environ=GOOD_ENV)
    assert cfg.llm == LLMConfig.from_mapping(raw["llm"])
    assert cfg.agents == AgentsConfig.from_mapping(raw["agents"])
    names = {n for names in KEY_ENV.values() for n in names}
    assert names <= set(SPECS) | set(ALIASES)


_ID = st.text("0123456789abcdef", min_size=1, max_size=8).map(lambda h: f"0x{h}")
_RUNNER_VALUES = st.fixed_dictionaries(
    {
        "markets": st.lists(_ID, min_size=1, max_size=4, unique=True),
        "strategy": st.sampled_from(["momentum", "mean_reversion", "llm"]),
        "params": st.dictionaries(st.sampled_from(["fast", "slow", "stake"]), st.integers(1, 50)),
        "confirm": st.booleans(),
        "clob_url": st.sampled_from(["https://clob.example.org", "http://127.0.0.1:8080/x"]),
        "gamma_url": st.sampled_from(["https://gamma.example.org", "http://127.0.0.1:81"]),
        "ws_url": st.sampled_from([None, "wss://ws.example.org/ws/market", "ws://127.0.0.1:9"]),
        "chain_id": st.integers(1, 100_000),
        "signature_type": st.sampled_from([0, 1, 2]),
        "funder": st.sampled_from([None, "0x" + "ab" * 20]),
        "clock": st.sampled_from(["local", "server"]),
        "stale_after": st.integers(1, 1000),
        "paper_cash": st.floats(0.01, 1e9),
        "rate_per_minute": st.floats(0.5, 1e5),
        "history_rows": st.integers(1, 10**7),
        "interval": st.integers(1, 86_400),
    }
)


@settings(deadline=None, max_examples=40)
@given(values=_RUNNER_VALUES, manual_names=st.booleans())
def test_property_runner_reads_what_the_file_says(values: dict, manual_names: bool) -> None:
    """Any valid value of a runner key, written to config.yaml, reaches `LiveSettings`
    unchanged through `load_config`; the manual's `agent.dry_run` / `agent.strategy` names
    set the same fields as `live.confirm` / `strategy.name`."""
    import tempfile

    from alpha_arena.live.settings import LiveSettings

    raw: dict = {"markets": {}, "strategy": {}, "live": {}, "agent": {}}
    for attr, (section, key) in RUNNER_KEYS.items():
        raw[section][key] = values[attr]
    if manual_names:
        raw["agent"]["dry_run"] = not raw["live"].pop("confirm")
        raw["agent"]["strategy"] = raw["strategy"].pop("name")
    env = {**GOOD_ENV, "WALLET_PRIVATE_KEY": KEY}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(yaml.safe_dump(raw))
        cfg = load_config(path, environ=env)
    settings = LiveSettings.from_config(cfg)
    for attr, value in values.items():
        got = getattr(settings, attr)
        assert (list(got) if attr == "markets" else got) == value, attr
    assert settings.state_dir == Path(tmp) / "state"
    assert cfg.agent.dry_run is not settings.confirm
    assert cfg.real_money is settings.confirm
    assert settings.private_key() == KEY


def test_manual_names_that_disagree_are_named() -> None:
    raw = {
        "agent": {"dry_run": True, "strategy": "momentum"},
        "live": {"confirm": True},
        "strategy": {"name": "llm"},
    }
    _, problems = validate(raw, Secrets({"WALLET_PRIVATE_KEY": KEY, "ANTHROPIC_API_KEY": "a"}))
    assert [str(p) for p in problems] == [
        "agent.dry_run: expected false (the opposite of live.confirm), got True",
        "agent.strategy: expected 'llm' (the same as strategy.name), got 'momentum'",
    ]


def test_runner_files_follow_state_dir() -> None:
    cfg, problems = validate({"live": {"state_dir": "/srv/aa"}}, Secrets({}))
    assert list(problems) == []
    assert cfg.path(cfg.ops.metrics_db) == Path("/srv/aa/metrics.db")
    assert cfg.path(cfg.ops.decision_log) == Path("/srv/aa/decisions.jsonl")
    assert cfg.path(cfg.ops.journal_db) == Path("/srv/aa/orders.db")
    assert cfg.kill_file == Path("/srv/aa/KILL")
    _, problems = validate(
        {"live": {"state_dir": "run"}, "ops": {"metrics_db": "./run/metrics.db",
                                               "decision_log": "state/decisions.jsonl"}},
        Secrets({}),
    )  # fmt: skip
    assert [p.path for p in problems] == ["ops.decision_log"]
    assert "run/decisions.jsonl" in problems[0].expected


def test_unquoted_hex_condition_id_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("markets: [0x5f65c1]\n")
    _, problems = read_config(path, environ={})
    assert problems[0].path == "markets.ids"
    assert "quoted condition id" in problems[0].expected


# ----- the same refusal from `config check` and from `run` ----------------------------------

BAD = [
    ("llm", {"timeout_s": "soon"}, "llm.timeout_s"),
    ("llm", {"budget": {"on_exceed": "panic"}}, "llm.budget.on_exceed"),
    ("agents", {"max_concurrency": 0}, "agents.max_concurrency"),
    ("agent", {"interval": 0}, "agent.interval"),
    ("markets", {"ids": ["0xa", "0xb"], "max_markets": 1}, "markets.ids"),
    ("markets", {"ids": []}, "markets.ids"),
    ("performance", {"max_cycle_seconds": -1}, "performance.max_cycle_seconds"),
    ("cost_limits", {"alert_threshold": 2}, "cost_limits.alert_threshold"),
    ("strategy", {"params": [1]}, "strategy.params"),
    ("live", {"ws_url": "https://not-a-socket"}, "live.ws_url"),
    ("live", {"history_rows": 0}, "live.history_rows"),
    ("live", {"bogus": 1}, "live.bogus"),
    ("ops", {"journal_db": "elsewhere/orders.db"}, "ops.journal_db"),
    ("alerts", {"routes": {"critical": ["pager"]}}, "alerts.routes"),
    ("risk", {"max_open_positions": -3}, "risk.max_open_positions"),
    ("risk", {"kill_switch": "maybe"}, "risk.kill_switch"),
    ("live", {"confirm": True}, "env.WALLET_PRIVATE_KEY"),
    ("agent", {"strategy": "mean_reversion"}, "agent.strategy"),
]


def _deployment(tmp_path: Path, section: str, bad: dict) -> Path:
    raw = yaml.safe_load(EXAMPLE.read_text())
    raw["alerts"]["routes"] = {"info": ["log"], "warning": ["log"], "critical": ["log"]}
    raw["live"].update(clob_url="http://127.0.0.1:9", gamma_url="http://127.0.0.1:9")
    raw[section] = {**raw[section], **bad}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    (tmp_path / ".env").write_text("")
    return path


@pytest.mark.parametrize(("section", "bad", "path"), BAD, ids=[b[2] for b in BAD])
def test_bad_value_named_by_check_and_refused_by_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], section: str, bad: dict, path: str
) -> None:
    config = str(_deployment(tmp_path, section, bad))
    assert main(["config", "check", "--config", config]) == 1
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("ERROR ")]
    assert [x.split(":")[0] for x in lines] == [f"ERROR {path}"]
    assert main(["run", "--config", config, "--once", "--no-ops"]) == 2
    err = capsys.readouterr().err
    assert lines[0].removeprefix("ERROR ") in err
    assert not (tmp_path / "state").exists()  # refused before anything ran


def test_run_lists_every_problem_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _deployment(tmp_path, "live", {"clock": "sundial", "history_rows": -1})
    raw = yaml.safe_load(config.read_text())
    raw["markets"]["ids"] = []
    config.write_text(yaml.safe_dump(raw))
    assert main(["config", "check", "--config", str(config)]) == 1
    lines = [x.removeprefix("ERROR ") for x in capsys.readouterr().out.splitlines()
             if x.startswith("ERROR ")]  # fmt: skip
    assert [x.split(":")[0] for x in lines] == ["live.clock", "live.history_rows", "markets.ids"]
    assert main(["run", "--config", str(config), "--once", "--no-ops"]) == 2
    err = capsys.readouterr().err
    assert "3 problem(s)" in err
    assert all(line in err for line in lines)


def test_the_shipped_config_runs_once_in_paper_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """live/config.yaml as shipped, with only the venue URLs, its market ids and alert
    routes changed for the fake exchange: `config check` passes and `run --once` trades."""
    import json

    from tests.factories import make_dataset
    from tests.fake_exchange import FakeExchange, numeric_dataset

    data = numeric_dataset(make_dataset(4, 30, seed=5).select(["m2", "m3"]))
    with FakeExchange(data) as fx:
        raw = yaml.safe_load(EXAMPLE.read_text())
        raw["live"].update(clob_url=fx.url, gamma_url=fx.url)
        raw["markets"]["ids"] = list(data.markets.index)
        raw["alerts"]["routes"] = {"info": ["log"], "warning": ["log"], "critical": ["log"]}
        config = tmp_path / "config.yaml"
        config.write_text(yaml.safe_dump(raw))
        (tmp_path / ".env").write_text("")
        assert main(["config", "check", "--config", str(config)]) == 0
        assert "OK (paper (dry run)" in capsys.readouterr().out
        args = ["run", "--config", str(config), "--once", "--interval", "0"]
        assert main([*args, "--no-metrics-server"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["mode"], summary["cycles"], summary["errors"]) == ("paper", 1, 0)
    assert (tmp_path / "state" / "decisions.jsonl").read_text().count("\n") == 1
    assert (tmp_path / "state" / "audit.jsonl").is_file()


def test_llm_readers_refuse_only_over_their_own_sections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`providers` and the LLM strategy read `llm:`/`agents:` through the one loader: a bad
    `llm` key stops them, a problem elsewhere (an unset Slack webhook) does not."""
    config = tmp_path / "config.yaml"
    config.write_text("llm: {chain: [openai]}\nalerts: {routes: {critical: [slack]}}\n")
    assert main(["providers", "--config", str(config), "--json"]) == 0
    assert main(["config", "check", "--config", str(config)]) == 1
    capsys.readouterr()
    config.write_text("llm: {chain: [openai], timeout_s: soon}\n")
    assert main(["providers", "--config", str(config), "--json"]) == 2
    assert "llm.timeout_s" in capsys.readouterr().err


def _readers():
    from alpha_arena.agents.config import AgentsConfig
    from alpha_arena.llm.config import LLMConfig

    return {
        "llm": LLMConfig.from_mapping,
        "agents": AgentsConfig.from_mapping,
        "risk": RiskLimits.from_mapping,
    }


_KEYS = {
    "llm": ["chain", "timeout_s", "max_retries", "cache_mode", "budget", "breaker_failures",
            "ledger_path", "providers"],
    "agents": ["research_model", "kelly_fraction", "max_concurrency", "min_edge", "timeout_s",
               "risk_model"],
    "risk": ["max_position_size", "max_open_positions", "kill_switch", "max_drawdown_pct",
             "kelly_fraction", "bogus"],
}  # fmt: skip
_VALUES = st.one_of(
    st.integers(-2, 200),
    st.floats(-1, 150, allow_nan=False),
    st.booleans(),
    st.sampled_from(["off", "auto", "strong", "soon", "", "anthropic"]),
    st.lists(st.sampled_from(["anthropic", "openai", "local", "skynet"]), max_size=3),
    st.fixed_dictionaries({}, optional={"daily_usd": st.integers(-5, 50),
                                        "on_exceed": st.sampled_from(["skip", "panic"])}),
)  # fmt: skip


@settings(deadline=None, max_examples=60)
@given(data=st.data(), section=st.sampled_from(sorted(_KEYS)))
def test_property_check_accepts_exactly_what_the_reader_accepts(data, section: str) -> None:
    """For any `llm`/`agents`/`risk` section, `config check` finds no problem in it exactly
    when the code that reads the section accepts it, and then builds the same object. (The
    keys drawn leave out the loader's cross-key rule, position limit <= total exposure, by
    which `config check` and `run` are deliberately stricter than `RiskLimits`.)"""
    raw = data.draw(st.dictionaries(st.sampled_from(_KEYS[section]), _VALUES, max_size=4))
    reader = _readers()[section]
    try:
        expected = reader(raw)
    except Exception:
        expected = None
    cfg, problems = validate({section: raw}, Secrets({}))
    mine = [p for p in problems if p.path.split(".")[0] == section]
    assert (mine == []) == (expected is not None), (raw, mine)
    if expected is not None:
        assert getattr(cfg, section) == expected
