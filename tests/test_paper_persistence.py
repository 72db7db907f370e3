"""The paper account survives restarts: snapshot/restore equals an uninterrupted broker,
the runner restores it (or starts afresh with --reset-paper), and after `kill -9` mid-run
the saved account is the one of the last cycle boundary (checked against the backtest)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.backtest.inputs import resolve_strategy
from alpha_arena.brokers.paper import PaperBroker, PaperStore
from alpha_arena.data import Dataset
from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.errors import ConfigError, DataError
from alpha_arena.live.runner import LiveRunner
from alpha_arena.live.settings import LiveSettings
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.types import Order, OrderType, Side
from tests.factories import make_dataset
from tests.fake_exchange import FakeExchange, numeric_dataset
from tests.processes import saved_cycle, wait_lines, wait_until

BUSY = {"fast": 2, "slow": 5, "threshold": 0.02, "stake": 20}
ROOT = Path(__file__).resolve().parents[1]
FIELDS = ("shares", "avg_cost", "realized", "fees_usdc", "fees_shares", "settled",
          "reserved_shares")  # fmt: skip


def _open(n_markets: int, n_times: int, seed: int) -> Dataset:
    """Markets that stay open throughout (as the live feed sees them)."""
    full = make_dataset(n_markets + 2, n_times, seed=seed)
    return numeric_dataset(full.select([f"m{i}" for i in range(2, n_markets + 2)]))


def _account(portfolio) -> dict:
    out = {name: np.asarray(getattr(portfolio, name)).copy() for name in FIELDS}
    out["cash"] = portfolio.cash
    out["reserved_cash"] = portfolio.reserved_cash
    return out


def _same_account(a: dict, b: dict) -> None:
    for name, value in a.items():
        assert np.allclose(value, b[name], atol=1e-9, equal_nan=True), name


ORDERS = st.lists(
    st.tuples(
        st.integers(0, 5),  # token column
        st.sampled_from(["rest-buy", "take-buy", "rest-sell", "take-sell"]),
        st.integers(5, 40),  # shares / usdc
        st.integers(5, 95),  # limit in cents
        st.integers(0, 19),  # row at which the order is decided
    ),
    max_size=12,
)


@settings(deadline=None, max_examples=25)
@given(orders=ORDERS, cut=st.integers(1, 18))
def test_restored_broker_continues_like_the_uninterrupted_one(orders, cut):
    """Two paper brokers take the same orders; one is snapshotted at row `cut` and restored
    into a fresh broker (via JSON, as the store keeps it). From there on both see the same
    rows: every fill, cancel and the account stay identical."""
    data = _open(3, 20, seed=11)

    def submit(broker, row):
        for col, kind, amount, cents, at in orders:
            if at != row:
                continue
            token = str(data.token_ids[col])
            side = Side.BUY if kind.endswith("buy") else Side.SELL
            held = broker.portfolio.available_shares(col)
            if side is Side.SELL:
                if held < 1:
                    continue
                amount = min(float(amount), float(np.floor(held)))
            if kind.startswith("rest"):
                order = Order(token, side, size=float(amount), price=cents / 100)
            elif side is Side.BUY:
                order = Order(token, side, notional=float(amount), order_type=OrderType.FAK)
            else:
                order = Order(token, side, size=float(amount), order_type=OrderType.FAK)
            order.client_id = f"{row}-{col}-{kind}-{amount}-{cents}"
            broker.submit(order, int(data.times[row]))

    def broker():
        return PaperBroker(lambda: data, 1_000.0, SimConfig(latency_ms=0.0))

    whole, first = broker(), broker()
    for row in range(cut):
        for b in (whole, first):
            b.advance(int(data.times[row]))
            b.portfolio.mark(data.prices[row])
            submit(b, row)
    second = broker()
    second.restore(json.loads(json.dumps(first.snapshot())))
    _same_account(_account(second.portfolio), _account(first.portfolio))
    assert sorted(o.client_id for o in second.open_orders()) == sorted(
        o.client_id for o in first.open_orders()
    )
    for row in range(cut, data.n_times):
        events = [b.advance(int(data.times[row])) for b in (whole, second)]
        assert [(f.order_id, f.price, f.size) for f in events[0].fills] == [
            (f.order_id, f.price, f.size) for f in events[1].fills
        ]
        assert [(o.client_id, o.status) for o in events[0].updates] == [
            (o.client_id, o.status) for o in events[1].updates
        ]
        for b in (whole, second):
            b.portfolio.mark(data.prices[row])
            submit(b, row)
    _same_account(_account(second.portfolio), _account(whole.portfolio))
    assert second.portfolio.equity() == pytest.approx(whole.portfolio.equity())


def test_store_saves_one_row_and_names_bad_snapshots(tmp_path):
    data = _open(2, 10, seed=1)
    broker = PaperBroker(lambda: data, 500.0)
    store = PaperStore(tmp_path / "account.db")
    assert store.load() is None
    store.save(broker.snapshot(), "r1", 3)
    store.save(broker.snapshot(), "r1", 4)
    assert store.saved_at() == ("r1", 4)
    assert store.load() == json.loads(json.dumps(broker.snapshot()))
    with sqlite3.connect(tmp_path / "account.db") as db:
        assert db.execute("SELECT COUNT(*) FROM paper_account").fetchone()[0] == 1
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.execute("UPDATE paper_account SET state = '{broken'")
    with pytest.raises(DataError, match="unreadable snapshot"):
        store.load()
    with pytest.raises(DataError, match="version"):
        broker.restore({"version": 99})
    store.clear()
    assert store.load() is None
    store.close()


def test_restore_refuses_positions_on_markets_no_longer_configured():
    data = _open(3, 10, seed=2)
    broker = PaperBroker(lambda: data, 500.0, SimConfig(latency_ms=0.0))
    token = str(data.token_ids[4])
    now = int(data.times[0])
    broker.submit(Order(token, Side.BUY, notional=20.0, order_type=OrderType.FAK), now)
    assert broker.portfolio.shares[4] > 0
    fewer = data.select(list(data.markets.index[:2]))
    smaller = PaperBroker(lambda: fewer, 500.0)
    with pytest.raises(ConfigError, match="--reset-paper"):
        smaller.restore(broker.snapshot())
    more = _open(3, 10, seed=2)  # the same tokens in another broker: restores fine
    again = PaperBroker(lambda: more, 500.0)
    again.restore(broker.snapshot())
    assert again.portfolio.shares[4] == broker.portfolio.shares[4]


def _settings(fx: FakeExchange, data: Dataset, state: Path) -> LiveSettings:
    config = {
        "markets": list(data.markets.index),
        "live": {"clock": "server", "stale_after": 50, "clob_url": fx.url,
                 "gamma_url": fx.url, "state_dir": str(state), "paper_cash": 1000},
    }  # fmt: skip
    return LiveSettings.from_mapping(config)


def test_runner_restores_the_paper_account_unless_reset(tmp_path):
    data = _open(3, 40, seed=3)
    state = tmp_path / "s"
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        first = LiveRunner(_settings(fx, data, state), resolve_strategy("momentum", BUSY, 0),
                           interval=0)  # fmt: skip
        first.run(max_cycles=20)
        saved = _account(first._paper[0].portfolio)
        assert first.summary.restored_from == ""
        assert saved["cash"] != 1000.0  # it traded
        second = LiveRunner(_settings(fx, data, state), resolve_strategy("momentum", BUSY, 0),
                            interval=0)  # fmt: skip
        second.run(max_cycles=1)
        assert second.summary.restored_from == f"{first.run_id} cycle 20"
        third = LiveRunner(_settings(fx, data, state), resolve_strategy("momentum", BUSY, 0),
                           interval=0, reset_paper=True)  # fmt: skip
        third.run(max_cycles=1)
    decisions = [json.loads(x) for x in (state / "decisions.jsonl").read_text().splitlines()]
    starts = {}
    for record in decisions:
        starts.setdefault(record["run_id"], record)
    assert starts[second.run_id]["balance"] == pytest.approx(saved["cash"])
    assert third.summary.restored_from == ""
    assert starts[third.run_id]["balance"] == pytest.approx(1000.0)


def test_kill_9_then_restart_continues_from_the_last_cycle_boundary(tmp_path):
    """A paper run is SIGKILLed mid-run. The saved account equals a backtest of the same
    data stopped after the saved number of cycles (paper = backtest, cycle k = row k), and
    the restarted run starts from exactly that account."""
    data = _open(3, 120, seed=3)
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        config = {
            "markets": list(data.markets.index),
            "strategy": {"name": "momentum", "params": BUSY},
            "live": {"clock": "server", "stale_after": 50, "clob_url": fx.url,
                     "gamma_url": fx.url, "state_dir": "state"},
        }  # fmt: skip
        (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, str(ROOT / "live" / "runner.py"), "--config",
               str(tmp_path / "config.yaml"), "--interval", "0", "--no-ops"]  # fmt: skip
        first = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        decisions = tmp_path / "state" / "decisions.jsonl"
        wait_lines(decisions, 15, first)
        # the kill must come after the cycle's save: the decisions log is written first
        account = tmp_path / "state" / "account.db"
        wait_until(lambda: saved_cycle(account) >= 15, first, f"{account} never saved cycle 15")
        first.send_signal(signal.SIGKILL)
        first.communicate()
        store = PaperStore(tmp_path / "state" / "account.db")
        saved, (run_id, cycles) = store.load(), store.saved_at()
        store.close()
        second = subprocess.run([*cmd, "--max-cycles", "2"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert second.returncode == 0, second.stderr
    assert cycles >= 15
    sim = SimBroker(data, 10_000.0, SimConfig(latency_ms=0.0))
    strategy = resolve_strategy("momentum", BUSY, 0)
    Engine(HistoricalFeed(data, end=int(data.times[cycles - 1])), strategy, sim).run()
    expected = _account(sim.portfolio)
    assert expected["cash"] != 10_000.0  # it traded before the kill
    restored = PaperBroker(lambda: data, 10_000.0)
    restored.restore(saved)
    _same_account(_account(restored.portfolio), expected)
    summary = json.loads(second.stdout.strip().splitlines()[-1])
    assert summary["restored_from"] == f"{run_id} cycle {cycles}"
    records = [json.loads(x) for x in decisions.read_text().splitlines()]
    resumed = next(r for r in records if r["run_id"] == summary["run_id"])
    assert resumed["balance"] == pytest.approx(saved["cash"])
