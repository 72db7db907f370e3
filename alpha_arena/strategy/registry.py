"""Find strategies by name: the `alpha_arena.strategies` entry-point group, or `module:Class`.

The library never imports `strategies/` itself; the package declares its reference
strategies as entry points, and any installed package can add its own the same way.
From a source checkout that is not installed, the entry-point table of the checkout's
`pyproject.toml` is read instead, so `get_strategy("momentum")` works there too.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
import tomllib
import typing
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from alpha_arena.errors import ConfigError, ValidationError
from alpha_arena.strategy.base import Strategy

ENTRY_POINT_GROUP = "alpha_arena.strategies"

_registered: dict[str, type[Strategy]] = {}

_CHECKOUT_ROOT = Path(__file__).resolve().parents[2]
"""The directory holding `alpha_arena/` (a source checkout has `pyproject.toml` there)."""


def register(name: str):
    """Class decorator: make a strategy findable by `name` in this process."""

    def wrap(cls: type[Strategy]) -> type[Strategy]:
        if not (isinstance(cls, type) and issubclass(cls, Strategy)):
            raise ValidationError("strategy", "a Strategy subclass", cls)
        _registered[name] = cls
        cls.name = name
        return cls

    return wrap


@cache
def _checkout_entry_points() -> dict[str, str]:
    """`name -> module:Class` from the checkout's pyproject.toml (empty when installed)."""
    pyproject = _CHECKOUT_ROOT / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    try:
        table = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    group = table.get("project", {}).get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
    return {str(name): str(spec) for name, spec in group.items()}


def _import_from_checkout(spec: str) -> Any:
    """Import a checkout entry point, putting the checkout root on sys.path if needed."""
    root = str(_CHECKOUT_ROOT)
    if root not in sys.path:
        sys.path.append(root)
    return _import(spec)


def available() -> dict[str, str]:
    """Every strategy name that can be found, with where it comes from."""
    found = dict(_checkout_entry_points())
    found.update({ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)})
    found.update(
        {name: f"{cls.__module__}:{cls.__qualname__}" for name, cls in _registered.items()}
    )
    return dict(sorted(found.items()))


def _import(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    try:
        obj = importlib.import_module(module)
        for part in attr.split(".") if attr else []:
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"strategy {spec!r} cannot be imported: {exc}") from exc
    return obj


def get_strategy(name: str) -> type[Strategy]:
    """The strategy class registered as `name`, or imported from `module:Class`."""
    if name in _registered:
        return _registered[name]
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
        cls = ep.load()
        break
    else:
        if name in _checkout_entry_points():
            cls = _import_from_checkout(_checkout_entry_points()[name])
        elif ":" not in name:
            known = ", ".join(available()) or "none installed"
            raise ConfigError(f"unknown strategy {name!r} (known: {known}; or use module:Class)")
        else:
            cls = _import(name)
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise ConfigError(f"{name!r} is not a Strategy subclass")
    cls.name = cls.name or name
    return cls


def _coerce(cls: type[Strategy], field: dataclasses.Field, raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    hints = typing.get_type_hints(cls)
    kind = hints.get(field.name, str)
    origin = typing.get_origin(kind)
    options = typing.get_args(kind) if origin in (typing.Union, type(int | str)) else (kind,)
    for option in options:
        if option is type(None):
            if raw.lower() in ("none", "null"):
                return None
            continue
        try:
            if option is bool:
                if raw.lower() in ("1", "true", "yes", "on"):
                    return True
                if raw.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(raw)
            if option in (int, float, str):
                return option(raw)
            return json.loads(raw)
        except (ValueError, TypeError, json.JSONDecodeError):
            continue
    raise ValidationError(f"param {field.name}", f"a value of type {kind}", raw)


def create_strategy(name: str, **params: Any) -> Strategy:
    """Instantiate a strategy by name; string values (from a CLI) are converted to field types."""
    cls = get_strategy(name)
    fields = cls.param_fields()
    unknown = sorted(set(params) - set(fields))
    if unknown:
        raise ValidationError("params", f"parameters of {name!r}: {sorted(fields)}", unknown)
    values = {key: _coerce(cls, fields[key], value) for key, value in params.items()}
    return cls(**values)


def parse_params(pairs: list[str] | None) -> dict[str, str]:
    """Turn CLI `k=v` pairs into a dict, naming the malformed one."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValidationError("--param", "key=value", pair)
        out[key.strip()] = value.strip()
    return out
