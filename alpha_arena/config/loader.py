"""`load_config`: `config.yaml` + `.env` into a typed, fully validated `Config`.

The one loader of the project: `alpha-arena config check`, `run` (through
`alpha_arena.live.settings.LiveSettings.from_config`), `kill` and the operations commands all
read this `Config`. Every section is validated even after a problem is found, so one run of
`config check` lists every bad or missing field. `risk`, `llm` and `agents` are validated by
the dataclasses of the code that reads them (see `delegated`); the other sections are the
dataclasses in `sections`.

A few keys are the operations manual's names for another key; the loader merges each pair so
every reader sees one value: `agent.dry_run` is `not live.confirm`, `agent.strategy` is
`strategy.name`, and the runner's files in `ops` follow `live.state_dir`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from alpha_arena.config.delegated import build_delegated
from alpha_arena.config.problems import Problems
from alpha_arena.config.secrets import SPECS, Secrets
from alpha_arena.config.sections import (
    RUNNER_FILES,
    AgentConfig,
    AlertsConfig,
    CostLimits,
    LiveConfig,
    MarketsConfig,
    OpsConfig,
    PerformanceConfig,
    StrategyConfig,
    build_section,
)
from alpha_arena.risk import RiskLimits

if TYPE_CHECKING:
    from alpha_arena.agents.config import AgentsConfig
    from alpha_arena.llm.config import LLMConfig

_SECTIONS: dict[str, type] = {
    "agent": AgentConfig,
    "markets": MarketsConfig,
    "performance": PerformanceConfig,
    "cost_limits": CostLimits,
    "strategy": StrategyConfig,
    "live": LiveConfig,
    "ops": OpsConfig,
    "alerts": AlertsConfig,
}
_DELEGATED = ("risk", "llm", "agents")


def _llm_config(section: Mapping[str, Any] | None = None) -> LLMConfig:
    from alpha_arena.llm.config import LLMConfig

    return LLMConfig.from_mapping(section)


def _agents_config(section: Mapping[str, Any] | None = None) -> AgentsConfig:
    from alpha_arena.agents.config import AgentsConfig

    return AgentsConfig.from_mapping(section)


@dataclass(frozen=True)
class Config:
    """The whole validated configuration; paths in `ops` are resolved against `base`."""

    llm: LLMConfig = field(default_factory=_llm_config)
    risk: RiskLimits = field(default_factory=RiskLimits)
    agent: AgentConfig = field(default_factory=AgentConfig)
    agents: AgentsConfig = field(default_factory=_agents_config)
    markets: MarketsConfig = field(default_factory=MarketsConfig)
    performance: PerformanceConfig = field(default_factory=PerformanceConfig)
    cost_limits: CostLimits = field(default_factory=CostLimits)
    strategy: StrategyConfig = field(default_factory=StrategyConfig)
    live: LiveConfig = field(default_factory=LiveConfig)
    ops: OpsConfig = field(
        default_factory=lambda: _runner_files(OpsConfig(), LiveConfig(), Problems())
    )
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    secrets: Secrets = field(default_factory=lambda: Secrets({}), repr=False)
    base: Path = Path(".")

    def path(self, relative: str) -> Path:
        """An `ops`/`live` path resolved against the config file's folder."""
        p = Path(relative)
        return p if p.is_absolute() else self.base / p

    @property
    def state_dir(self) -> Path:
        """The runner's state directory (journal, decision log, metrics), resolved."""
        return self.path(self.live.state_dir)

    @property
    def kill_file(self) -> Path:
        """The kill-switch file: `risk.kill_switch_file`, else `<live.state_dir>/KILL`."""
        if self.risk.kill_switch_file:
            return self.path(self.risk.kill_switch_file)
        return self.state_dir / "KILL"

    @property
    def real_money(self) -> bool:
        """True when the config allows real orders (`live.confirm`; `run` also needs --live)."""
        return self.live.confirm

    def public(self) -> dict[str, Any]:
        """Every non-secret setting as plain JSON-able data, secrets as set/unset."""
        out: dict[str, Any] = {}
        for name in (*_DELEGATED, *_SECTIONS):
            section = dataclasses.asdict(getattr(self, name))
            out[name] = {k: list(v) if isinstance(v, tuple) else v for k, v in section.items()}
        out["env"] = {name: self.secrets.status(name) for name in SPECS}
        return out

    def fingerprint(self) -> str:
        """sha256 of `public()`: changes whenever a setting (or a secret's presence) changes."""
        blob = json.dumps(self.public(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


def _runner_files(ops: OpsConfig, live: LiveConfig, problems: Problems) -> OpsConfig:
    """`ops` with the runner's files at `<live.state_dir>/<name>`; a problem per `ops` path
    given that names another file (the runner would write elsewhere than health reads)."""
    where = PurePosixPath(live.state_dir)
    values = {}
    for key, name in RUNNER_FILES.items():
        wanted = str(where / name)
        given = getattr(ops, key)
        if given is not None and PurePosixPath(given) != PurePosixPath(wanted):
            problems.add(
                f"ops.{key}", f"{wanted} (the runner writes <live.state_dir>/{name})", given
            )
        values[key] = wanted
    return dataclasses.replace(ops, **values)


def _merge_aliases(raw: Mapping[str, Any], built: dict[str, Any], problems: Problems) -> None:
    """One value for each pair of names: `agent.dry_run` / `live.confirm`, `agent.strategy` /
    `strategy.name`. Both given and disagreeing is a problem; one given sets the other."""
    refused = {p.path for p in problems}

    def given(section: str, key: str) -> bool:
        part = raw.get(section)
        return isinstance(part, Mapping) and key in part and f"{section}.{key}" not in refused

    agent, live, strategy = built["agent"], built["live"], built["strategy"]
    if given("agent", "dry_run") and given("live", "confirm"):
        if agent.dry_run == live.confirm:
            problems.add(
                "agent.dry_run",
                f"{str(not live.confirm).lower()} (the opposite of live.confirm)",
                agent.dry_run,
            )
    elif given("agent", "dry_run"):
        live = dataclasses.replace(live, confirm=not agent.dry_run)
    name = strategy.name or agent.strategy
    if strategy.name and agent.strategy and strategy.name != agent.strategy:
        problems.add(
            "agent.strategy", f"{strategy.name!r} (the same as strategy.name)", agent.strategy
        )
    built["live"] = live
    built["agent"] = dataclasses.replace(agent, dry_run=not live.confirm, strategy=name)
    built["strategy"] = dataclasses.replace(strategy, name=name)


def _cross_checks(cfg: Config, problems: Problems) -> None:
    """Checks that span two keys."""
    pos, total = cfg.risk.max_position_usdc, cfg.risk.max_total_exposure_usdc
    if pos is not None and total is not None and pos > total:
        problems.add("risk.max_position_size", f"at most max_total_exposure ({total})", pos)
    limits = cfg.cost_limits
    if limits.daily is not None and limits.monthly is not None and limits.daily > limits.monthly:
        problems.add(
            "cost_limits.daily", f"at most cost_limits.monthly ({limits.monthly})", limits.daily
        )
    cap = cfg.markets.max_markets
    if len(cfg.markets.ids) > cap:
        problems.add(
            "markets.ids", f"at most markets.max_markets ({cap}) ids", f"{len(cfg.markets.ids)} ids"
        )
    screen = cfg.markets.screen
    if screen is not None and screen.max_markets is not None:
        room = cap - len(cfg.markets.ids)
        if screen.max_markets > room:
            problems.add(
                "markets.screen.max_markets",
                f"at most {room} (markets.max_markets {cap} less {len(cfg.markets.ids)} ids)",
                screen.max_markets,
            )


def runner_problems(cfg: Config) -> Problems:
    """What `alpha-arena run` needs beyond a valid config (`config check` reports it too; the
    operations commands do not need it): at least one market to trade, listed in
    `markets.ids` or picked by `markets.screen` (which `run` resolves through Gamma)."""
    problems = Problems()
    markets = cfg.markets
    if not markets.ids and markets.screen is None:
        problems.add(
            "markets.ids",
            "at least one condition id or a markets.screen (the markets `run` trades)",
            [],
        )
    elif markets.screen is not None and len(markets.ids) >= markets.max_markets:
        problems.add(
            "markets.screen",
            f"room for a screened market (markets.ids already fill markets.max_markets "
            f"{markets.max_markets})",
            f"{len(markets.ids)} ids",
        )
    return problems


def _required_secrets(cfg: Config) -> dict[str, str]:
    from alpha_arena.llm.config import KEY_ENV

    need: dict[str, str] = {}
    if cfg.real_money:
        need["WALLET_PRIVATE_KEY"] = "real orders are enabled; or POLYMARKET_PRIVATE_KEY"
    if cfg.strategy.name == "llm":
        keyed = [p for p in cfg.llm.chain if p != "local"]
        local = "local" in cfg.llm.chain and cfg.llm.base_urls.get("local")
        if keyed and not local and not any(cfg.secrets.get(KEY_ENV[p][0]) for p in keyed):
            why = "strategy llm needs a key for one of llm.chain: " + ", ".join(keyed)
            need[KEY_ENV[keyed[0]][0]] = why
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
    known = {*_DELEGATED, *_SECTIONS}
    for key in raw:
        if key not in known:
            problems.add(str(key), "a known section (" + ", ".join(sorted(known)) + ")", "present")
    sections = dict(raw)
    if isinstance(sections.get("markets"), list):
        sections["markets"] = {"ids": sections["markets"]}
    if isinstance(sections.get("strategy"), str):
        sections["strategy"] = {"name": sections["strategy"]}
    built: dict[str, Any] = {
        name: build_section(cls, sections.get(name), name, problems)
        for name, cls in _SECTIONS.items()
    }
    built["llm"] = build_delegated("llm", sections.get("llm"), _llm_config, problems)
    built["agents"] = build_delegated("agents", sections.get("agents"), _agents_config, problems)
    built["risk"] = build_delegated("risk", sections.get("risk"), RiskLimits.from_mapping, problems)
    _merge_aliases(sections, built, problems)
    built["ops"] = _runner_files(built["ops"], built["live"], problems)
    cfg = Config(secrets=secrets, base=base, **built)
    _cross_checks(cfg, problems)
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


def read_run_config(
    path: str | Path | None,
    env_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Config, Problems]:
    """`read_config` plus what `run` needs (`runner_problems`): what `config check` reports
    and `run` refuses, so the two agree."""
    cfg, problems = read_config(path, env_file, environ)
    reported = {p.path for p in problems}
    problems.extend(p for p in runner_problems(cfg) if p.path not in reported)
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
