"""`LiveSettings`: the live runner's view of the one validated `Config`.

There is no YAML here: `alpha_arena.config` reads and validates `config.yaml` and `.env`
(the same pass as `alpha-arena config check`), and `LiveSettings.from_config` copies what
the runner needs, with paths resolved against the config file's folder. The keys are
documented in `live/config.yaml` and docs/live.md. The wallet key comes only from
`POLYMARKET_PRIVATE_KEY` (or `WALLET_PRIVATE_KEY`) in the environment or the `.env` next to
the config file, never from the YAML, and is never shown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alpha_arena.config import Config, Secrets, runner_problems, validate
from alpha_arena.config.sections import MarketsConfig
from alpha_arena.errors import ConfigError
from alpha_arena.risk import RiskLimits

KEY_ENV = "POLYMARKET_PRIVATE_KEY"


@dataclass
class LiveSettings:
    """What the runner reads, built only by `from_config` (or `shard`).

    `markets` are the listed ids; `screen` is the `markets` section when it has a screen,
    which the runner resolves through Gamma at start (`alpha_arena.live.screen`)."""

    markets: list[str]
    kill_file: Path
    strategy: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    risk: RiskLimits = field(default_factory=RiskLimits)
    confirm: bool = False
    clob_url: str = ""
    gamma_url: str = ""
    ws_url: str | None = None
    chain_id: int = 137
    signature_type: int = 0
    funder: str | None = None
    clock: str = "local"
    stale_after: int = 3
    paper_cash: float = 10_000.0
    state_dir: Path = Path("state")
    rate_per_minute: float = 3_000.0
    history_rows: int = 20_000
    resolve_every: int = 10
    interval: float = 60.0
    screen: MarketsConfig | None = None
    secrets: Secrets = field(default_factory=lambda: Secrets({}), repr=False)

    @classmethod
    def from_config(cls, cfg: Config) -> LiveSettings:
        """The runner's settings; a ConfigError when the config lacks what a run needs."""
        problems = runner_problems(cfg)
        problems.raise_if_any("config")
        live = cfg.live
        return cls(
            markets=list(cfg.markets.ids),
            kill_file=cfg.kill_file,
            strategy=cfg.strategy.name,
            params=dict(cfg.strategy.params),
            risk=cfg.risk,
            confirm=live.confirm,
            clob_url=live.clob_url,
            gamma_url=live.gamma_url,
            ws_url=live.ws_url,
            chain_id=live.chain_id,
            signature_type=live.signature_type,
            funder=live.funder,
            clock=live.clock,
            stale_after=live.stale_after,
            paper_cash=live.paper_cash,
            state_dir=cfg.state_dir,
            rate_per_minute=live.rate_per_minute,
            history_rows=live.history_rows,
            resolve_every=live.resolve_every,
            interval=float(cfg.agent.interval),
            screen=cfg.markets if cfg.markets.screen is not None else None,
            secrets=cfg.secrets,
        )

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any], base: Path = Path(".")) -> LiveSettings:
        """From an already parsed config (tests, benchmarks): validated by the one loader,
        secrets from the environment; a ConfigError listing every problem."""
        cfg, problems = validate(config, Secrets.load(None), base)
        problems.raise_if_any("config")
        return cls.from_config(cfg)

    def private_key(self) -> str:
        """The wallet key; a ConfigError naming the variable (never the value) if unset."""
        key = self.secrets.get("WALLET_PRIVATE_KEY")
        if not key:
            raise ConfigError(f"{KEY_ENV}: not set (environment or .env); needed for --live")
        return key

    def shard(self, index: int, count: int) -> LiveSettings:
        """Shard `index` of `count` (`--shard i/n`): every n-th market from the i-th, its own
        state directory (journal, logs), the same kill file as the whole fleet."""
        if not (isinstance(count, int) and count >= 1 and isinstance(index, int)):
            raise ConfigError(f"--shard: expected i/n with integers, got {index}/{count}")
        if not 0 <= index < count:
            raise ConfigError(f"--shard: expected 0 <= i < n, got {index}/{count}")
        if self.screen is not None:
            raise ConfigError(
                "--shard: expected markets.ids only; each shard would resolve markets.screen "
                "on its own and could split a different pick (list the ids instead)"
            )
        markets = self.markets[index::count]
        if not markets:
            raise ConfigError(
                f"--shard: shard {index}/{count} gets no market ({len(self.markets)} configured)"
            )
        return dataclasses.replace(
            self, markets=markets, state_dir=self.state_dir / f"shard-{index}-of-{count}"
        )
