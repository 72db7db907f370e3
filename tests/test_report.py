"""Tear sheet and HTML report: files exist, PNG is valid, HTML is self-contained, empty fails."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena import metrics
from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.errors import ValidationError
from alpha_arena.report import (
    ReportInput,
    drawdown_series,
    plot_calibration,
    plot_drawdown,
    plot_equity,
    plot_exposure,
    plot_fees_edge,
    plot_pnl_by_category,
    plot_pnl_by_market,
    plot_trades,
    png_bytes,
    render_html,
    report_input,
    tear_sheet,
    thin,
    write_report,
)
from alpha_arena.sim import SimBroker
from alpha_arena.strategy import Strategy
from alpha_arena.timeutil import ns_index
from tests.factories import make_dataset

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass
class Trader(Strategy):
    """Buys market 0 and 2 YES early, sells part of market 2, forecasts market 0 throughout."""

    def on_snapshot(self, ctx):
        if ctx.k == 2:
            ctx.buy("m0-yes", 20.0)
            ctx.buy("m2-yes", 20.0)
        if ctx.k == 30:
            ctx.sell("m2-yes", 10.0)
        if ctx.k % 5 == 0:
            ctx.forecast("m0-yes", min(0.99, 0.5 + ctx.k / 100))
            ctx.forecast("m1-yes", 0.5)


@pytest.fixture(scope="module")
def run():
    """A small engine run and a BacktestResult-shaped bundle of it."""
    data = make_dataset(n_markets=3, n_times=60)
    broker = SimBroker(data, cash=1_000.0)
    record = Engine(HistoricalFeed(data), Trader(), broker).run()
    stats = metrics.performance_stats(
        record.times, record.equity, capital=1_000.0, fills=record.fills,
        settlements=record.settlements, positions_value=record.positions_value,
    )  # fmt: skip
    stats["forecast"] = metrics.score_forecasts(record.forecasts, data)
    stats["edge_gap"] = metrics.edge_gap(record.fills, record.orders, data)
    positions = broker.portfolio.positions()
    positions.insert(0, "market_id", data.tokens.loc[positions.index, "market_id"])
    trades = pd.DataFrame(
        {
            "time": [pd.Timestamp(f.timestamp) for f in record.fills],
            "token_id": [f.token_id for f in record.fills],
            "side": [f.side.value for f in record.fills],
            "price": [f.price for f in record.fills],
            "size": [f.size for f in record.fills],
        }
    )
    equity = pd.DataFrame(
        {"equity": record.equity, "cash": record.cash, "positions_value": record.positions_value},
        index=ns_index(record.times),
    )
    result = SimpleNamespace(
        run_id="r1", strategy="trader", stats=stats, equity=equity, trades=trades,
        positions=positions, record=record,
    )  # fmt: skip
    return result, data


def test_report_input_collects_pnl_by_token_with_markets_and_categories(run):
    result, data = run
    inp = report_input(result, data)
    pnl = inp.pnl.set_index("token_id")
    assert set(pnl.index) == {"m0-yes", "m2-yes"}
    assert set(pnl["category"]) == {"politics"}
    assert pnl.loc["m2-yes", "market_id"] == "m2"
    assert pnl.loc["m2-yes", "market"] == "thing-2"
    # the per-token PnL adds up to the run's PnL (all cash flows plus final values)
    assert pnl["pnl"].sum() == pytest.approx(result.stats["pnl"])
    assert list(inp.prices.columns) == ["m2-yes", "m0-yes"]
    assert inp.locked is not None
    assert (inp.locked == 0).all()
    without = report_input(result)
    assert without.prices is None
    assert without.locked is None
    assert without.pnl.set_index("token_id").loc["m0-yes", "market_id"] == "m0"


def test_write_report_writes_a_valid_png_and_a_self_contained_html(run, tmp_path):
    result, data = run
    paths = write_report(result, tmp_path / "out", dataset=data)
    png = paths["png"].read_bytes()
    assert png.startswith(PNG_MAGIC)
    assert len(png) > 10_000
    page = paths["html"].read_text(encoding="utf-8")
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", page)
    assert "http://" not in page
    assert "https://" not in page
    embedded = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page).group(1)
    assert base64.b64decode(embedded) == png
    for section in ("Statistics", "PnL by market", "Forecast quality", "Calibration",
                    "Realizable vs paper edge"):  # fmt: skip
        assert section in page
    assert "thing-2" in page
    assert "sharpe" in page


def test_tear_sheet_draws_every_panel_with_data_and_skips_the_rest(run):
    result, data = run
    full = tear_sheet(report_input(result, data))
    titles = [ax.get_title() for ax in full.axes if ax.get_title()]
    assert any(t.startswith("Equity") for t in titles)
    assert any(t.startswith("Calibration") for t in titles)
    assert "Trades on thing-2 Yes" in titles
    assert any(t.startswith("PnL by category") for t in titles)
    bare = tear_sheet(report_input(result))  # no dataset: no prices, no categories
    bare_titles = [ax.get_title() for ax in bare.axes]
    assert not any(
        t.startswith("Trades on") or t.startswith("PnL by category") for t in bare_titles
    )
    assert len(bare.axes) < len(full.axes)


def test_calibration_panel_plots_the_bins_and_the_decomposition(run):
    result, data = run
    inp = report_input(result, data)
    ax = plot_calibration(inp)
    points = ax.collections[0].get_offsets()
    table = pd.DataFrame(inp.forecast["calibration"])
    assert np.asarray(points)[:, 0] == pytest.approx(table["mean_forecast"].to_numpy())
    assert f"Brier {inp.forecast['brier']:.4f}" in ax.texts[0].get_text()


def test_drawdown_series_by_hand():
    equity = pd.Series([100.0, 120.0, 90.0, 130.0, 65.0])
    assert drawdown_series(equity).tolist() == pytest.approx([0, 0, 0.25, 0, 0.5])


def test_plots_fail_clearly_on_empty_input():
    empty = ReportInput(equity=pd.Series([], index=pd.DatetimeIndex([], tz="UTC"), dtype=float))
    for plot, field in (
        (plot_equity, "equity"),
        (plot_drawdown, "equity"),
        (plot_pnl_by_market, "pnl"),
        (plot_pnl_by_category, "pnl"),
        (plot_trades, "prices"),
        (plot_calibration, "forecast.calibration"),
        (plot_fees_edge, "stats.edge_gap"),
    ):
        with pytest.raises(ValidationError, match=re.escape(field)):
            plot(empty)
    with pytest.raises(ValidationError, match="equity"):
        tear_sheet(empty)


def test_bad_inputs_name_the_field(run, tmp_path):
    with pytest.raises(ValidationError, match="equity"):
        ReportInput(equity=[1.0, 2.0])
    with pytest.raises(ValidationError, match=r"equity\.index"):
        ReportInput(equity=pd.Series([1.0, 2.0]))
    with pytest.raises(ValidationError, match="result"):
        write_report(object(), tmp_path)
    result, data = run
    with pytest.raises(ValidationError, match="token_id"):
        plot_trades(report_input(result, data), token_id="nope")


def test_a_result_carrying_its_dataset_gets_the_full_sheet(run):
    result, data = run
    carrying = SimpleNamespace(**vars(result), dataset=data)
    titles = [ax.get_title() for ax in tear_sheet(carrying).axes]
    assert any(t.startswith("Trades on") for t in titles)


def test_importing_the_report_package_does_not_load_matplotlib():
    code = (
        "import sys, alpha_arena; alpha_arena.report.ReportInput; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_thin_keeps_the_last_point_and_the_peaks():
    index = pd.date_range("2025-01-01", periods=10_000, freq="min", tz="UTC")
    series = pd.Series(np.arange(10_000.0) % 7, index=index)
    peaks = thin(series, "max", points=100)
    assert len(peaks) == 100
    assert (peaks == 6).all()
    assert peaks.index.is_monotonic_increasing
    last = thin(series, points=100)
    assert last.index[-1] == index[-1]
    assert last.iloc[-1] == series.iloc[-1]
    assert thin(series.iloc[:50], points=100).equals(series.iloc[:50])


def test_pnl_bars_are_labelled_by_market_name_and_add_up(run):
    result, data = run
    ax = plot_pnl_by_market(report_input(result, data))
    labels = {t.get_text() for t in ax.get_yticklabels()}
    assert labels == {"thing-0", "thing-2"}
    heights = sum(bar.get_width() for bar in ax.patches)
    assert heights == pytest.approx(result.stats["pnl"])
    bare = plot_pnl_by_market(report_input(result))
    assert {t.get_text() for t in bare.get_yticklabels()} == {"m0", "m2"}


def test_exposure_panel_shows_locked_capital_on_its_own_axis():
    index = pd.date_range("2025-01-01", periods=4, freq="h", tz="UTC")
    inp = ReportInput(
        equity=pd.Series([100.0, 100.0, 100.0, 100.0], index=index),
        positions_value=pd.Series([0.0, 50.0, 50.0, 25.0], index=index),
        locked=pd.Series([0.0, 0.0, 30.0, 0.0], index=index),
    )
    ax = plot_exposure(inp)
    assert ax.get_title().endswith("(max 30.00 USDC)")
    assert ax.lines[0].get_ydata().tolist() == [0.0, 50.0, 50.0, 25.0]
    twins = [other for other in ax.figure.axes if other is not ax]
    assert twins[0].lines[0].get_ydata().tolist() == [0.0, 0.0, 30.0, 0.0]
    flat = plot_exposure(ReportInput(equity=inp.equity, positions_value=inp.positions_value))
    assert len(flat.figure.axes) == 1
    with pytest.raises(ValidationError, match="positions_value"):
        plot_exposure(ReportInput(equity=inp.equity))


@settings(deadline=None, max_examples=60)
@given(st.lists(st.floats(0.01, 1e6), min_size=1, max_size=200))
def test_drawdown_series_agrees_with_the_max_drawdown_statistic(values):
    drawdown = drawdown_series(pd.Series(values))
    assert drawdown.between(0.0, 1.0).all()
    assert drawdown.max() == pytest.approx(metrics.max_drawdown(np.array(values)))


def test_equity_panel_draws_the_path_and_names_its_ends():
    index = pd.date_range("2025-01-01", periods=3, freq="D", tz="UTC")
    ax = plot_equity(ReportInput(equity=pd.Series([100.0, 90.0, 120.5], index=index)))
    assert ax.lines[0].get_ydata().tolist() == [100.0, 90.0, 120.5]
    assert ax.get_title() == "Equity (USDC): 100.00 -> 120.50"


def test_html_of_a_hand_built_input_escapes_text_and_groups_by_token():
    index = pd.date_range("2025-01-01", periods=2, freq="D", tz="UTC")
    inp = ReportInput(
        equity=pd.Series([1.0, 2.0], index=index),
        title="<b>run</b>",
        pnl=pd.DataFrame({"token_id": ["tok-a", "tok-a", "tok-b"], "pnl": [1.5, 1.0, -2.0]}),
        stats={"sharpe": float("nan"), "trades": 3},
    )
    page = render_html(inp, PNG_MAGIC)
    assert "&lt;b&gt;run&lt;/b&gt;" in page
    assert "<b>run</b>" not in page
    assert "<td>tok-a</td><td>2.5</td>" in page
    assert '<td class="k">sharpe</td><td>n/a</td>' in page
    assert base64.b64encode(PNG_MAGIC).decode() in page


def test_trades_can_be_drawn_for_another_traded_token(run):
    result, data = run
    ax = plot_trades(report_input(result, data), token_id="m0-yes")
    assert ax.get_title() == "Trades on thing-0 Yes"
    buys = ax.collections[0].get_offsets()
    assert np.asarray(buys)[:, 1].tolist() == pytest.approx(
        result.trades.loc[result.trades["token_id"] == "m0-yes", "price"].tolist()
    )


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(("periods", "freq"), [(240, "min"), (60, "min"), (3, "D"), (2, "s")])
def test_time_axes_render_without_warnings_over_short_and_long_spans(periods, freq):
    index = pd.date_range("2025-01-01", periods=periods, freq=freq, tz="UTC")
    ax = plot_equity(ReportInput(equity=pd.Series(np.linspace(1.0, 2.0, periods), index=index)))
    assert png_bytes(ax.figure).startswith(PNG_MAGIC)
