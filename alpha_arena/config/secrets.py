"""Secrets from `.env` and the environment: checked, never printed.

`Secrets` keeps the values private: its repr, `status()` and every problem it reports say
only `set`, `unset` or `set (malformed)`, so `config check` output can be pasted anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from alpha_arena.config import checks as c
from alpha_arena.config.problems import Problems

_EMAIL = r"[^@\s,]+@[^@\s,]+\.[^@\s,]+"
SPECS: dict[str, c.Checker] = {
    "WALLET_PRIVATE_KEY": c.pattern(r"(0x)?[0-9a-fA-F]{64}", "a 32-byte hex private key"),
    "POLYMARKET_API_KEY": c.text,
    "POLYMARKET_API_SECRET": c.text,
    "POLYMARKET_API_PASSPHRASE": c.text,
    "ANTHROPIC_API_KEY": c.text,
    "OPENAI_API_KEY": c.text,
    "GOOGLE_API_KEY": c.text,
    "XAI_API_KEY": c.text,
    "LOCAL_LLM_API_KEY": c.text,
    "SLACK_WEBHOOK": c.url,
    "TELEGRAM_BOT_TOKEN": c.pattern(r"\d+:[A-Za-z0-9_-]{20,}", "a bot token <id>:<secret>"),
    "TELEGRAM_CHAT_ID": c.pattern(r"-?\d+|@\w+", "a numeric chat id or @channel"),
    "SMTP_HOST": c.text,
    "SMTP_PORT": c.pattern(r"\d{1,5}", "a port number"),
    "SMTP_USER": c.text,
    "SMTP_PASSWORD": c.text,
    "SMTP_FROM": c.pattern(_EMAIL, "an e-mail address"),
    "SMTP_TO": c.pattern(rf"{_EMAIL}(\s*,\s*{_EMAIL})*", "comma-separated e-mail addresses"),
    "SMTP_STARTTLS": c.pattern(r"(?i)true|false", "true or false"),
}
"""Every secret the project reads, with its format check."""

ALIASES = {"POLYMARKET_PRIVATE_KEY": "WALLET_PRIVATE_KEY", "GEMINI_API_KEY": "GOOGLE_API_KEY"}
"""Other names accepted for a secret: the live runner's name for the wallet key, and every
name `alpha_arena.llm.config.KEY_ENV` reads a provider's key from."""


class Secrets:
    """The secrets in force: `.env` values, overridden by the process environment."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = {k: v for k, v in values.items() if k in SPECS and v and v.strip()}

    @classmethod
    def load(cls, env_file: str | Path | None, environ: Mapping[str, str] | None = None) -> Secrets:
        """Read `env_file` (if it exists) then `environ` (default: `os.environ`) on top."""
        from dotenv import dotenv_values

        merged: dict[str, str] = {}
        sources = [dotenv_values(env_file) if env_file and Path(env_file).is_file() else {}]
        sources.append(os.environ if environ is None else environ)
        for source in sources:
            for name, value in source.items():
                key = ALIASES.get(name, name)
                if key in SPECS and value:
                    merged[key] = value
        return cls(merged)

    def get(self, name: str) -> str | None:
        """The value of secret `name`, or None when unset."""
        if name not in SPECS:
            raise KeyError(name)
        return self._values.get(name)

    def status(self, name: str) -> str:
        """`set`, `unset` or `set (malformed)`: all that may ever be shown of a secret."""
        value = self._values.get(name)
        if value is None:
            return "unset"
        try:
            SPECS[name](value)
        except c.CheckError:
            return "set (malformed)"
        return "set"

    def values(self) -> tuple[str, ...]:
        """Every secret value (for redaction and leak tests), longest first."""
        return tuple(sorted(self._values.values(), key=len, reverse=True))

    def check(self, required: Mapping[str, str], problems: Problems) -> None:
        """A problem per malformed secret and per required one (name -> why) that is unset."""
        for name, check in SPECS.items():
            value = self._values.get(name)
            if value is None:
                if name in required:
                    problems.add(f"env.{name}", f"set ({required[name]})", None, shown="unset")
                continue
            try:
                check(value)
            except c.CheckError as exc:
                problems.add(f"env.{name}", str(exc), None, shown="set (malformed)")

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={self.status(k)}" for k in sorted(self._values))
        return f"Secrets({shown})"
