"""Run configs pointing the live runner at a fake exchange (the CLI and screen tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.fake_exchange import FakeExchange

MOMENTUM_PARAMS = {"fast": 3, "slow": 10, "threshold": 0.05, "stake": 20}
"""Short averages, so a fake exchange's few dozen rows already trade."""


def write_live_config(
    path: Path, fx: FakeExchange, markets: Any, ops: dict | None = None, **live: Any
) -> Path:
    """`path`/config.yaml: momentum on `markets` against `fx`, server clock, state in
    `state/`, `live` keys added or overridden, an `ops` section if given."""
    config: dict[str, Any] = {
        "markets": markets,
        "strategy": {"name": "momentum", "params": MOMENTUM_PARAMS},
        "live": {
            "clock": "server",
            "stale_after": 50,
            "clob_url": fx.url,
            "gamma_url": fx.url,
            "state_dir": "state",
            **live,
        },
    }
    if ops is not None:
        config["ops"] = ops
    target = path / "config.yaml"
    target.write_text(yaml.safe_dump(config))
    return target
