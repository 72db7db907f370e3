"""The live world against the fake exchange: CLOB order flow, journal reconciliation, the
runner (paper), parity with the backtest, kill switch, stale feed, 429/5xx storms, secrets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alpha_arena.backtest.inputs import resolve_strategy
from alpha_arena.backtest.result import orders_frame
from alpha_arena.brokers.clob import ClobBroker, ClobSettings
from alpha_arena.brokers.journal import PREPARED, SENT, UNSENT, OrderJournal
from alpha_arena.data.http import RetryPolicy
from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.errors import ConfigError
from alpha_arena.live.runner import LiveRunner
from alpha_arena.live.settings import LiveSettings
from alpha_arena.risk import RiskLimits
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.types import Order, OrderStatus, OrderType, Side
from tests.factories import make_dataset
from tests.fake_exchange import TEST_KEY, FakeExchange, numeric_dataset
from tests.processes import wait_lines

BUSY = {"fast": 2, "slow": 5, "threshold": 0.02, "stake": 20}
FAST_RETRY = RetryPolicy(base_delay=0.01, max_delay=0.05)
PARAMS = {"fast": 3, "slow": 10, "threshold": 0.05, "stake": 20}


@pytest.fixture
def dataset():
    return numeric_dataset(make_dataset(4, 60, seed=3))


def _unresolved(n_markets: int, n_times: int, seed: int):
    """A dataset whose markets stay open (live data cannot know a future resolution)."""
    full = make_dataset(n_markets + 2, n_times, seed=seed)
    return numeric_dataset(full.select([f"m{i}" for i in range(2, n_markets + 2)]))


def _orders(state: Path) -> pd.DataFrame:
    """The run's orders as the metrics logger recorded them (final status, placement order)."""
    import sqlite3

    with sqlite3.connect(state / "metrics.db") as db:
        frame = pd.read_sql("SELECT * FROM orders ORDER BY id", db)
    return frame.astype({"token_id": str})


def _broker(fx: FakeExchange, dataset, path: Path) -> ClobBroker:
    journal = OrderJournal(path / "orders.db")
    return ClobBroker(lambda: dataset, TEST_KEY, journal, ClobSettings(host=fx.url))


def _settings(fx: FakeExchange, dataset, state: Path, **live) -> LiveSettings:
    config = {
        "markets": list(dataset.markets.index),
        "live": {
            "clock": "server",
            "stale_after": 50,
            "clob_url": fx.url,
            "gamma_url": fx.url,
            "state_dir": str(state),
            **live,
        },
    }
    return LiveSettings.from_mapping(config)


def test_clob_order_flow_through_py_clob_client(dataset, tmp_path):
    with FakeExchange(dataset) as fx:
        fx.set_row(10)
        broker = _broker(fx, dataset, tmp_path)
        assert broker.reconcile() == {"sent": 0, "unsent": 0, "adopted": 0}
        assert broker.portfolio.cash == pytest.approx(10_000.0)
        now = int(dataset.times[10])
        token = dataset.token_ids[4]
        rest = broker.submit(Order(token, Side.BUY, size=10.004, price=0.3, client_id="a1"), now)
        assert rest.status is OrderStatus.OPEN
        assert rest.size == 10.0  # rounded down to the venue's 0.01 shares
        take = Order(token, Side.BUY, notional=5, price=0.99, order_type=OrderType.FAK,
                     client_id="a2")  # fmt: skip
        broker.submit(take, now)
        events = broker.advance(now)
        assert [f.order_id for f in events.fills] == ["a2"]
        fill = events.fills[0]
        assert fill.price == pytest.approx(float(dataset.books.ask_px[2, 4, 0]))
        assert broker.portfolio.shares[4] == pytest.approx(fill.size - fill.fee_shares)
        assert broker.portfolio.cash == pytest.approx(10_000 - fill.size * fill.price)
        assert fx.state.sim.portfolio.shares[4] == pytest.approx(broker.portfolio.shares[4])
        assert [o.client_id for o in broker.open_orders()] == ["a1"]
        assert broker.portfolio.reserved_cash == pytest.approx(3.0)
        states = {e.client_id: e.state for e in broker.journal.entries()}
        assert states == {"a1": SENT, "a2": SENT}
        assert broker.cancel_all(now) == 1
        assert broker.open_orders() == []
        assert fx.accepted()[0].status is OrderStatus.CANCELLED
        assert len(fx.posted) == len(set(fx.posted)) == 2
        bad_tick = broker.submit(Order(token, Side.BUY, size=10, price=0.305), now)
        small = broker.submit(Order(token, Side.BUY, size=2, price=0.3), now)
        assert bad_tick.status is OrderStatus.REJECTED
        assert small.status is OrderStatus.REJECTED
        assert "tick" in bad_tick.reason
        assert "minimum order size" in small.reason
        assert len(fx.posted) == 2  # checked before anything was signed or sent


def test_exchange_checks_the_order_signature(dataset, tmp_path):
    """An order signed by another key, or altered after signing, never reaches the book."""
    from py_clob_client_v2.signer import Signer

    with FakeExchange(dataset) as fx:
        broker = _broker(fx, dataset, tmp_path)
        token = dataset.token_ids[0]
        create = broker.client.create_order

        def tampered(*args, **kwargs):
            signed = create(*args, **kwargs)
            signed.takerAmount = str(int(signed.takerAmount) * 2)
            return signed

        broker.client.create_order = tampered
        altered = broker.submit(Order(token, Side.BUY, size=10, price=0.3), 0)
        assert altered.status is OrderStatus.REJECTED
        assert "invalid order signature" in altered.reason
        broker.client.create_order = create
        broker.client.builder.signer = Signer("0x" + "11" * 32, 137)
        broker.client.builder.funder = broker.client.builder.signer.address()
        foreign = broker.submit(Order(token, Side.BUY, size=10, price=0.3), 0)
        assert foreign.status is OrderStatus.REJECTED
        assert "not the API key's address" in foreign.reason
        assert fx.accepted() == []
        assert {e.state for e in broker.journal.entries()} == {"rejected"}


def test_restart_reconciles_journal_with_exchange(dataset, tmp_path):
    """Prepared-but-unanswered orders: found at the exchange = sent, absent = never re-sent."""
    with FakeExchange(dataset) as fx:
        fx.set_row(10)
        broker = _broker(fx, dataset, tmp_path)
        broker.reconcile()
        token = dataset.token_ids[2]
        kept = broker.submit(Order(token, Side.BUY, size=10, price=0.25, client_id="kept"), 0)
        assert kept.status is OrderStatus.OPEN
        fx.fail_next(1, 503)  # the POST is lost: the order never reached the exchange
        lost = broker.submit(Order(token, Side.BUY, size=10, price=0.2, client_id="lost"), 0)
        assert lost.status is OrderStatus.PENDING
        broker.journal.settle("kept", PREPARED)  # as if killed before recording the answer
        broker.journal.close()
        again = _broker(fx, dataset, tmp_path)
        report = again.reconcile()
        assert report == {"sent": 1, "unsent": 1, "adopted": 1}
        states = {e.client_id: e.state for e in again.journal.entries()}
        assert states == {"kept": SENT, "lost": UNSENT}
        assert [o.client_id for o in again.open_orders()] == ["kept"]
        assert len(fx.posted) == len(set(fx.posted)) == 1


def test_paper_runner_places_the_backtests_orders(tmp_path):
    """Parity: the same strategy, live (paper) against the fake replay and in a backtest."""
    data = _unresolved(4, 80, seed=3)
    strategy = resolve_strategy("momentum", PARAMS, 0)
    sim = SimBroker(data, 10_000.0, SimConfig(latency_ms=0.0))
    record = Engine(HistoricalFeed(data), strategy, sim).run()  # what backtest() runs
    result = orders_frame(record.orders)
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        runner = LiveRunner(
            _settings(fx, data, tmp_path / "state"),
            resolve_strategy("momentum", PARAMS, 0),
            interval=0,
        )
        summary = runner.run(max_cycles=data.n_times)
    assert summary.cycles == data.n_times
    assert summary.errors == 0
    placed = _orders(tmp_path / "state")
    columns = ["token_id", "side", "order_type", "price", "size", "notional"]
    kinds = {"token_id": str, "price": float, "size": float, "notional": float}
    expected = result[columns].astype(kinds).reset_index(drop=True)
    got = placed[columns].astype(kinds).reset_index(drop=True)
    assert len(expected) > 5
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    backtest_times = list(pd.to_datetime(result["created_at"], utc=True))
    assert list(pd.to_datetime(placed["timestamp"], utc=True)) == backtest_times


def test_live_needs_confirm(dataset, tmp_path):
    with FakeExchange(dataset) as fx:
        settings = _settings(fx, dataset, tmp_path)
        with pytest.raises(ConfigError, match="confirm"):
            LiveRunner(settings, resolve_strategy("momentum", PARAMS, 0), live=True)


def _paper_run(fx, data, state, cycles, **live):
    fx.state.auto_step = True
    alerts: list[str] = []
    runner = LiveRunner(
        _settings(fx, data, state, **live),
        resolve_strategy("momentum", BUSY, 0),
        interval=0,
        on_alert=alerts.append,
        retry=FAST_RETRY,
    )
    return runner.run(max_cycles=cycles), alerts, runner


def test_kill_file_blocks_every_order(tmp_path):
    data = _unresolved(3, 30, seed=3)
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "KILL").write_text("manual kill\n")
    with FakeExchange(data) as fx:
        summary, alerts, _ = _paper_run(fx, data, tmp_path / "state", data.n_times)
    assert summary.kill_switch.startswith("kill switch file")
    assert any("kill switch" in a for a in alerts)
    orders = _orders(tmp_path / "state")
    assert len(orders) > 0
    assert set(orders["status"]) == {"rejected"}
    assert orders["reason"].str.startswith("risk:").all()


def test_stale_books_alert_and_block_orders(tmp_path):
    data = _unresolved(3, 40, seed=3)
    hidden = {str(t) for t in data.token_ids[:2]}
    with FakeExchange(data) as fx:
        fx.hide_books(hidden)
        summary, alerts, _ = _paper_run(fx, data, tmp_path / "s", data.n_times, stale_after=6)
    assert summary.cycles == data.n_times
    assert sorted(a.split()[-4] for a in alerts if "stale" in a) == sorted(hidden)
    orders = _orders(tmp_path / "s")
    on_hidden = orders[orders["token_id"].isin(hidden)]
    assert (on_hidden["reason"].str.startswith("stale data")).all()


def test_feed_rides_out_429_and_5xx_storms(tmp_path):
    data = _unresolved(3, 20, seed=3)
    with FakeExchange(data) as fx:
        fx.fail_next(2, 429)
        fx.fail_next(2, 503)
        summary, _, runner = _paper_run(fx, data, tmp_path / "s", 5)
        assert summary.cycles == 5
        assert summary.errors == 0
        assert runner.feed.errors == 0  # every failed request was retried, no cycle lost
        assert fx.state.failures == type(fx.state.failures)()


def test_kill_9_restart_sends_no_order_twice_and_leaks_no_secret(tmp_path):
    """A live run (fake CLOB) is SIGKILLed mid-run, then restarted: the decision log still
    parses and keeps every line, no order hash reaches the exchange twice, and neither the
    private key nor the API secret appears in any file written or any output."""
    import json
    import os
    import signal
    import subprocess
    import sys

    import yaml

    from tests.fake_exchange import api_creds

    data = _unresolved(3, 120, seed=3)
    root = Path(__file__).resolve().parents[1]
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        config = {
            "markets": list(data.markets.index),
            "strategy": {"name": "momentum", "params": BUSY},
            "live": {"confirm": True, "clock": "server", "stale_after": 50,
                     "clob_url": fx.url, "gamma_url": fx.url, "state_dir": "state"},
        }  # fmt: skip
        (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
        env = {**os.environ, "POLYMARKET_PRIVATE_KEY": TEST_KEY, "PYTHONPATH": str(root)}
        cmd = [sys.executable, str(root / "live" / "runner.py"), "--config",
               str(tmp_path / "config.yaml"), "--live", "--interval", "0"]  # fmt: skip
        first = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        decisions = tmp_path / "state" / "decisions.jsonl"
        wait_lines(decisions, 12, first)
        first.send_signal(signal.SIGKILL)
        out1, err1 = first.communicate()
        posted_before = len(fx.posted)
        before = decisions.read_text().splitlines()
        second = subprocess.run([*cmd, "--max-cycles", "12"], cwd=root, env=env,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert second.returncode == 0, second.stderr
        posted = fx.posted
    after = decisions.read_text().splitlines()
    records = [json.loads(line) for line in after]
    assert after[: len(before) - 1] == before[: len(before) - 1]
    assert len(records) >= len(before) - 1 + 12
    assert len(posted) == len(set(posted))
    assert 0 < posted_before < len(posted)  # orders went out before the kill and after
    summary = json.loads(second.stdout.strip().splitlines()[-1])
    assert summary["mode"] == "live"
    creds = api_creds(fx.state.address)
    secrets = [TEST_KEY, TEST_KEY.removeprefix("0x"), creds["secret"], creds["passphrase"]]
    texts = [out1, err1, second.stdout, second.stderr]
    texts += [p.read_bytes().decode("latin-1") for p in tmp_path.rglob("*") if p.is_file()]
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_clob_books_maker_fills_of_resting_orders(dataset, tmp_path):
    """A resting order crossed later is reported as the maker leg of a trade: booked once."""
    with FakeExchange(dataset) as fx:
        fx.set_row(10)
        broker = _broker(fx, dataset, tmp_path)
        broker.reconcile()
        col = 2
        token = dataset.token_ids[col]
        limit = round(float(dataset.books.ask_px[2, col, 0]) - 0.02, 2)
        order = broker.submit(Order(token, Side.BUY, size=10, price=limit, client_id="m1"), 0)
        assert order.status is OrderStatus.OPEN
        fills = []
        for row in range(11, dataset.n_times):
            fx.set_row(row)
            fills += broker.advance(int(dataset.times[row])).fills
            if fills:
                break
        assert [f.liquidity.value for f in fills] == ["maker"]
        assert fills[0].price == limit
        assert fills[0].fee == 0.0
        assert broker.open_orders() == []
        assert order.status is OrderStatus.FILLED
        assert broker.portfolio.shares[col] == pytest.approx(10.0)
        assert broker.advance(int(dataset.times[-1])).fills == []  # the trade is booked once
        again = _broker(fx, dataset, tmp_path)  # a restart on the same journal
        again.reconcile()
        assert again.portfolio.shares[col] == pytest.approx(10.0)  # from the exchange balance
        assert again.advance(int(dataset.times[-1])).fills == []


def test_daily_loss_limit_halts_new_risk(tmp_path):
    data = _unresolved(3, 40, seed=3)
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        settings = _settings(fx, data, tmp_path / "s")
        settings.risk = RiskLimits(daily_loss_limit_usdc=0.05)
        runner = LiveRunner(settings, resolve_strategy("momentum", BUSY, 0), interval=0)
        runner.run(max_cycles=data.n_times)
    placed = _orders(tmp_path / "s")
    halted = placed["reason"].fillna("").str.contains("daily loss")
    assert halted.any()
    assert (placed[halted]["side"] == "BUY").all()  # only new risk is blocked; sells pass
    assert (placed[halted]["status"] == "rejected").all()
    decisions = pd.read_json(tmp_path / "s" / "decisions.jsonl", lines=True)
    assert (decisions["status"] == "halted").any()


def test_live_feed_rebuilds_the_replayed_dataset(tmp_path):
    """Polled row by row, the feed's Dataset equals the recorded one (prices and books)."""
    from alpha_arena.data.polymarket import PolymarketClient
    from alpha_arena.live.feed import LiveFeed, server_clock

    data = _unresolved(3, 23, seed=5)
    with (
        FakeExchange(data) as fx,
        PolymarketClient(gamma_url=fx.url, clob_url=fx.url, rate_per_minute=60_000) as client,
    ):
        fx.state.auto_step = True
        feed = LiveFeed(client, data.markets.index, interval=0, levels=3,
                        clock=server_clock(client))  # fmt: skip
        snapshots = [feed.poll() for _ in range(data.n_times)]
        assert feed.poll() is None  # the clock stopped at the last row: nothing new
    assert [s.k for s in snapshots] == list(range(data.n_times))
    got = feed.dataset
    assert list(got.token_ids) == list(data.token_ids)
    assert (got.times == data.times).all()
    assert (got.prices == data.prices).all()
    assert (got.books.times == data.books.times).all()
    for name in ("bid_px", "bid_sz", "ask_px", "ask_sz"):
        assert (getattr(got.books, name) == getattr(data.books, name)).all()
    assert (got.tick == data.tick).all()
    assert (got.end_ns == data.end_ns).all()
    assert feed.stale_tokens() == set()


def test_clob_runner_places_the_backtests_orders(tmp_path, monkeypatch):
    """Live mode (ClobBroker, real py-clob-client-v2, fake CLOB) places exactly the backtest's
    orders: strategies sell whole positions in the venue's 0.01-share steps and count the
    dust below one step as flat, so the two worlds hold the same positions throughout."""
    data = _unresolved(4, 40, seed=3)
    strategy = resolve_strategy("momentum", PARAMS, 0)
    sim = SimBroker(data, 10_000.0, SimConfig(latency_ms=0.0))
    expected = orders_frame(Engine(HistoricalFeed(data), strategy, sim).run().orders)
    monkeypatch.setenv("POLYMARKET_PRIVATE_KEY", TEST_KEY)
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        settings = _settings(fx, data, tmp_path / "s", confirm=True)
        runner = LiveRunner(settings, resolve_strategy("momentum", PARAMS, 0), live=True,
                            interval=0)  # fmt: skip
        runner.run(max_cycles=data.n_times)
    got = _orders(tmp_path / "s")
    assert (expected["side"] == "SELL").sum() >= 1
    assert len(got) == len(expected) >= 3
    for column in ("token_id", "side", "order_type"):
        assert list(got[column].astype(str)) == list(expected[column].astype(str))
    assert list(pd.to_datetime(got["timestamp"], utc=True)) == list(expected["created_at"])
    assert got["notional"].fillna(0).tolist() == expected["notional"].fillna(0).tolist()
    assert got["size"].fillna(0).tolist() == pytest.approx(expected["size"].fillna(0).tolist())


def test_clob_storm_skips_cycles_without_losing_or_doubling_orders(tmp_path, monkeypatch):
    """429/5xx from the CLOB's private endpoints (the SDK does not retry): the cycle fails,
    an alert is raised, the next cycles carry on; every trade is booked exactly once."""
    data = _unresolved(3, 40, seed=3)
    monkeypatch.setenv("POLYMARKET_PRIVATE_KEY", TEST_KEY)
    alerts: list[str] = []
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        fx.fail_next(1, 503, path="/data/trades")  # at start: reconciliation retries
        fx.fail_next(2, 429, path="/data/trades", after=3)  # then two cycles fail
        fx.fail_next(1, 502, path="/data/trades", after=5)  # and one more
        settings = _settings(fx, data, tmp_path / "s", confirm=True)
        runner = LiveRunner(settings, resolve_strategy("momentum", BUSY, 0), live=True,
                            interval=0, on_alert=alerts.append, retry=FAST_RETRY)  # fmt: skip
        summary = runner.run(max_cycles=data.n_times)
        venue_shares = fx.state.sim.portfolio.shares.copy()
        posted = fx.posted
    assert summary.errors == 3
    assert sum("cycle failed" in a for a in alerts) == 3
    assert sum("reconcile failed" in a for a in alerts) == 1
    assert summary.cycles == data.n_times
    assert len(posted) == len(set(posted))
    assert len(posted) > 3
    orders = _orders(tmp_path / "s")
    assert (orders["status"] != "pending").sum() > 0
    import sqlite3

    with sqlite3.connect(tmp_path / "s" / "metrics.db") as db:
        fills = pd.read_sql("SELECT token_id, side, size, fee_shares FROM fills", db)
    booked = np.zeros(data.n_tokens)
    for row in fills.itertuples():
        col = data.column(str(row.token_id))
        booked[col] += row.size - row.fee_shares if row.side == "BUY" else -row.size
    assert np.allclose(booked, venue_shares, atol=1e-9)  # no fill lost, none twice
