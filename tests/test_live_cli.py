"""`alpha-arena run` / `kill` end to end against the fake exchange, and graceful SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from alpha_arena.cli import main
from tests.factories import make_dataset
from tests.fake_exchange import FakeExchange, numeric_dataset
from tests.live_configs import MOMENTUM_PARAMS, write_live_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data():
    full = make_dataset(5, 40, seed=3)
    return numeric_dataset(full.select(["m2", "m3", "m4"]))


def _config(path: Path, fx: FakeExchange, data, **live) -> Path:
    return write_live_config(path, fx, list(data.markets.index), **live)


def test_run_once_paper(data, tmp_path, capsys):
    with FakeExchange(data) as fx:
        config = _config(tmp_path, fx, data)
        assert main(["run", "--config", str(config), "--once", "--interval", "0"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["mode"] == "paper"
    assert summary["cycles"] == 1
    lines = (tmp_path / "state" / "decisions.jsonl").read_text().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["status"] == "ok"


def test_run_max_cycles_with_strategy_and_params(data, tmp_path, capsys):
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        config = _config(tmp_path, fx, data)
        args = ["run", "--config", str(config), "--max-cycles", "12", "--interval", "0",
                "--strategy", "mean_reversion", "--param", "length=5"]  # fmt: skip
        assert main(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["cycles"] == 12
    decisions = [json.loads(x) for x in (tmp_path / "state" / "decisions.jsonl").open()]
    assert [d["iteration"] for d in decisions] == list(range(12))
    assert len({d["timestamp"] for d in decisions}) == 12


@pytest.mark.parametrize(
    ("extra", "live", "message"),
    [
        ({"confirm": "yes"}, [], "live.confirm"),
        ({"clock": "sundial"}, [], "live.clock"),
        ({"bogus": 1}, [], "live.bogus"),
        ({}, ["--live"], "live.confirm"),
    ],
)
def test_run_bad_config_names_the_field(data, tmp_path, capsys, extra, live, message):
    with FakeExchange(data) as fx:
        config = _config(tmp_path, fx, data, **extra)
        assert main(["run", "--config", str(config), "--once", *live]) == 2
    assert message in capsys.readouterr().err


def test_live_without_key_says_which_variable(data, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("POLYMARKET_PRIVATE_KEY", raising=False)
    with FakeExchange(data) as fx:
        config = _config(tmp_path, fx, data, confirm=True)
        assert main(["run", "--config", str(config), "--once", "--live"]) == 2
    assert "POLYMARKET_PRIVATE_KEY" in capsys.readouterr().err


def test_kill_writes_the_file_the_runner_checks(data, tmp_path, capsys):
    with FakeExchange(data) as fx:
        config = _config(tmp_path, fx, data)
        assert main(["kill", "--config", str(config), "--reason", "drill"]) == 0
        assert "drill" in (tmp_path / "state" / "KILL").read_text()
        assert main(["run", "--config", str(config), "--once", "--interval", "0"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["kill_switch"].startswith("kill switch file")


def test_sigterm_finishes_the_cycle_and_exits_zero(data, tmp_path):
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        config = _config(tmp_path, fx, data)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, str(ROOT / "live" / "runner.py"), "--config", str(config),
               "--interval", "0.2"]  # fmt: skip
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        decisions = tmp_path / "state" / "decisions.jsonl"
        deadline = time.monotonic() + 60
        while not (decisions.exists() and decisions.read_text().count("\n") >= 3):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"runner did not log 3 decisions: {proc.communicate()[1]}")
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["stopped_by"] == "signal"
    text = decisions.read_text()
    assert text.endswith("\n")
    assert len([json.loads(x) for x in text.splitlines()]) == summary["cycles"]


def test_shards_split_markets_and_share_the_kill_file(data, tmp_path, capsys):
    with FakeExchange(data) as fx:
        config = _config(tmp_path, fx, data)
        args = ["run", "--config", str(config), "--once", "--interval", "0"]
        assert main([*args, "--shard", "1/2"]) == 0
        shard = tmp_path / "state" / "shard-1-of-2"
        decision = json.loads((shard / "decisions.jsonl").read_text())
        assert decision["markets"] == 1  # markets m3 of m2, m3, m4
        assert main(["kill", "--config", str(config)]) == 0
        assert main([*args, "--shard", "0/2"]) == 0
        assert main([*args, "--shard", "2/2"]) == 2
    out, err = capsys.readouterr()
    assert json.loads(out.strip().splitlines()[-1])["kill_switch"].startswith("kill switch file")
    assert "--shard: expected 0 <= i < n" in err


def test_kill_switch_file_is_relative_to_the_config(data, tmp_path, capsys, monkeypatch):
    with FakeExchange(data) as fx:
        config = _config(tmp_path, fx, data)
        raw = yaml.safe_load(config.read_text())
        raw["risk"] = {"kill_switch_file": "ops/STOP"}
        config.write_text(yaml.safe_dump(raw))
        monkeypatch.chdir(ROOT)  # a different working directory must not matter
        assert main(["kill", "--config", str(config)]) == 0
        assert (tmp_path / "ops" / "STOP").is_file()
        assert main(["run", "--config", str(config), "--once", "--interval", "0"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert str(tmp_path / "ops" / "STOP") in summary["kill_switch"]


def test_repair_cuts_only_a_torn_last_line(tmp_path):
    from alpha_arena.live.runner import repair_jsonl

    path = tmp_path / "decisions.jsonl"
    path.write_text('{"a": 1}\n{"b": 2}\n{"c": ')
    repair_jsonl(path)
    assert path.read_text() == '{"a": 1}\n{"b": 2}\n'
    repair_jsonl(path)
    assert path.read_text() == '{"a": 1}\n{"b": 2}\n'
    repair_jsonl(tmp_path / "absent.jsonl")
    assert not (tmp_path / "absent.jsonl").exists()


def test_run_goes_through_the_ops_layer(data, tmp_path, capsys):
    """`run` (without --no-ops) takes the pid file, audits the start and every order, and
    counts cycles in the Prometheus registry; the pid file is gone afterwards."""
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        config = _config(tmp_path, fx, data)
        args = ["run", "--config", str(config), "--max-cycles", "39", "--interval", "0"]
        assert main([*args, "--no-metrics-server", "--strategy", "momentum",
                     *[f"--param={k}={v}" for k, v in MOMENTUM_PARAMS.items()]]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    audit = [json.loads(x) for x in (tmp_path / "state" / "audit.jsonl").read_text().splitlines()]
    events = [a.get("event") for a in audit]
    assert summary["orders"] > 0
    assert events.count("order") >= summary["orders"]
    assert events[0] in ("config", "start")
    assert "start" in events
    assert events[-1] == "stop"
    assert not (tmp_path / "state" / "alpha-arena.pid").exists()
