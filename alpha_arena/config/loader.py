"""`load_config`: `config.yaml` + `.env` into a typed, fully validated `Config`.

Every section is validated even after a problem is found, so one run of
`alpha-arena config check` lists every bad or missing field. The `risk:` section is handed to
`RiskLimits.from_mapping` (the gate the runner uses), one key at a time so each bad key is
reported on its own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alpha_arena.config.problems import Problems
from alpha_arena.config.secrets import PROVIDER_KEYS, Secrets
from alpha_arena.config.sections import (
    AgentConfig,
    AgentsConfig,
    AlertsConfig,
    CostLimits,
    LiveConfig,
    LLMConfig,
    MarketsConfig,
    OpsConfig,
    PerformanceConfig,
    StrategyConfig,
    build_section,
)
from alpha_arena.errors import ConfigError
from alpha_arena.risk import RiskLimits

_SECTIONS: dict[str, type] = {
    "llm": LLMConfig,
    "agent": AgentConfig,
    "agents": AgentsConfig,
    "markets": MarketsConfig,
    "performance": PerformanceConfig,
    "cost_limits": CostLimits,
    "strategy": StrategyConfig,
    "live": LiveConfig,
    "ops": OpsConfig,
    "alerts": AlertsConfig,
}


@dataclass(frozen=True)
class Config:
    """The whole validated configuration; paths in `ops` are resolved against `base`."""

    llm: LLMConfig = field(default_factory=LLMConfig)
    risk: RiskLimits = field(default_factory=RiskLimits)
    agent: AgentConfig = field(default_factory=AgentConfig)
    agents: AgentsConfig = field(default_factory=AgentsConfig)
    markets: MarketsConfig = field(default_factory=MarketsConfig)
    performance: PerformanceConfig = field(default_factory=PerformanceConfig)
    cost_limits: CostLimits = field(default_factory=CostLimits)
    strategy: StrategyConfig = field(default_factory=StrategyConfig)
    live: LiveConfig = field(default_factory=LiveConfig)
    ops: OpsConfig = field(default_factory=OpsConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    secrets: Secrets = field(default_factory=lambda: Secrets({}), repr=False)
    base: Path = Path(".")

    def path(self, relative: str) -> Path:
        """An `ops`/`live` path resolved against the config file's folder."""
        p = Path(relative)
        return p if p.is_absolute() else self.base / p

    @property
    def kill_file(self) -> Path:
        """The kill-switch file (the same rule as the live runner: risk's, else state/KILL)."""
        if self.risk.kill_switch_file:
            return self.path(self.risk.kill_switch_file)
        return self.path(self.live.state_dir) / "KILL"

    @property
    def real_money(self) -> bool:
        """True when the config allows real orders (live.confirm or agent.dry_run false)."""
        return self.live.confirm or not self.agent.dry_run

    def public(self) -> dict[str, Any]:
        """Every non-secret setting as plain JSON-able data, secrets as set/unset."""
        out: dict[str, Any] = {}
        for name in ("llm", "risk", *_SECTIONS):
            section = dataclasses.asdict(getattr(self, name))
            out[name] = {k: list(v) if isinstance(v, tuple) else v for k, v in section.items()}
        out["env"] = {name: self.secrets.status(name) for name in _secret_names()}
        return out

    def fingerprint(self) -> str:
        """sha256 of `public()`: changes whenever a setting (or a secret's presence) changes."""
        blob = json.dumps(self.public(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


def _secret_names() -> tuple[str, ...]:
    from alpha_arena.config.secrets import SPECS

    return tuple(SPECS)


def _risk(raw: Any, problems: Problems) -> RiskLimits:
    if raw is None:
        return RiskLimits()
    if not isinstance(raw, Mapping):
        problems.add("risk", "a mapping", raw)
        return RiskLimits()
    good: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            RiskLimits.from_mapping({key: value})
        except ConfigError as exc:
            _, _, detail = str(exc).partition(": ")
            if detail.startswith("expected "):
                expected = detail.removeprefix("expected ").partition(", got")[0]
            else:
                expected = "a known key " + detail.removeprefix("unknown setting ")
            problems.add(f"risk.{key}", expected, value)
            continue
        good[key] = value
    limits = RiskLimits.from_mapping(good)
    pos, total = limits.max_position_usdc, limits.max_total_exposure_usdc
    if pos is not None and total is not None and pos > total:
        problems.add("risk.max_position_size", f"at most max_total_exposure ({total})", pos)
    return limits


def _required_secrets(cfg: Config) -> dict[str, str]:
    need: dict[str, str] = {}
    if cfg.real_money:
        need["WALLET_PRIVATE_KEY"] = "real orders are enabled"
    for provider in (*cfg.llm.providers, *cfg.llm.fallback):
        need[PROVIDER_KEYS[provider]] = f"llm provider {provider}"
    api = ("POLYMARKET_API_KEY", "POLYMARKET_API_SECRET", "POLYMARKET_API_PASSPHRASE")
    if any(cfg.secrets.get(n) for n in api):
        need.update(dict.fromkeys(api, "the API key, secret and passphrase go together"))
    channels = {ch for names in cfg.alerts.routes.values() for ch in names}
    if "slack" in channels:
        need["SLACK_WEBHOOK"] = "alerts route to slack"
    if "telegram" in channels:
        need.update(
            dict.fromkeys(("TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"), "alerts route to telegram")
        )
    if "email" in channels:
        need.update(dict.fromkeys(("SMTP_HOST", "SMTP_FROM", "SMTP_TO"), "alerts route to email"))
    return need


def validate(raw: Any, secrets: Secrets, base: Path = Path(".")) -> tuple[Config, Problems]:
    """A `Config` from parsed YAML and every problem found (empty when it is all valid)."""
    problems = Problems()
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.add("config", "a mapping of sections", raw)
        raw = {}
    known = {"risk", *_SECTIONS}
    for key in raw:
        if key not in known:
            problems.add(str(key), "a known section (" + ", ".join(sorted(known)) + ")", "present")
    sections = dict(raw)
    if isinstance(sections.get("markets"), list):
        sections["markets"] = {"ids": sections["markets"]}
    if isinstance(sections.get("strategy"), str):
        sections["strategy"] = {"name": sections["strategy"]}
    built = {
        name: build_section(cls, sections.get(name), name, problems)
        for name, cls in _SECTIONS.items()
    }
    cfg = Config(risk=_risk(sections.get("risk"), problems), secrets=secrets, base=base, **built)
    limits = cfg.cost_limits
    if limits.daily is not None and limits.monthly is not None and limits.daily > limits.monthly:
        problems.add(
            "cost_limits.daily", f"at most cost_limits.monthly ({limits.monthly})", limits.daily
        )
    secrets.check(_required_secrets(cfg), problems)
    return cfg, problems


def read_config(
    path: str | Path | None,
    env_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Config, Problems]:
    """Read and validate; `env_file` defaults to `.env` beside the config file."""
    import yaml

    problems = Problems()
    raw: Any = {}
    base = Path(".")
    if path is not None:
        path = Path(path)
        base = path.parent
        if not path.is_file():
            problems.add("config", "an existing file", str(path))
        else:
            try:
                raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f"line {mark.line + 1}" if mark else "unknown line"
                problems.add("config", "valid YAML", f"a syntax error at {where}")
    if env_file is None and path is not None:
        env_file = base / ".env"
    secrets = Secrets.load(env_file, environ)
    cfg, more = validate(raw, secrets, base)
    problems.extend(more)
    return cfg, problems


def load_config(
    path: str | Path | None,
    env_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Read and validate; a ConfigError listing every problem if there is any."""
    cfg, problems = read_config(path, env_file, environ)
    problems.raise_if_any(str(path or "config"))
    return cfg
