"""The regression backtest suite: the committed baseline matches, and drift is caught."""

from __future__ import annotations

import json

import pytest

from alpha_arena.backtest.command import main
from alpha_arena.backtest.regression import CASES, DEFAULT_BASELINE, METRICS, compare, run_suite
from alpha_arena.errors import DataError

BASELINE = DEFAULT_BASELINE


@pytest.fixture(scope="module")
def full_sample(sample_dir):
    """The whole sample, loaded once for the module (the cases pick their own windows)."""
    from alpha_arena.data import load

    return load(sample_dir)


def test_baseline_covers_every_case_and_metric():
    cases = json.loads(BASELINE.read_text(encoding="utf-8"))["cases"]
    assert set(cases) == {case.name for case in CASES}
    assert all(set(values) == set(METRICS) for values in cases.values())
    assert all(values["trades"] > 0 for values in cases.values())


def test_committed_baseline_matches(full_sample):
    assert run_suite(full_sample, baseline=BASELINE) == []


def test_command_names_the_drifted_case_and_metric(sample_dir, tmp_path, capsys):
    body = json.loads(BASELINE.read_text(encoding="utf-8"))
    body["cases"]["momentum-last-day"]["pnl"] += 0.01
    del body["cases"]["negrisk-arb-early-january"]
    drifted = tmp_path / "baseline.json"
    drifted.write_text(json.dumps(body), encoding="utf-8")
    code = main(["--suite", "regression", "--data", str(sample_dir), "--baseline", str(drifted)])
    err = capsys.readouterr().err
    assert code == 1
    assert "momentum-last-day: pnl drifted" in err
    assert "negrisk-arb-early-january: not in the baseline" in err
    assert "mean-reversion-last-day" not in err


def test_compare_tolerances():
    base = {"c": dict.fromkeys(METRICS, 100.0)}
    counts = {"trades", "orders"}
    close = {name: 100.0 if name in counts else 100.0 + 1e-7 for name in METRICS}
    assert compare(base, {"c": close}) == []
    moved = compare(base, {"c": {**base["c"], "trades": 101.0, "fees_paid": 100.1}})
    assert moved == [
        "c: trades drifted: baseline 100.0, now 101.0",
        "c: fees_paid drifted: baseline 100.0, now 100.1",
    ]


def test_update_baseline_writes_a_readable_file(tmp_path, full_sample):
    target = tmp_path / "b.json"
    assert run_suite(full_sample, baseline=target, update=True, cases=CASES[:1]) == []
    assert run_suite(full_sample, baseline=target, cases=CASES[:1]) == []
    with pytest.raises(DataError, match="not found"):
        run_suite(full_sample, baseline=tmp_path / "missing.json", cases=CASES[:1])
