"""Backup, restore and maintenance on real SQLite files (WAL, written while backed up)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alpha_arena.agents.memory import MemoryRecord, MemoryStore
from alpha_arena.cli import main
from alpha_arena.errors import DataError
from alpha_arena.metrics.schema import connect
from alpha_arena.ops.backup import backup, integrity, restore, verify
from alpha_arena.ops.maintenance import maintain


def _metrics(path: Path, rows: int) -> sqlite3.Connection:
    conn = connect(str(path))
    with conn:
        conn.executemany(
            "INSERT INTO decisions (run_id, timestamp, iteration, balance, equity, positions, "
            "markets, signals_generated, signals_executed, status) VALUES "
            "('r', '2026-01-01 00:00:00.000', ?, 100, 100, 0, 1, 0, 0, 'ok')",
            [(i,) for i in range(rows)],
        )
    return conn


def _count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]


def _state(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    state.mkdir()
    (tmp_path / "config.yaml").write_text("agent: {interval: 60}\n")
    return state


def test_backup_while_open_then_restore_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "metrics.db"
    writer = _metrics(db, 50)  # left open, in WAL mode, like the runner's connection
    log = tmp_path / "decisions.jsonl"
    log.write_text('{"i": 1}\n')
    result = backup(
        {"metrics.db": db}, {"decisions.jsonl": log, "absent": tmp_path / "x"}, tmp_path / "backups"
    )
    assert set(result.files) == {"metrics.db", "decisions.jsonl"}
    assert result.path.name.startswith("alpha-arena-")
    assert _count(result.path / "metrics.db") == 50
    manifest = verify(result.path)
    assert manifest["metrics.db"]["kind"] == "sqlite"

    with writer:
        writer.execute("DELETE FROM decisions")
    writer.close()
    log.write_text("")
    restored = restore(result.path)
    assert restored == {"metrics.db": db, "decisions.jsonl": log}
    assert _count(db) == 50
    assert log.read_text() == '{"i": 1}\n'
    kept = list(tmp_path.glob("metrics.db.pre-restore-*"))
    assert len(kept) == 1
    assert _count(kept[0]) == 0


def test_corrupted_backup_is_refused_and_nothing_replaced(tmp_path: Path) -> None:
    db = tmp_path / "metrics.db"
    _metrics(db, 5).close()
    result = backup({"metrics.db": db}, {}, tmp_path / "b")
    copy = result.path / "metrics.db"
    data = bytearray(copy.read_bytes())
    data[200] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(DataError, match="sha256"):
        restore(result.path)
    assert _count(db) == 5
    assert not list(tmp_path.glob("*.pre-restore-*"))
    with pytest.raises(DataError, match=r"manifest\.json"):
        verify(tmp_path)


def test_integrity_reports_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert integrity(bad) != "ok"
    with pytest.raises(DataError, match="nothing to back up"):
        backup({"metrics.db": tmp_path / "none.db"}, {}, tmp_path / "b")


def test_maintenance_vacuums_and_cleans_memory(tmp_path: Path) -> None:
    db = tmp_path / "metrics.db"
    conn = _metrics(db, 2000)
    with conn:
        conn.execute("DELETE FROM decisions WHERE iteration > 10")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    mem_path = tmp_path / "memory.db"
    store = MemoryStore(mem_path)
    old = datetime.now(UTC) - timedelta(days=200)
    store.add(MemoryRecord(old, "m", "note", "old and unimportant", 0.1))
    store.add(MemoryRecord(old, "m", "lesson", "old but important", 0.9))
    store.add(MemoryRecord(datetime.now(UTC), "m", "note", "recent", 0.1))
    store.close()
    reports = maintain(
        {"metrics.db": db, "memory.db": mem_path, "none": tmp_path / "no.db"},
        vacuum=True,
        memory_db=mem_path,
        memory_days=90,
    )
    by_name = {r.name: r for r in reports}
    assert set(by_name) == {"metrics.db", "memory.db"}
    assert by_name["metrics.db"].integrity == "ok"
    assert by_name["metrics.db"].bytes_after < by_name["metrics.db"].bytes_before
    assert by_name["memory.db"].memories_deleted == 1
    assert MemoryStore(mem_path).count() == 2


def test_cli_backup_restore_maintenance(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    state = _state(tmp_path)
    config = str(tmp_path / "config.yaml")
    _metrics(state / "metrics.db", 7).close()
    assert main(["backup", "--config", config]) == 0
    out = capsys.readouterr().out
    folder = Path(out.strip().splitlines()[-1].removeprefix("backup: "))
    assert folder.parent == tmp_path / "backups"
    assert main(["restore", str(folder), "--config", config, "--verify-only"]) == 0
    (state / "alpha-arena.pid").write_text(f"{__import__('os').getpid()}\n")
    assert main(["restore", str(folder), "--config", config]) == 2
    assert "runner is running" in capsys.readouterr().err
    (state / "alpha-arena.pid").unlink()
    (state / "metrics.db").unlink()
    assert main(["restore", str(folder), "--config", config]) == 0
    assert _count(state / "metrics.db") == 7
    assert main(["maintenance", "--config", config, "--vacuum", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["name"] for r in report] == ["metrics.db"]
    (state / "memory.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert main(["maintenance", "--config", config]) == 2
    assert main(["backup", "--config", config]) == 2
    assert "cannot copy" in capsys.readouterr().err
    assert len(list((tmp_path / "backups").iterdir())) == 1
    (state / "memory.db").unlink()
    events = [json.loads(line)["event"] for line in (state / "audit.jsonl").open()]
    assert events == ["backup", "restore"]
    assert main(["backup", "--config", config]) == 0
    second = Path(capsys.readouterr().out.strip().splitlines()[-1].removeprefix("backup: "))
    assert "audit.jsonl" in verify(second)
    assert main(["restore", str(second), "--config", config]) == 0
    events = [json.loads(line)["event"] for line in (state / "audit.jsonl").open()]
    assert events == ["backup", "restore", "backup", "restore"]
