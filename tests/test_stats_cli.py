"""`alpha-arena stats` on a logged run: tables and JSON, and a clear error without a db."""

from __future__ import annotations

import json

from alpha_arena.cli import main
from tests.test_metrics_logger import logged_run


def test_stats_prints_the_run_and_the_manual_queries(tmp_path, capsys):
    log, _record, _ = logged_run(tmp_path / "run1")
    assert main(["stats", "--run", str(tmp_path / "run1")]) == 0
    out = capsys.readouterr().out
    assert log.run_id in out
    assert "recent decisions" in out
    assert "daily PnL" in out
    assert "error rate 0.00%" in out


def test_stats_json_finds_the_newest_run_under_a_reports_folder(tmp_path, capsys):
    logged_run(tmp_path / "a")
    log, _, _ = logged_run(tmp_path / "b")
    assert main(["stats", "--run", str(tmp_path), "--json", "--recent", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["run"]["run_id"] == log.run_id
    assert len(out["recent_decisions"]) == 3
    assert out["decisions"] == 60


def test_stats_without_a_db_fails_clearly(tmp_path, capsys):
    assert main(["stats", "--db", str(tmp_path / "none.db")]) == 2
    assert "no metrics.db" in capsys.readouterr().err
