"""The backtest command line: bad arguments fail with one clear line and exit code 2."""

from __future__ import annotations

import pytest

from alpha_arena.backtest.command import main, parse_markets
from alpha_arena.cli import main as cli_main
from alpha_arena.data.store import write_dataset
from alpha_arena.errors import ValidationError
from tests.factories import make_dataset


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return write_dataset(make_dataset(n_markets=3, n_times=60), tmp_path_factory.mktemp("store"))


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_unknown_strategy_lists_the_known_ones(capsys, store, tmp_path):
    code, _, err = run(capsys, "--strategy", "nope", "--data", str(store), "--out", str(tmp_path))
    assert code == 2
    assert err.startswith("backtest: error: unknown strategy 'nope'")
    for name in ("momentum", "mean_reversion", "complement_arb", "negrisk_arb"):
        assert name in err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--param", "fast=abc"], "param fast: expected a value of type"),
        (["--param", "speed=1"], "params: expected parameters of 'momentum'"),
        (["--param", "fast"], "--param: expected key=value"),
        (["--days", "-1"], "days: expected a number > 0"),
        (["--capital", "0"], "capital: expected a number > 0"),
        (["--latency-ms", "-5"], "latency_ms: expected a number >= 0"),
        (["--seed", "-1"], "seed: expected an integer >= 0"),
        (["--markets", "0"], "markets: expected an integer >= 1"),
        (["--markets", "no-such-market"], "markets: expected condition ids, slugs or event ids"),
        (["--data", "/no/such/dir"], "data source '/no/such/dir'"),
    ],
)
def test_bad_arguments_name_the_field(capsys, store, tmp_path, argv, message):
    argv = ["--data", str(store), "--out", str(tmp_path / "run"), *argv]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
    assert out == ""


def test_argparse_rejects_non_numbers(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--days", "thirty"])
    assert exc.value.code == 2
    assert "--days: invalid float value" in capsys.readouterr().err


def test_list_prints_every_reference_strategy(capsys):
    code, out, _ = run(capsys, "--list")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert {
        "momentum",
        "mean_reversion",
        "complement_arb",
        "negrisk_arb",
        "favourite_longshot",
    } <= set(names)
    assert "strategies.momentum:Momentum" in out


def test_alpha_arena_backtest_has_the_same_options(capsys):
    with pytest.raises(SystemExit) as exc:
        cli_main(["backtest", "--help"])
    assert exc.value.code == 0
    help_text = capsys.readouterr().out
    for option in ("--days", "--capital", "--strategy", "--param", "--data", "--markets",
                   "--latency-ms", "--out", "--json", "--seed", "--quiet"):  # fmt: skip
        assert option in help_text
    assert cli_main(["backtest", "--strategy", "nope"]) == 2
    assert "unknown strategy 'nope'" in capsys.readouterr().err


def test_markets_option_is_a_count_or_ids():
    assert parse_markets(None) is None
    assert parse_markets(["25"]) == 25
    assert parse_markets(["m1,m2", "m3"]) == ["m1", "m2", "m3"]
    with pytest.raises(ValidationError, match="--markets"):
        parse_markets([" , "])


def test_a_run_writes_its_files_and_optionally_a_report(capsys, store, tmp_path):
    out = tmp_path / "run"
    code, stdout, _ = run(capsys, "--data", str(store), "--out", str(out), "--report", "--quiet")
    assert code == 0
    assert stdout == ""
    names = {p.name for p in out.iterdir()}
    assert {"metrics.db", "stats.json", "equity.csv", "trades.csv", "report.html"} <= names
    assert "tearsheet.png" in names
