"""`alpha-arena markets`: table, filters, JSON, errors, and the real console entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from alpha_arena.cli import main
from alpha_arena.cli.markets import COLUMNS, market_records
from alpha_arena.data.store import read_dataset, write_dataset

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def store(synthetic, tmp_path_factory):
    """The small synthetic data set as a store (fast to list)."""
    return write_dataset(synthetic, tmp_path_factory.mktemp("markets-store"))


def test_table_lists_the_first_markets(store, capsys):
    assert main(["markets", "--data", str(store), "--limit", "7"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split() == list(COLUMNS)
    assert len(lines) == 8
    assert "synth-" in lines[1]


def test_category_filter_and_json_records(store, capsys):
    assert main(["markets", "--data", str(store), "--category", "crypto", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert 0 < len(records) <= 20
    assert {r["category"] for r in records} == {"crypto"}
    assert len(records) == min(20, (read_dataset(store).markets["category"] == "crypto").sum())
    assert all(0 < r["last_yes"] < 1 for r in records)


def test_records_agree_with_the_dataset(store):
    ds = read_dataset(store, books=False, trades=False)
    records = market_records(str(store), limit=0)
    assert len(records) == ds.n_markets
    record = records[3]
    col = ds.column(
        ds.tokens.index[(ds.tokens["market_id"] == record["condition_id"]) & ds.is_yes][0]
    )
    series = ds.prices[:, col]
    assert record["last_yes"] == series[~np.isnan(series)][-1]
    market = ds.markets.loc[record["condition_id"]]
    assert record["state"].startswith(market["resolution_state"])
    assert record["tick"] == market["tick_size"]


def test_bad_options_exit_2_naming_the_option(store, capsys):
    assert main(["markets", "--data", str(store), "--category", "nope"]) == 2
    assert "--category" in capsys.readouterr().err
    assert main(["markets", "--data", str(store), "--limit", "-1"]) == 2
    assert "--limit" in capsys.readouterr().err
    assert main(["markets", "--data", str(store / "missing")]) == 2
    assert "not a data store" in capsys.readouterr().err


def test_console_command_on_the_sample(sample_dir):
    env = {**os.environ, "ALPHA_ARENA_CACHE": str(sample_dir.parent), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "alpha_arena.cli", "markets", "--data", "sample", "--limit", "3"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == 4
