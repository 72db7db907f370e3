"""Finding strategies by name and building them from CLI-style parameters."""

from dataclasses import dataclass

import pytest

from alpha_arena.errors import ConfigError, ValidationError
from alpha_arena.strategy import Strategy, create_strategy, get_strategy, parse_params, register


@register("test-dummy")
@dataclass
class Dummy(Strategy):
    """A strategy with one parameter of each kind the CLI must convert."""

    period: int = 10
    threshold: float = 0.5
    enabled: bool = True
    label: str = "x"
    cap: float | None = None


def test_registered_names_and_module_specs_resolve():
    assert get_strategy("test-dummy") is Dummy
    assert get_strategy("tests.test_registry:Dummy") is Dummy
    with pytest.raises(ConfigError, match="unknown strategy 'nope'"):
        get_strategy("nope")
    with pytest.raises(ConfigError, match="cannot be imported"):
        get_strategy("tests.missing_module:Thing")
    with pytest.raises(ConfigError, match="is not a Strategy subclass"):
        get_strategy("tests.test_registry:pytest")


def test_cli_strings_become_field_types():
    params = parse_params(["period=20", "threshold=0.25", "enabled=false", "label=abc", "cap=none"])
    strategy = create_strategy("test-dummy", **params)
    assert strategy == Dummy(period=20, threshold=0.25, enabled=False, label="abc", cap=None)
    assert create_strategy("test-dummy", cap="3.5").cap == 3.5
    assert strategy.params()["period"] == 20


def test_bad_parameters_name_the_field():
    with pytest.raises(ValidationError, match="param period: expected a value of type"):
        create_strategy("test-dummy", period="ten")
    with pytest.raises(ValidationError, match="params: expected parameters of 'test-dummy'"):
        create_strategy("test-dummy", speed="1")
    with pytest.raises(ValidationError, match="--param: expected key=value"):
        parse_params(["period"])
