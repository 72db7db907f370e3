"""`LiveSettings`: what `alpha-arena run` reads from `config.yaml` (and the key from the env).

```yaml
markets: [0xabc..., 0xdef...]      # condition ids (or {ids: [...]})
strategy: {name: momentum, params: {fast: 12}}
risk: {max_position_usdc: 100, daily_loss_limit_usdc: 50, kill_switch: false}
live:
  confirm: false                   # real orders need this AND --live
  clob_url: https://clob.polymarket.com
  gamma_url: https://gamma-api.polymarket.com
  chain_id: 137
  signature_type: 0                # 0 EOA, 1 proxy, 2 Gnosis safe
  funder: null                     # proxy / safe address holding the funds
  clock: local                     # or "server": the CLOB's /time
  stale_after: 3                   # polls without a fresh book before a token is stale
  paper_cash: 10000                # starting USDC of a paper run
  state_dir: state                 # journal, decision log, kill file (relative to the config)
  rate_per_minute: 3000            # REST requests per minute to Gamma + CLOB (shared limiter)
  ws_url: null                     # the market WebSocket for books (REST /books if null)
  history_rows: 20000              # polls kept in memory (the strategies' lookback window)
```
The private key comes only from `POLYMARKET_PRIVATE_KEY` (environment or a `.env` next to
the config file); it is never read from the YAML.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alpha_arena.errors import ConfigError
from alpha_arena.risk import RiskLimits

KEY_ENV = "POLYMARKET_PRIVATE_KEY"
KILL_FILE = "KILL"

_LIVE_KEYS = {
    "confirm", "clob_url", "gamma_url", "chain_id", "signature_type", "funder", "clock",
    "stale_after", "paper_cash", "state_dir", "rate_per_minute", "ws_url", "history_rows",
}  # fmt: skip


@dataclass
class LiveSettings:
    """The live runner's settings (see the module docstring for the YAML)."""

    markets: list[str]
    strategy: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    risk: RiskLimits = field(default_factory=RiskLimits)
    confirm: bool = False
    clob_url: str = "https://clob.polymarket.com"
    gamma_url: str = "https://gamma-api.polymarket.com"
    chain_id: int = 137
    signature_type: int = 0
    funder: str | None = None
    clock: str = "local"
    stale_after: int = 3
    paper_cash: float = 10_000.0
    state_dir: Path = Path("state")
    rate_per_minute: float = 3_000.0
    ws_url: str | None = None
    history_rows: int = 20_000
    kill_path: Path | None = None

    @property
    def kill_file(self) -> Path:
        """The kill-switch file: its existence stops trading (`alpha-arena kill` writes it).

        `risk.kill_switch_file` (relative to the config file), else `<state_dir>/KILL`."""
        if self.kill_path is not None:
            return self.kill_path
        if self.risk.kill_switch_file:
            return Path(self.risk.kill_switch_file)
        return self.state_dir / KILL_FILE

    def shard(self, index: int, count: int) -> LiveSettings:
        """Shard `index` of `count` (`--shard i/n`): every n-th market from the i-th, its own
        state directory (journal, logs), the same kill file as the whole fleet."""
        if not (isinstance(count, int) and count >= 1 and isinstance(index, int)):
            raise ConfigError(f"--shard: expected i/n with integers, got {index}/{count}")
        if not 0 <= index < count:
            raise ConfigError(f"--shard: expected 0 <= i < n, got {index}/{count}")
        markets = self.markets[index::count]
        if not markets:
            raise ConfigError(
                f"--shard: shard {index}/{count} gets no market ({len(self.markets)} configured)"
            )
        return dataclasses.replace(
            self,
            markets=markets,
            state_dir=self.state_dir / f"shard-{index}-of-{count}",
            kill_path=self.kill_file,
        )

    @classmethod
    def from_mapping(cls, config: dict[str, Any], base: Path = Path(".")) -> LiveSettings:
        """Build from a parsed config file; names every bad or missing field."""
        if not isinstance(config, dict):
            raise ConfigError(f"config: expected a mapping, got {type(config).__name__}")
        markets = config.get("markets")
        if isinstance(markets, dict):
            markets = markets.get("ids")
        if not isinstance(markets, list) or not markets:
            raise ConfigError("markets: expected a non-empty list of condition ids")
        strategy = config.get("strategy") or {}
        if isinstance(strategy, str):
            strategy = {"name": strategy}
        if not isinstance(strategy, dict):
            raise ConfigError("strategy: expected {name: ..., params: {...}}")
        live = config.get("live") or {}
        unknown = sorted(set(live) - _LIVE_KEYS)
        if unknown:
            raise ConfigError(f"live.{unknown[0]}: unknown setting (known: {sorted(_LIVE_KEYS)})")
        settings = cls(
            markets=[str(m) for m in markets],
            strategy=strategy.get("name"),
            params=dict(strategy.get("params") or {}),
            risk=RiskLimits.from_mapping(config.get("risk")),
            **{k: v for k, v in live.items() if k != "state_dir"},
        )
        settings.state_dir = base / str(live.get("state_dir", "state"))
        if settings.risk.kill_switch_file:
            settings.kill_path = base / settings.risk.kill_switch_file
        settings._check()
        return settings

    def _check(self) -> None:
        if not isinstance(self.confirm, bool):
            raise ConfigError(f"live.confirm: expected true or false, got {self.confirm!r}")
        if self.clock not in ("local", "server"):
            raise ConfigError(f"live.clock: expected 'local' or 'server', got {self.clock!r}")
        if self.signature_type not in (0, 1, 2):
            raise ConfigError(
                f"live.signature_type: expected 0, 1 or 2, got {self.signature_type!r}"
            )
        if not isinstance(self.stale_after, int) or self.stale_after < 1:
            raise ConfigError(f"live.stale_after: expected an int >= 1, got {self.stale_after!r}")
        if not isinstance(self.rate_per_minute, (int, float)) or self.rate_per_minute <= 0:
            raise ConfigError(f"live.rate_per_minute: expected > 0, got {self.rate_per_minute!r}")
        if not isinstance(self.paper_cash, (int, float)) or self.paper_cash <= 0:
            raise ConfigError(f"live.paper_cash: expected USDC > 0, got {self.paper_cash!r}")
        if self.ws_url is not None and not str(self.ws_url).startswith(("ws://", "wss://")):
            raise ConfigError(f"live.ws_url: expected a ws:// or wss:// URL, got {self.ws_url!r}")
        if not isinstance(self.history_rows, int) or self.history_rows < 1:
            raise ConfigError(f"live.history_rows: expected an int >= 1, got {self.history_rows!r}")


def load_settings(path: str | Path) -> LiveSettings:
    """Read `config.yaml` (and a `.env` beside it, for the key) into `LiveSettings`."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config: no file {path}")
    env_file = path.parent / ".env"
    if env_file.is_file():
        from dotenv import load_dotenv

        load_dotenv(env_file, override=False)
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"config {path}: not valid YAML ({exc})") from None
    return LiveSettings.from_mapping(config, path.parent)


def private_key() -> str:
    """The wallet key from the environment; a ConfigError (without the value) if absent."""
    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        raise ConfigError(f"{KEY_ENV}: not set (environment or .env); needed for --live")
    return key
