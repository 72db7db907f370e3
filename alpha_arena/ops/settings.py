"""The config as the operations commands read it: lenient about what they do not need.

`health`, `status`, `backup` and friends must work on a box where, say, the Slack webhook is
not set yet, so they load the config, keep the defaults for anything invalid and hand the
problems back for the caller to report, instead of refusing to run.
"""

from __future__ import annotations

from pathlib import Path

from alpha_arena.config import Config, Problem, read_config

DEFAULT_CONFIG = "config.yaml"


def ops_config(path: str | None, env_file: str | None = None) -> tuple[Config, list[Problem]]:
    """The config at `path` (or ./config.yaml if present, else the defaults, with secrets
    from the environment) and its problems."""
    if path is None and Path(DEFAULT_CONFIG).is_file():
        path = DEFAULT_CONFIG
    cfg, problems = read_config(path, env_file)
    return cfg, list(problems)


def decision_max_age(cfg: Config) -> float:
    """Seconds without a decision before health goes critical: the setting, else 3 cycles."""
    return cfg.ops.max_decision_age_seconds or 3.0 * cfg.agent.interval


def state_databases(cfg: Config) -> dict[str, Path]:
    """The SQLite files of a deployment, by backup name."""
    ops = cfg.ops
    return {
        "metrics.db": cfg.path(ops.metrics_db),
        "memory.db": cfg.path(ops.memory_db),
        "orders.db": cfg.path(ops.journal_db),
        "account.db": cfg.path(cfg.live.state_dir) / "account.db",
    }


def state_files(cfg: Config) -> dict[str, Path]:
    """The plain (append-only) log files of a deployment, by backup name."""
    return {
        "decisions.jsonl": cfg.path(cfg.ops.decision_log),
        "audit.jsonl": cfg.path(cfg.ops.audit_log),
    }
