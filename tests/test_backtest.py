"""`aa.backtest()`: results, files, determinism, validation; the command end to end."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alpha_arena as aa
from alpha_arena.backtest import BacktestResult, backtest
from alpha_arena.data.store import write_dataset
from alpha_arena.errors import ValidationError
from alpha_arena.risk import RiskLimits
from strategies.momentum import Momentum
from tests.factories import make_dataset
from tests.strategy_factories import mixed_dataset, path_dataset, ramp, resolved_yes

ROOT = Path(__file__).resolve().parents[1]
FAST = {"fast": 5, "slow": 20, "threshold": 0.05}


@pytest.fixture(scope="module")
def mixed():
    return mixed_dataset()


@pytest.fixture(scope="module")
def rising():
    """One market rising from 0.5 to 0.8 that resolves YES, one flat at 0.5."""
    n = 200
    up = np.concatenate([np.full(40, 0.5), ramp(0.5, 0.8, n - 40)])
    return path_dataset(
        np.column_stack([up, np.full(n, 0.5)]), resolutions={0: resolved_yes(n - 1)}
    )


def test_a_rising_market_makes_momentum_money_and_the_tables_add_up(rising):
    result = backtest("momentum", rising, capital=1_000, params=FAST, latency_ms=0)
    assert isinstance(result, BacktestResult)
    stats = result.stats
    assert stats["total_return"] > 0
    assert stats["pnl"] == pytest.approx(result.equity["equity"].iloc[-1] - 1_000)
    assert stats["trades"] == len(result.trades) > 0
    assert set(result.trades["token_id"]) == {"m0-yes"}
    assert (result.trades["side"] == "BUY").all()
    assert len(result.equity) == rising.n_times
    assert result.equity.index.tz is not None
    np.testing.assert_allclose(
        result.equity["equity"], result.equity["cash"] + result.equity["positions_value"]
    )
    assert len(result.orders) == len(result.record.orders)
    assert result.positions.loc["m0-yes", "market_id"] == "m0"
    assert stats["fees_paid"] == pytest.approx(
        result.trades["fee_usdc"].sum()
        + (result.trades["fee_shares"] * result.trades["price"]).sum()
    )
    assert stats["fill_model"]["notes"]
    assert stats["run"]["markets"] == 2
    assert result.run_dir is None


def test_summary_and_json(rising):
    result = backtest(Momentum(**FAST), rising, capital=1_000)
    text = result.summary()
    assert "Total return" in text
    assert "Sharpe" in text
    assert "note: latency 250 ms" in text
    loaded = json.loads(result.to_json())
    assert loaded["strategy"] == "momentum"
    assert loaded["params"]["fast"] == 5
    assert loaded["stats"]["trades"] == result.stats["trades"]


def test_files_are_written_under_out(mixed, tmp_path):
    out = tmp_path / "run"
    result = backtest("mean_reversion", mixed, out=out, params={"length": 20, "entry_z": 1.5})
    assert result.run_dir == out
    for name in ("metrics.db", "decisions.jsonl", "stats.json", "equity.csv", "trades.csv",
                 "orders.csv", "positions.csv"):  # fmt: skip
        assert (out / name).is_file(), name
    assert json.loads((out / "stats.json").read_text()) == result.to_dict()
    trades = pd.read_csv(out / "trades.csv")
    assert len(trades) == len(result.trades) > 0
    with sqlite3.connect(out / "metrics.db") as conn:
        decisions = conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
        snapshots = conn.execute("SELECT COUNT(*) FROM pnl_snapshots").fetchone()[0]
        runs = conn.execute("SELECT run_id, strategy, stats FROM runs").fetchall()
    assert decisions == mixed.n_times
    assert snapshots == mixed.n_times // 5  # one PnL snapshot per 5 minutes
    assert runs[0][:2] == (result.run_id, "mean_reversion")
    assert json.loads(runs[0][2])["trades"] == result.stats["trades"]
    lines = (out / "decisions.jsonl").read_text().splitlines()
    assert len(lines) == mixed.n_times


def test_forecasting_strategies_get_forecast_quality(mixed):
    result = backtest("favourite_longshot", mixed, params={"horizon_days": 2})
    forecast = result.stats["forecast"]
    assert forecast["n"] == 0 or 0.0 <= forecast["brier"] <= 1.0


def test_same_seed_same_stats(mixed):
    def run():
        stats = backtest("momentum", mixed, params=FAST, seed=7).stats
        stats.pop("run")
        return json.dumps(stats, sort_keys=True, default=str)

    assert run() == run()


def test_risk_limits_reach_the_gate(rising):
    limits = RiskLimits(max_single_trade_usdc=10.0)
    result = backtest("momentum", rising, params=FAST, risk=limits)
    assert len(result.orders) > 0
    assert result.orders["reason"].str.startswith("risk:").all()
    assert result.stats["trades"] == 0


def test_top_level_call_and_market_choice(mixed):
    result = aa.backtest("momentum", mixed, params=FAST, markets=3, days=0.1)
    assert result.stats["run"]["markets"] == 3
    assert result.stats["run"]["steps"] == 145
    chosen = aa.backtest("momentum", mixed, params=FAST, markets=["m4", "m5"])
    assert chosen.stats["run"]["markets"] == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"capital": -1}, "capital"),
        ({"capital": float("nan")}, "capital"),
        ({"latency_ms": "fast"}, "latency_ms"),
        ({"seed": 1.5}, "seed"),
        ({"days": 0}, "days"),
        ({"markets": True}, "markets"),
        ({"markets": []}, "markets"),
        ({"sim": {"latency_ms": 3}}, "sim"),
        ({"risk": {"max": 1}}, "risk"),
        ({"data": 42}, "data"),
        ({"strategy": 42}, "strategy"),
        ({"strategy": Momentum(), "params": {"fast": 3}}, "params"),
    ],
)
def test_bad_arguments_raise_validation_errors_naming_them(kwargs, field):
    args = {"strategy": "momentum", "data": make_dataset(), **kwargs}
    with pytest.raises(ValidationError, match=f"^{field}: expected"):
        backtest(args.pop("strategy"), args.pop("data"), **args)


def test_command_end_to_end(tmp_path):
    store = write_dataset(mixed_dataset(), tmp_path / "store")
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "alpha_arena.backtest",
            "--days",
            "2",
            "--json",
            "--out",
            str(out),
            "--data",
            str(store),
            "--param",
            "fast=5",
            "--param",
            "slow=20",
            "--param",
            "threshold=0.05",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["strategy"] == "momentum"
    assert payload["params"]["slow"] == 20
    assert payload["stats"]["trades"] > 0
    assert payload["run_dir"] == str(out)
    for name in ("metrics.db", "decisions.jsonl", "stats.json", "equity.csv", "trades.csv"):
        assert (out / name).is_file(), name


def test_command_summary_and_default_run_dir(tmp_path):
    store = write_dataset(make_dataset(n_markets=2, n_times=30), tmp_path / "store")
    proc = subprocess.run(
        [sys.executable, "-m", "alpha_arena.backtest", "--data", str(store), "--quiet"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    runs = list((tmp_path / "reports").iterdir())
    assert len(runs) == 1
    assert runs[0].name.endswith("-momentum")
    assert (runs[0] / "stats.json").is_file()


def test_a_result_feeds_the_report(mixed, tmp_path):
    from alpha_arena.report import write_report

    result = backtest("mean_reversion", mixed, params={"length": 20, "entry_z": 1.5})
    assert result.dataset is mixed
    write_report(result, tmp_path)
    assert (tmp_path / "report.html").stat().st_size > 0
    assert (tmp_path / "tearsheet.png").read_bytes()[:4] == b"\x89PNG"
