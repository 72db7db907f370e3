"""Reports from a run's metrics.db (live runs, past backtests) and `alpha-arena report`."""

from __future__ import annotations

import sqlite3

import pytest

from alpha_arena.cli import main
from alpha_arena.errors import DataError
from alpha_arena.metrics import token_pnl
from alpha_arena.report import db_report_input, tear_sheet
from tests.test_metrics_logger import logged_run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports") / "run1"
    log, record, engine = logged_run(folder)
    return folder, log, record, engine


def test_db_input_has_the_equity_path_and_exact_pnl_of_closed_tokens(logged):
    folder, log, record, engine = logged
    inp = db_report_input(folder)
    assert inp.title == f"buy-then-sell {log.run_id}"
    assert inp.equity.to_numpy() == pytest.approx(record.equity)
    assert inp.positions_value.to_numpy() == pytest.approx(record.positions_value)
    assert len(inp.trades) == len(record.fills)
    shares = engine.broker.portfolio.shares
    closed = {
        t for t in {f.token_id for f in record.fills} if shares[engine.dataset.column(t)] == 0
    }
    assert closed == {"m0-yes"}  # resolved and paid; m2-yes is still half held
    expected = token_pnl(record.fills, record.settlements)
    pnl = inp.pnl.set_index("token_id")["pnl"]
    assert set(pnl.index) == closed
    assert pnl["m0-yes"] == pytest.approx(expected["m0-yes"])
    assert inp.stats == {"pnl": pytest.approx(record.equity[-1] - 1_000.0)}


def test_db_sheet_has_equity_exposure_and_closed_pnl(logged):
    folder, *_ = logged
    titles = [ax.get_title() for ax in tear_sheet(db_report_input(folder)).axes]
    assert any(t.startswith("Equity") for t in titles)
    assert any(t.startswith("Exposure") for t in titles)
    assert any(t.startswith("PnL by market") for t in titles)
    assert not any(t.startswith("Trades on") for t in titles)


def test_report_command_writes_both_files_next_to_the_db(logged, capsys):
    folder, *_ = logged
    assert main(["report", "--run", str(folder.parent)]) == 0
    out = capsys.readouterr().out
    assert f"png: {folder / 'tearsheet.png'}" in out
    assert (folder / "tearsheet.png").read_bytes().startswith(PNG_MAGIC)
    assert "closed m0-yes" in (folder / "report.html").read_text(encoding="utf-8")


def test_report_command_fails_clearly(tmp_path, logged, capsys):
    assert main(["report", "--run", str(tmp_path)]) == 2
    assert "no metrics.db" in capsys.readouterr().err
    folder, *_ = logged
    assert main(["report", "--run", str(folder), "--run-id", "nope"]) == 2
    assert "no run 'nope'" in capsys.readouterr().err


def test_a_run_without_snapshots_is_a_data_error(tmp_path, logged):
    folder, *_ = logged
    copy = tmp_path / "metrics.db"
    copy.write_bytes((folder / "metrics.db").read_bytes())
    with sqlite3.connect(copy) as conn:
        conn.execute("DELETE FROM pnl_snapshots")
    with pytest.raises(DataError, match="no pnl_snapshots"):
        db_report_input(copy)
