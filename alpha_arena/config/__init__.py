"""Configuration: `config.yaml` sections and `.env` secrets, typed and validated in one pass."""

from alpha_arena.config.loader import (
    Config,
    load_config,
    read_config,
    read_run_config,
    runner_problems,
    validate,
)
from alpha_arena.config.problems import Problem, Problems
from alpha_arena.config.secrets import Secrets

__all__ = [
    "Config",
    "Problem",
    "Problems",
    "Secrets",
    "load_config",
    "read_config",
    "read_run_config",
    "runner_problems",
    "validate",
]
