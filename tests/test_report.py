"""Tear sheet: figure panels, PnL tables that add up to the run's PnL, self-contained HTML."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

import alpha_arena as aa
from alpha_arena.errors import ValidationError
from alpha_arena.metrics import forecast_stats
from alpha_arena.report import (
    pnl_by_category,
    pnl_by_market,
    pnl_by_token,
    render_html,
    tearsheet,
    write_report,
)
from tests.factories import make_dataset

PARAMS = {"fast": 3, "slow": 10, "threshold": 0.0}


@pytest.fixture(scope="module")
def result():
    return aa.backtest("momentum", make_dataset(n_markets=4, n_times=200), params=PARAMS)


def test_pnl_tables_add_up_to_the_run_pnl(result):
    assert len(result.trades) > 0
    pnl = result.stats["pnl"]
    assert pnl_by_token(result).sum() == pytest.approx(pnl, abs=1e-6)
    markets = pnl_by_market(result)
    assert markets["pnl"].sum() == pytest.approx(pnl, abs=1e-6)
    assert set(markets.index) == set(result.trades["market_id"])
    assert list(markets["pnl"].abs()) == sorted(markets["pnl"].abs(), reverse=True)
    assert pnl_by_category(result).sum() == pytest.approx(pnl, abs=1e-6)


def test_figure_has_every_panel_and_saves_png(result, tmp_path):
    path = tmp_path / "ts.png"
    fig = result.plot(path)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    for wanted in ("Drawdown", "Exposure", "PnL by market", "PnL by category", "Trades on price",
                   "Calibration"):  # fmt: skip
        assert any(t.startswith(wanted) for t in titles), wanted
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    trades_ax = next(ax for ax in fig.axes if ax.get_title(loc="left").startswith("Trades"))
    token = result.trades["token_id"].value_counts().index[0]
    mine = result.trades[result.trades["token_id"] == token]
    marked = sum(len(c.get_offsets()) for c in trades_ax.collections)
    assert marked == len(mine)


def test_calibration_panel_plots_the_bins(result):
    rng = np.random.default_rng(0)
    p = rng.uniform(size=200)
    y = (rng.uniform(size=200) < p).astype(float)
    stats = dict(result.stats, forecast=forecast_stats(p, y))
    calibrated = type(result)(**{**result.__dict__, "stats": stats})
    fig = tearsheet(calibrated)
    ax = next(a for a in fig.axes if a.get_title(loc="left").startswith("Calibration"))
    points = ax.collections[0].get_offsets()
    table = stats["forecast"]["calibration"]
    assert np.allclose(points[:, 0], [row["mean_forecast"] for row in table])
    assert np.allclose(points[:, 1], [row["observed_rate"] for row in table])
    assert "Brier" in ax.texts[0].get_text()


def test_html_is_self_contained(result, tmp_path):
    paths = write_report(result, tmp_path / "run")
    page = paths["html"].read_text(encoding="utf-8")
    assert paths["png"].read_bytes()[:4] == b"\x89PNG"
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)
    encoded = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page).group(1)
    assert base64.b64decode(encoded) == paths["png"].read_bytes()
    for section in ("Performance", "Fees and realizable vs paper edge", "Brier", "PnL by market"):
        assert section in page
    assert result.run_id in render_html(result, b"png")


def test_write_report_needs_a_folder(result):
    with pytest.raises(ValidationError, match="directory"):
        result.write_report()


def test_backtest_command_writes_the_report(sample_dir, tmp_path):
    from alpha_arena.backtest.command import main

    out = tmp_path / "run"
    code = main(["--data", str(sample_dir), "--days", "1", "--markets", "4", "--out", str(out),
                 "--quiet", "--param", "fast=3", "--param", "slow=10"])  # fmt: skip
    assert code == 0
    assert (out / "tearsheet.png").stat().st_size > 1000
    assert "data:image/png;base64," in (out / "report.html").read_text(encoding="utf-8")
