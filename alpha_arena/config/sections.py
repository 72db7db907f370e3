"""The typed sections of `config.yaml`: one frozen dataclass per section, checked per field.

Each field's metadata holds its checker; `build_section` reads a YAML mapping into the
dataclass, recording a `Problem` for every unknown key and bad value instead of stopping.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from alpha_arena.config import checks as c
from alpha_arena.config.problems import Problems

SEVERITIES = ("info", "warning", "critical")
CHANNELS = ("slack", "telegram", "email", "log")


def _f(check: c.Checker, default: Any) -> Any:
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata={"check": check})
    return field(default=default, metadata={"check": check})


def _routes(value: Any) -> dict[str, tuple[str, ...]]:
    """A mapping of severity to a list of channels."""
    routes = c.mapping(value)
    channels = c.list_of(c.one_of(*CHANNELS))
    out = {}
    for severity, names in routes.items():
        if severity not in SEVERITIES:
            raise c.CheckError("severities among " + ", ".join(SEVERITIES))
        try:
            out[severity] = channels(names)
        except c.CheckError as exc:
            raise c.CheckError(f"{severity}: {exc}") from None
    return out


@dataclass(frozen=True)
class AgentConfig:
    """`agent:` the trading loop, in the operations manual's words.

    `interval` is `alpha-arena run`'s default `--interval` (and health's freshness yardstick);
    `dry_run` and `strategy` are the manual's names for `not live.confirm` and
    `strategy.name`: the loader merges them, so the runner reads one value for each.
    """

    interval: int = _f(c.positive_int, 60)
    dry_run: bool = _f(c.boolean, True)
    strategy: str | None = _f(c.optional(c.text), None)


def _category(value: Any) -> str:
    """A category name, compared lower-case."""
    return c.text(value).strip().lower()


SCREEN_ORDERS = ("volume_24h", "liquidity")


@dataclass(frozen=True)
class ScreenConfig:
    """`markets.screen:` pick markets by criteria once at start (`alpha_arena.live.screen`).

    Every criterion must hold: a category among `categories` (any when empty), at least
    `min_volume_24h` USDC traded over 24 h and `min_liquidity` USDC of liquidity, an end
    date within `closes_within_days` days. The best `max_markets` by `order_by` (largest
    first) are traded, besides `markets.ids`; without `max_markets` up to
    `markets.max_markets` in all.
    """

    categories: tuple[str, ...] = _f(c.list_of(_category), ())
    min_volume_24h: float = _f(c.non_negative, 0.0)
    min_liquidity: float = _f(c.non_negative, 0.0)
    closes_within_days: float | None = _f(c.optional(c.positive), None)
    max_markets: int | None = _f(c.optional(c.positive_int), None)
    order_by: str = _f(c.one_of(*SCREEN_ORDERS), "volume_24h")


@dataclass(frozen=True)
class MarketsConfig:
    """`markets:` the condition ids the runner trades, an optional screen that adds markets
    by criteria, and a cap on how many there may be in all."""

    ids: tuple[str, ...] = _f(c.list_of(c.condition_id), ())
    max_markets: int = _f(c.positive_int, 100)
    screen: ScreenConfig | None = field(default=None, metadata={"section": ScreenConfig})


@dataclass(frozen=True)
class PerformanceConfig:
    """`performance:` the cycle time budget (the manual's 30 s); slower cycles raise an alert."""

    max_cycle_seconds: float = _f(c.positive, 30.0)


@dataclass(frozen=True)
class CostLimits:
    """`cost_limits:` LLM spend caps in USD, and the share of a cap that raises an alert."""

    daily: float | None = _f(c.optional(c.positive), None)
    monthly: float | None = _f(c.optional(c.positive), None)
    alert_threshold: float = _f(c.fraction, 0.8)


@dataclass(frozen=True)
class StrategyConfig:
    """`strategy:` the registered strategy the runner trades, and its parameters."""

    name: str | None = _f(c.optional(c.text), None)
    params: dict[str, Any] = _f(c.mapping, {})  # noqa: RUF009 (_f returns a field())


@dataclass(frozen=True)
class LiveConfig:
    """`live:` venue endpoints, the runner's state and the real-money gate (`confirm` AND
    `--live`). `ws_url` (the CLOB market WebSocket, None: REST polling only) and
    `history_rows` (price rows the live feed keeps) are read by the live feed;
    `resolve_every` (cycles between asking Gamma which markets resolved) by the runner."""

    confirm: bool = _f(c.boolean, False)
    clob_url: str = _f(c.url, "https://clob.polymarket.com")
    gamma_url: str = _f(c.url, "https://gamma-api.polymarket.com")
    ws_url: str | None = _f(c.optional(c.ws_url), None)
    chain_id: int = _f(c.positive_int, 137)
    signature_type: int = _f(c.one_of(0, 1, 2), 0)
    funder: str | None = _f(c.optional(c.pattern(r"0x[0-9a-fA-F]{40}", "an 0x address")), None)
    clock: str = _f(c.one_of("local", "server"), "local")
    stale_after: int = _f(c.positive_int, 3)
    paper_cash: float = _f(c.positive, 10_000.0)
    state_dir: str = _f(c.text, "state")
    rate_per_minute: float = _f(c.positive, 3_000.0)
    history_rows: int = _f(c.positive_int, 20_000)
    resolve_every: int = _f(c.positive_int, 10)


RUNNER_FILES = {
    "metrics_db": "metrics.db",
    "decision_log": "decisions.jsonl",
    "journal_db": "orders.db",
}
"""The `ops:` paths the runner writes itself, by their fixed names in `live.state_dir`."""


@dataclass(frozen=True)
class OpsConfig:
    """`ops:` where the operational files live (relative to the config file) and thresholds.

    `metrics_db`, `decision_log` and `journal_db` are where the runner writes: always
    `live.state_dir` plus a fixed name (`RUNNER_FILES`). The loader fills them in; a value
    given here must name that same file (move them all with `live.state_dir`).
    """

    metrics_db: str | None = _f(c.optional(c.text), None)
    memory_db: str = _f(c.text, "state/memory.db")
    decision_log: str | None = _f(c.optional(c.text), None)
    journal_db: str | None = _f(c.optional(c.text), None)
    pid_file: str = _f(c.text, "state/alpha-arena.pid")
    audit_log: str = _f(c.text, "state/audit.jsonl")
    backup_dir: str = _f(c.text, "backups")
    prometheus_host: str = _f(c.text, "127.0.0.1")
    prometheus_port: int = _f(c.port, 9108)
    exchange_url: str | None = _f(c.optional(c.url), None)
    max_decision_age_seconds: float | None = _f(c.optional(c.positive), None)
    min_free_disk_mb: float = _f(c.non_negative, 500.0)
    min_free_memory_mb: float = _f(c.non_negative, 200.0)
    memory_days: int = _f(c.positive_int, 90)
    polygon_rpc_url: str | None = _f(c.optional(c.url), None)
    collateral_address: str = _f(
        c.pattern(r"0x[0-9a-fA-F]{40}", "an 0x address"),
        "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174",
    )


@dataclass(frozen=True)
class AlertsConfig:
    """`alerts:` channels per severity, a per-channel hourly cap and a duplicate window.

    By default alerts only go to the log; Slack, Telegram and e-mail are opted into by
    routing a severity to them (their secrets are then required).
    """

    routes: dict[str, tuple[str, ...]] = _f(  # noqa: RUF009 (_f returns a field())
        _routes, {"info": ("log",), "warning": ("log",), "critical": ("log",)}
    )
    rate_limit_per_hour: int = _f(c.positive_int, 30)
    dedup_seconds: float = _f(c.non_negative, 900.0)


S = TypeVar("S")


def build_section(cls: type[S], raw: Any, path: str, problems: Problems) -> S:
    """`cls` from a YAML mapping: defaults for absent keys, a problem per bad or unknown key.

    A field whose metadata names a `section` is a nested mapping built the same way (its
    problems carry the dotted path); YAML `null` leaves it None."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        problems.add(path, "a mapping", raw)
        raw = {}
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        f = fields.get(str(key))
        if f is None:
            problems.add(f"{path}.{key}", "a known key (" + ", ".join(fields) + ")", value)
            continue
        if "section" in f.metadata:
            nested = f.metadata["section"]
            values[f.name] = (
                None if value is None else build_section(nested, value, f"{path}.{key}", problems)
            )
            continue
        try:
            values[f.name] = f.metadata["check"](value)
        except c.CheckError as exc:
            problems.add(f"{path}.{key}", str(exc), value)
    return cls(**values)
