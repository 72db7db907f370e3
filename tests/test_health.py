"""Health checks: each probe against real files, processes and a local HTTP server; exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alpha_arena.cli import main
from alpha_arena.errors import ConfigError
from alpha_arena.metrics.schema import connect, sql_time
from alpha_arena.ops import health as h
from alpha_arena.ops.pidfile import PidFile
from tests.fixtures.ops_servers import fake_http


def _decision_db(path: Path, age_seconds: float) -> Path:
    conn = connect(str(path))
    t_ns = int((time.time() - age_seconds) * 1e6) * 1000
    with conn:
        conn.execute(
            "INSERT INTO decisions (run_id, timestamp, iteration, balance, equity, positions, "
            "markets, signals_generated, signals_executed, status) VALUES "
            "('r', ?, 1, 100, 100, 0, 1, 0, 0, 'ok')",
            (sql_time(t_ns),),
        )
    conn.close()
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_memory_from_meminfo(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 8000000 kB\nMemAvailable:  512000 kB\n")
    assert h.available_memory_mb(meminfo) == 500
    assert h.check_memory(100, meminfo).status == h.OK
    assert h.check_memory(300, meminfo).status == h.WARNING
    assert h.check_memory(600, meminfo).status == h.CRITICAL
    assert h.check_memory(1, tmp_path / "absent").status == h.WARNING


def test_disk_thresholds(tmp_path: Path) -> None:
    assert h.check_disk(tmp_path / "not" / "yet", 1).status == h.OK
    assert h.check_disk(tmp_path, 1e12).status == h.CRITICAL


def test_decision_freshness_from_db_and_log(tmp_path: Path) -> None:
    now = time.time()
    fresh = _decision_db(tmp_path / "fresh.db", 10)
    stale = _decision_db(tmp_path / "stale.db", 1000)
    assert h.check_decisions(fresh, None, 300, now).status == h.OK
    assert h.check_decisions(stale, None, 1200, now).status == h.WARNING
    check = h.check_decisions(stale, None, 300, now)
    assert check.status == h.CRITICAL
    assert check.value == pytest.approx(1000, abs=2)
    log = tmp_path / "decisions.jsonl"
    log.write_text('{"i": 1}\n')
    assert h.check_decisions(stale, log, 300).status == h.OK
    os.utime(log, (now - 5000, now - 5000))
    assert h.check_decisions(stale, log, 300, now).status == h.CRITICAL
    assert h.check_decisions(tmp_path / "none.db", None, 300).status == h.WARNING
    broken = tmp_path / "broken.db"
    broken.write_text("not sqlite")
    assert h.check_decisions(broken, None, 300).status == h.CRITICAL


def test_process_from_pid_file(tmp_path: Path) -> None:
    pid_file = tmp_path / "run.pid"
    assert h.check_process(pid_file).status == h.CRITICAL
    with PidFile(pid_file):
        assert h.check_process(pid_file).status == h.OK
        assert h.read_pid(pid_file) == os.getpid()
    assert not pid_file.exists()
    pid_file.write_text(f"{_dead_pid()}\n")
    assert h.check_process(pid_file).status == h.CRITICAL


def test_pid_file_refuses_a_second_live_runner(tmp_path: Path) -> None:
    pid_file = tmp_path / "run.pid"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        pid_file.write_text(f"{sleeper.pid}\n")
        with pytest.raises(ConfigError, match="already running"), PidFile(pid_file):
            pass
    finally:
        sleeper.kill()
        sleeper.wait()
    with PidFile(pid_file):
        assert h.read_pid(pid_file) == os.getpid()


def test_exchange_reachability() -> None:
    with fake_http() as server:
        assert h.check_exchange(server.url + "/time").status == h.OK
        assert server.requests[-1]["path"] == "/time"
        server.status = 503
        assert h.check_exchange(server.url).status == h.CRITICAL
        server.status = 404
        assert h.check_exchange(server.url).status == h.WARNING
        url = server.url
    assert h.check_exchange(url, timeout=1).status == h.CRITICAL
    assert h.check_exchange("not a url").status == h.CRITICAL


def test_kill_switch_file_is_a_warning(tmp_path: Path) -> None:
    kill = tmp_path / "KILL"
    assert h.check_kill_switch(False, kill).status == h.OK
    kill.write_text("manual")
    check = h.check_kill_switch(False, kill)
    assert check.status == h.WARNING
    assert str(kill) in check.detail
    assert h.check_kill_switch(True, None).status == h.WARNING


def test_overall_is_the_worst() -> None:
    ok, warn = h.Check("a", h.OK, ""), h.Check("b", h.WARNING, "")
    crit = h.Check("c", h.CRITICAL, "")
    assert h.overall([]) == h.OK
    assert h.overall([ok, warn]) == h.WARNING
    assert h.overall([warn, crit, ok]) == h.CRITICAL


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _decision_db(tmp_path / "metrics.db", 5)
    pid_file = tmp_path / "run.pid"
    pid_file.write_text(f"{os.getpid()}\n")
    with fake_http() as server:
        base = [
            "health",
            "--db",
            str(db),
            "--log",
            str(tmp_path / "none.jsonl"),
            "--pid-file",
            str(pid_file),
            "--max-age",
            "60",
            "--url",
            server.url,
            "--min-disk-mb",
            "1",
            "--min-memory-mb",
            "1",
        ]
        assert main([*base, "--config", str(_config(tmp_path))]) == 0
        assert "overall: ok" in capsys.readouterr().out
        assert main([*base, "--config", str(_config(tmp_path)), "--max-age", "8"]) == 1
        server.status = 500
        assert main([*base, "--config", str(_config(tmp_path)), "--json"]) == 2
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert report["status"] == "critical"
    assert [c["name"] for c in report["checks"] if c["status"] == "critical"] == ["exchange"]


def test_cli_reads_paths_from_the_config(tmp_path: Path, capsys) -> None:
    state = tmp_path / "state"
    state.mkdir()
    _decision_db(state / "metrics.db", 5)
    (state / "alpha-arena.pid").write_text(f"{_dead_pid()}\n")
    code = main(["health", "--config", str(_config(tmp_path)), "--skip", "exchange", "--json"])
    report = json.loads(capsys.readouterr().out)
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses["decisions"] == h.OK
    assert statuses["process"] == h.CRITICAL
    assert "exchange" not in statuses
    assert code == 2


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("alerts:\n  routes: {critical: [log]}\nllm: {chain: [openai]}\n")
    (tmp_path / ".env").write_text("OPENAI_API_KEY=sk-test-health\n")
    return path
