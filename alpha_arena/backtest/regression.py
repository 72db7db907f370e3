"""Regression backtests: a fixed set of strategy × data cases checked against a baseline.

`python -m alpha_arena.backtest --suite regression [--baseline FILE] [--update-baseline]`
runs every case of `CASES` on slices of the bundled synthetic sample (deterministic: fixed
seed, fixed windows) and compares the headline statistics with the committed baseline
(`tests/regression/baseline.json`). A statistic that moves beyond its tolerance fails the
suite with a line naming the case, the metric, the baseline and the new value; a change
that is intended is recorded with `--update-baseline` and committed with the code.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alpha_arena.errors import DataError, ValidationError

if TYPE_CHECKING:
    from alpha_arena.data import Dataset

DEFAULT_BASELINE = Path("tests/regression/baseline.json")

METRICS: dict[str, tuple[float, float]] = {
    "pnl": (1e-6, 1e-6),
    "end_equity": (1e-6, 1e-6),
    "trades": (0.0, 0.0),
    "orders": (0.0, 0.0),
    "fees_paid": (1e-6, 1e-6),
    "max_drawdown": (1e-9, 1e-6),
    "turnover": (1e-9, 1e-6),
}
"""Compared statistics and their (absolute, relative) tolerance; counts must match exactly."""


@dataclass(frozen=True)
class Case:
    """One regression backtest: a strategy with parameters on a window of the sample.

    `markets` is a count of markets (the first N) or `"neg-risk"` for every market of the
    sample's neg-risk events (where the arbitrage strategies trade).
    """

    name: str
    strategy: str
    start: str
    end: str
    markets: int | str
    params: dict[str, Any] = field(default_factory=dict)


CASES: tuple[Case, ...] = (
    Case(
        "momentum-last-day",
        "momentum",
        "2025-02-15T00:00Z",
        "2025-02-16T00:00Z",
        60,
        {"fast": 10, "slow": 120, "threshold": 0.1},
    ),
    Case("mean-reversion-last-day", "mean_reversion", "2025-02-15T00:00Z", "2025-02-16T00:00Z", 20),
    Case(
        "favourite-longshot-last-day",
        "favourite_longshot",
        "2025-02-15T00:00Z",
        "2025-02-16T00:00Z",
        20,
    ),
    Case(
        "momentum-fast",
        "momentum",
        "2025-02-15T00:00Z",
        "2025-02-16T00:00Z",
        20,
        {"fast": 5, "slow": 60, "threshold": 0.05},
    ),
    Case(
        "negrisk-arb-early-january",
        "negrisk_arb",
        "2025-01-03T00:00Z",
        "2025-01-05T00:00Z",
        "neg-risk",
    ),
    Case(
        "complement-arb-first-day",
        "complement_arb",
        "2025-01-01T00:00Z",
        "2025-01-02T00:00Z",
        "neg-risk",
    ),
)


def case_data(case: Case, sample: Dataset) -> Dataset:
    """The case's slice of the sample: its time window and markets."""
    data = sample.window(case.start, case.end)
    if case.markets == "neg-risk":
        events = data.markets.loc[data.markets["neg_risk"].astype(bool), "event_id"].unique()
        return data.select(list(events))
    return data.select(list(data.markets.index[: int(case.markets)]))


def run_case(case: Case, sample: Dataset) -> dict[str, float]:
    """Backtest one case (seed 0, default capital and latency) and keep `METRICS`."""
    from alpha_arena.backtest.run import backtest

    result = backtest(case.strategy, case_data(case, sample), params=case.params, seed=0)
    return {name: float(result.stats[name]) for name in METRICS}


def compare(
    baseline: dict[str, dict[str, float]], results: dict[str, dict[str, float]]
) -> list[str]:
    """One line per drift: a missing case, or a metric outside its tolerance."""
    problems = []
    for case, values in results.items():
        expected = baseline.get(case)
        if expected is None:
            problems.append(f"{case}: not in the baseline (run with --update-baseline)")
            continue
        for metric, (abs_tol, rel_tol) in METRICS.items():
            old, new = expected.get(metric), values[metric]
            if old is None or not math.isclose(new, old, rel_tol=rel_tol, abs_tol=abs_tol):
                problems.append(f"{case}: {metric} drifted: baseline {old}, now {new}")
    return problems


def read_baseline(path: Path) -> dict[str, dict[str, float]]:
    """The committed baseline, or a DataError naming the file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataError(f"baseline {path} not found (create it with --update-baseline)") from exc
    except json.JSONDecodeError as exc:
        raise DataError(f"baseline {path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("cases"), dict):
        raise DataError(f"baseline {path} has no 'cases' mapping")
    return data["cases"]


def run_suite(
    data: Dataset | str | Path = "sample",
    *,
    baseline: Path = DEFAULT_BASELINE,
    update: bool = False,
    cases: tuple[Case, ...] = CASES,
) -> list[str]:
    """Run the cases; with `update` rewrite the baseline, else return the drift lines."""
    from alpha_arena.backtest.inputs import resolve_data

    if not cases:
        raise ValidationError("cases", "at least one regression case", cases)
    sample = resolve_data(data, days=None, markets=None)
    results = {case.name: run_case(case, sample) for case in cases}
    if update:
        Path(baseline).parent.mkdir(parents=True, exist_ok=True)
        body = {"tolerances": {k: list(v) for k, v in METRICS.items()}, "cases": results}
        Path(baseline).write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", "utf-8")
        return []
    return compare(read_baseline(baseline), results)
