"""Regression backtests: a fixed set of strategy × data cases checked against a baseline.

`python -m alpha_arena.backtest --suite regression [--baseline FILE] [--update-baseline]`
runs every case of `CASES` on slices of the bundled synthetic sample (deterministic: fixed
seed, fixed windows) and compares the headline statistics with the committed baseline
(`tests/regression/baseline.json`). A statistic that moves beyond its tolerance fails the
suite with a line naming the case, the metric, the baseline and the new value; a change
that is intended is recorded with `--update-baseline` and committed with the code.

The `llm` case replays recorded LLM answers (`tests/regression/llm_replay.json`: the
config the answers were recorded with and the record/replay cache's rows), so the LLM
strategy's orders and equity are checked with no network and no cost. Regenerate the
answers with `python -m tests.regression.record_llm`, then update the baseline.
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alpha_arena.errors import DataError, ValidationError

if TYPE_CHECKING:
    from alpha_arena.data import Dataset

DEFAULT_BASELINE = Path("tests/regression/baseline.json")

LLM_REPLAY = Path("tests/regression/llm_replay.json")
"""Recorded LLM answers the `llm` case replays (see `write_replay` / `replay_params`)."""

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
    sample's neg-risk events (where the arbitrage strategies trade). `replay` names a file
    of recorded LLM answers (see `replay_params`) for the `llm` strategy.
    """

    name: str
    strategy: str
    start: str
    end: str
    markets: int | str
    params: dict[str, Any] = field(default_factory=dict)
    replay: Path | None = None


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
    Case(
        "llm-replay",
        "llm",
        "2025-01-17T00:00Z",
        "2025-01-18T00:00Z",
        12,
        {"decide_every": 120},
        replay=LLM_REPLAY,
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

    with tempfile.TemporaryDirectory(prefix="alpha-arena-regression-") as folder:
        params = dict(case.params)
        if case.replay is not None:
            params.update(replay_params(case.replay, Path(folder)))
        result = backtest(case.strategy, case_data(case, sample), params=params, seed=0)
    return {name: float(result.stats[name]) for name in METRICS}


def write_replay(path: Path, settings: dict[str, Any], cache_path: Path, about: str) -> int:
    """Save a record-mode run's answers as a replay file; returns how many were saved.

    The file (JSON) holds `about` (how the answers were made), the `llm:` / `agents:`
    config sections of the recording (base URLs left out: a replay calls no provider) and
    the cache's rows, ordered by key.
    """
    from alpha_arena.llm import ResponseCache

    cache = ResponseCache(cache_path, "replay")
    try:
        rows = cache.rows()
    finally:
        cache.close()
    llm = {k: v for k, v in settings.get("llm", {}).items() if k != "base_urls"}
    body = {"about": about, "llm": llm, "agents": settings.get("agents", {}), "answers": rows}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(body, indent=1, sort_keys=True, default=str) + "\n"
    Path(path).write_text(text, encoding="utf-8")
    return len(rows)


def _read_json(path: Path, what: str, hint: str) -> Any:
    """The JSON in `path`, or a DataError naming `what` (missing: with `hint`; or not JSON)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataError(f"{what} not found{hint}") from exc
    except json.JSONDecodeError as exc:
        raise DataError(f"{what} is not JSON: {exc}") from exc


def replay_params(path: Path, folder: Path) -> dict[str, str]:
    """LLMStrategy parameters replaying the answers of `path` (see `write_replay`).

    Writes the recorded config as `folder/config.yaml` and the answers into a replay-mode
    cache `folder/llm_cache.db`; the ledger goes to `folder` too. A request whose answer
    is not recorded stops the run (`CacheMissError`): regenerate the file then.
    """
    import yaml

    from alpha_arena.llm import ResponseCache

    recorded = _read_json(path, f"LLM replay file {path}", "")
    if not isinstance(recorded, dict) or not isinstance(recorded.get("answers"), list):
        raise DataError(f"LLM replay file {path} has no 'answers' list")
    config = folder / "config.yaml"
    sections = {"llm": recorded.get("llm", {}), "agents": recorded.get("agents", {})}
    config.write_text(yaml.safe_dump(sections, sort_keys=True), encoding="utf-8")
    cache = ResponseCache(folder / "llm_cache.db", "record")
    try:
        for row in recorded["answers"]:
            cache.put(row["key"], row["role"], row["response"])
    finally:
        cache.close()
    return {
        "config": str(config),
        "cache_mode": "replay",
        "cache_path": str(folder / "llm_cache.db"),
        "ledger_path": str(folder / "llm_ledger.db"),
    }


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
    data = _read_json(path, f"baseline {path}", " (create it with --update-baseline)")
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
