"""Resolutions in the live runner, against the fake exchange replaying a dataset whose markets
resolve mid-run: Gamma polling every N cycles, schema checks, paper settlement equal to the
backtest's, orders cancelled and refused on resolved markets, live positions to redeem."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alpha_arena.brokers.paper import PaperBroker, PaperStore
from alpha_arena.cli import main
from alpha_arena.data import Dataset
from alpha_arena.data.polymarket import PolymarketClient
from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.errors import SchemaError, ValidationError
from alpha_arena.live.resolutions import (
    RedemptionLedger,
    ResolutionWatcher,
    read_redemptions,
    redemptions,
    with_resolutions,
)
from alpha_arena.live.runner import LiveRunner
from alpha_arena.live.settings import LiveSettings
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.strategy.base import Strategy
from alpha_arena.types import Order, OrderStatus, Resolution, ResolutionState, Side
from tests.factories import T0, make_dataset
from tests.fake_exchange import TEST_KEY, FakeExchange, numeric_dataset, set_gamma_fields

RESOLVE_ROW = 12


def _resolving(n_times: int = 24) -> Dataset:
    """Three markets: m0 resolves Yes at row RESOLVE_ROW, two rows after it ended (as markets
    close before UMA settles them); m1 resolves void at the same row, early (its end date
    is days away, so orders still rest on it); m2 stays open."""
    data = numeric_dataset(make_dataset(3, n_times, seed=7))
    markets = data.markets.copy()
    resolved = pd.Timestamp(T0 + timedelta(minutes=RESOLVE_ROW))
    ended = pd.Timestamp(T0 + timedelta(minutes=RESOLVE_ROW - 2))
    markets.loc["m0", "end_time"] = ended
    for cid in ("m0", "m1"):
        markets.loc[cid, "resolved_at"] = resolved
    return dataclasses.replace(data, markets=markets)


@dataclass
class HoldAndQuote(Strategy):
    """Buys 10 USDC of every token at the first snapshot, then keeps one resting bid per
    token (so there are open orders to cancel at resolution); records its resolutions."""

    name = "hold-and-quote"

    def __post_init__(self) -> None:
        self.resolutions: list = []

    def on_snapshot(self, ctx) -> None:
        open_tokens = {o.token_id for o in ctx.open_orders()}
        for token in ctx.token_ids:
            if not ctx.tradeable()[ctx.column(token)]:
                continue
            if ctx.position(token) == 0:
                ctx.buy(str(token), usdc=10.0)
            elif token not in open_tokens:
                ctx.buy(str(token), 5.0, price=0.02)

    def on_resolution(self, ctx, settlement) -> None:
        self.resolutions.append(settlement)


def _settings(fx: FakeExchange, data: Dataset, state: Path, **live) -> LiveSettings:
    config = {
        "markets": list(data.markets.index),
        "live": {"clock": "server", "stale_after": 50, "clob_url": fx.url,
                 "gamma_url": fx.url, "state_dir": str(state), **live},
    }  # fmt: skip
    return LiveSettings.from_mapping(config)


def _rows(state: Path, table: str) -> pd.DataFrame:
    with sqlite3.connect(state / "metrics.db") as db:
        return pd.read_sql(f"SELECT * FROM {table} ORDER BY id", db)


def test_watcher_asks_gamma_every_n_cycles_and_reads_the_resolution():
    data = _resolving()
    with (
        FakeExchange(data) as fx,
        PolymarketClient(gamma_url=fx.url, clob_url=fx.url, rate_per_minute=60_000) as client,
    ):
        watcher = ResolutionWatcher(client, ["m0", "m1", "m2", "m0"], every=5)
        found = {}
        for cycle in range(data.n_times):
            fx.set_row(cycle)
            for cid, resolution in watcher.check(cycle).items():
                found[cid] = (cycle, resolution)
        asked = [r for r in fx.state.requests if r == "GET /markets"]
    assert watcher.checks == len(asked) == 5  # cycles 0, 5, 10, 15, 20 (m2 is still open)
    assert found["m0"][0] == found["m1"][0] == 15  # first check at or after RESOLVE_ROW
    when = T0 + timedelta(minutes=RESOLVE_ROW)
    assert found["m0"][1] == Resolution(ResolutionState.RESOLVED, "Yes", when)
    assert found["m1"][1] == Resolution(ResolutionState.VOID, None, when)
    assert "m2" not in found
    assert watcher.resolved_tokens(data) == {str(t) for t in data.token_ids[:4]}
    # the overlay carries the resolutions: the payouts a backtest of `data` would use
    overlaid = watcher.overlay(data)
    assert overlaid is watcher.overlay(data)  # cached for the same dataset
    assert list(overlaid.payout[:4]) == [1.0, 0.0, 0.5, 0.5]
    assert list(overlaid.resolve_ns) == list(data.resolve_ns)


def test_watcher_splits_long_id_lists(monkeypatch):
    """Condition ids go to Gamma IDS_PER_REQUEST at a time (long URLs are refused)."""
    monkeypatch.setattr("alpha_arena.live.resolutions.IDS_PER_REQUEST", 2)
    data = _resolving()
    with (
        FakeExchange(data) as fx,
        PolymarketClient(gamma_url=fx.url, clob_url=fx.url, rate_per_minute=60_000) as client,
    ):
        fx.set_row(RESOLVE_ROW)
        watcher = ResolutionWatcher(client, ["m2", "m1", "m0"], every=1)
        assert set(watcher.check(0)) == {"m0", "m1"}
        assert fx.state.requests.count("GET /markets") == 2
        assert watcher.check(1) == {}  # only m2 is left: one request
        assert fx.state.requests.count("GET /markets") == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"outcomePrices": '["1", "1"]'}, "outcomePrices"),
        ({"outcomePrices": '["yes", "no"]'}, "outcomePrices"),
        ({"outcomePrices": '["1"]'}, "outcomePrices"),
        ({"outcomes": '["Yes"]'}, "outcomes"),
        ({"closedTime": "not a time"}, "closedTime"),
    ],
)
def test_malformed_resolution_fields_name_the_path(fields, field):
    data = _resolving()
    with (
        FakeExchange(data) as fx,
        PolymarketClient(gamma_url=fx.url, clob_url=fx.url, rate_per_minute=60_000) as client,
    ):
        fx.set_row(RESOLVE_ROW)
        set_gamma_fields(fx, "m0", fields)
        watcher = ResolutionWatcher(client, ["m0"], every=1)
        with pytest.raises(SchemaError) as info:
            watcher.check(0)
    assert info.value.field.endswith(field)
    assert "GET" in str(info.value)
    assert "/markets" in str(info.value)
    assert watcher.resolved == {}


def test_failed_check_alerts_keeps_trading_and_retries_next_cycle(tmp_path):
    """A malformed Gamma answer: the cycle still trades, an alert names the field, and the
    next cycle (not `resolve_every` later) asks again and settles once the answer is valid."""
    data = _resolving()
    alerts: list[str] = []
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        set_gamma_fields(fx, "m0", {"outcomePrices": '["1", "1"]'})

        def alert(message: str) -> None:
            alerts.append(message)
            if message.startswith("resolution check failed"):
                set_gamma_fields(fx, "m0", {})

        runner = LiveRunner(_settings(fx, data, tmp_path / "s"), HoldAndQuote(), interval=0,
                            on_alert=alert, resolve_every=5)  # fmt: skip
        summary = runner.run(max_cycles=18)
        asked = fx.state.requests.count("GET /markets")
    failed = [a for a in alerts if a.startswith("resolution check failed")]
    assert len(failed) == 1
    assert "outcomePrices" in failed[0]
    assert summary.errors == 1
    assert asked == 1 + 5  # the feed's start, then checks at cycles 0, 5, 10, 15 (bad), 16
    assert summary.resolved == ["m0", "m1"]
    assert len(_rows(tmp_path / "s", "decisions")) == 18  # no cycle lost to the bad answer
    assert len(_rows(tmp_path / "s", "settlements")) == 4


def test_watcher_validates_its_inputs():
    with pytest.raises(ValidationError, match="resolve_every"):
        ResolutionWatcher(None, ["m0"], every=0)
    data = _resolving()
    with pytest.raises(ValidationError, match="resolved"):
        with_resolutions(data, {"nope": Resolution(ResolutionState.VOID, None, T0)})


def test_paper_settles_exactly_as_the_backtest(tmp_path):
    """Same data, same strategy: the paper runner (resolution learned from Gamma mid-run)
    books the backtest's settlements, cash and equity; open orders on the resolved markets
    are cancelled and later orders on them refused."""
    data = _resolving()
    backtest = HoldAndQuote()
    record = Engine(HistoricalFeed(data), backtest,
                    SimBroker(data, 10_000.0, SimConfig(latency_ms=0.0))).run()  # fmt: skip
    assert len(record.settlements) == 4  # both tokens of m0 (1/0) and of m1 (0.5/0.5)
    alerts: list[str] = []
    paper = HoldAndQuote()
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        runner = LiveRunner(_settings(fx, data, tmp_path / "s"), paper, interval=0,
                            on_alert=alerts.append, resolve_every=1)  # fmt: skip
        summary = runner.run(max_cycles=data.n_times)
    assert summary.errors == 0
    assert summary.resolved == ["m0", "m1"]
    assert sum("resolved" in a for a in alerts) == 2
    assert paper.resolutions == backtest.resolutions == record.settlements
    booked = _rows(tmp_path / "s", "settlements")
    assert list(booked["token_id"].astype(str)) == [s.token_id for s in record.settlements]
    assert list(booked["payout"]) == [1.0, 0.0, 0.5, 0.5]
    assert list(booked["shares"]) == pytest.approx([s.shares for s in record.settlements])
    account = runner._paper[0].portfolio
    assert account.cash == pytest.approx(float(record.cash[-1]))
    assert account.equity() == pytest.approx(float(record.equity[-1]))
    assert list(account.shares[:4]) == [0.0] * 4
    orders = _rows(tmp_path / "s", "orders")
    early = orders[orders["token_id"].astype(str).isin(data.token_ids[2:4])]
    cancelled = early[early["status"] == "cancelled"]
    assert len(cancelled) == 2  # m1's resting bids, cancelled when the resolution was seen
    assert set(pd.to_datetime(cancelled["timestamp"], utc=True)) <= {
        pd.Timestamp(T0 + timedelta(minutes=k)) for k in range(RESOLVE_ROW + 1)
    }
    left = {o.token_id for o in runner._paper[0].open_orders()}
    assert left
    assert not left & {str(t) for t in data.token_ids[:4]}


def test_resolved_markets_refuse_new_orders(tmp_path):
    """An order on a resolved market never reaches the broker (the guard names why)."""
    data = _resolving()

    @dataclass
    class Stubborn(Strategy):
        name = "stubborn"
        tried: list = dataclasses.field(default_factory=list)

        def on_snapshot(self, ctx) -> None:
            if ctx.k >= RESOLVE_ROW:
                self.tried.append(ctx._engine.place(Order(str(ctx.token_ids[2]), Side.BUY,
                                                          size=5, price=0.5)))  # fmt: skip

    strategy = Stubborn()
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        runner = LiveRunner(_settings(fx, data, tmp_path / "s"), strategy, interval=0,
                            resolve_every=1)  # fmt: skip
        runner.run(max_cycles=RESOLVE_ROW + 3)
    assert len(strategy.tried) == 3
    assert all(o.status is OrderStatus.REJECTED for o in strategy.tried)
    assert all(o.reason.startswith("market resolved") for o in strategy.tried)


def test_live_positions_are_recorded_to_redeem_not_redeemed(tmp_path, monkeypatch, capsys):
    """Live (CLOB): the winning and void positions are recorded as to redeem with an alert;
    the account is not credited (the CLOB cannot redeem); `alpha-arena status` lists them."""
    data = _resolving()
    monkeypatch.setenv("POLYMARKET_PRIVATE_KEY", TEST_KEY)
    alerts: list[str] = []
    state = tmp_path / "s"
    with FakeExchange(data) as fx:
        fx.state.auto_step = True
        settings = _settings(fx, data, state, confirm=True)
        runner = LiveRunner(settings, HoldAndQuote(), live=True, interval=0,
                            on_alert=alerts.append, resolve_every=4)  # fmt: skip
        runner.run(max_cycles=RESOLVE_ROW + 6)
    fills = _rows(state, "fills")
    bought = fills.assign(net=fills["size"] - fills["fee_shares"]).groupby("token_id")["net"]
    held = {str(token): net for token, net in bought.sum().items()}
    db = sqlite3.connect(state / "account.db")
    owed = read_redemptions(db)
    db.close()
    assert [r.token_id for r in owed] == [str(t) for t in data.token_ids[[0, 2, 3]]]
    assert [r.payout for r in owed] == [1.0, 0.5, 0.5]  # the losing No of m0 pays nothing
    for item in owed:
        assert item.shares == pytest.approx(held[item.token_id])
        assert item.resolved_ns == int(data.resolve_ns[0])
    assert sum(a.startswith("to redeem:") for a in alerts) == 3
    assert all("redeemPositions" in a for a in alerts if a.startswith("to redeem:"))
    assert runner.summary.resolved == ["m0", "m1"]
    assert _rows(state, "settlements").empty  # nothing was paid out
    (tmp_path / "config.yaml").write_text("live: {state_dir: s}\n")
    monkeypatch.delenv("POLYMARKET_PRIVATE_KEY")
    assert main(["status", "--config", str(tmp_path / "config.yaml"), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["to_redeem"]
    assert [r["token_id"] for r in shown] == [r.token_id for r in owed]
    assert sum(r["usdc"] for r in shown) == pytest.approx(sum(r.usdc for r in owed))
    assert main(["status", "--config", str(tmp_path / "config.yaml")]) == 0
    assert "to redeem:      3 resolved position(s)" in capsys.readouterr().out


def test_ledger_replaces_a_markets_rows(tmp_path):
    """A later record of a market (after an on-chain redemption, the balance is 0) drops it."""
    data = with_resolutions(_resolving(), {"m0": Resolution(ResolutionState.RESOLVED, "No", T0)})
    shares = [4.0, 6.0, 0.0, 0.0, 0.0, 0.0]
    owed = redemptions(data, np.array(shares), ["m0"])
    assert [(r.token_id, r.shares, r.payout, r.usdc) for r in owed] == [
        (str(data.token_ids[1]), 6.0, 1.0, 6.0)
    ]
    ledger = RedemptionLedger(tmp_path / "account.db")
    ledger.record(["m0"], owed)
    ledger.record(["m0"], owed)
    assert ledger.pending() == owed
    ledger.record(["m0"], redemptions(data, np.zeros(6), ["m0"]))
    assert ledger.pending() == []
    ledger.close()


def test_the_manuals_account_db_sql_runs(tmp_path):
    """docs/OPERATIONS.md's queries on account.db run on the tables this code creates."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "OPERATIONS.md").read_text()
    blocks = re.findall(r"```sql account.db\n(.*?)```", text, flags=re.S)
    statements = [s.strip() for b in blocks for s in b.split(";") if s.strip()]
    assert len(statements) == 2
    data = _resolving()
    store = PaperStore(tmp_path / "account.db")
    store.save(PaperBroker(lambda: data, 100.0).snapshot(), "r1", 7)
    store.close()
    ledger = RedemptionLedger(tmp_path / "account.db")
    overlaid = with_resolutions(data, {"m0": Resolution(ResolutionState.RESOLVED, "Yes", T0)})
    ledger.record(["m0"], redemptions(overlaid, np.array([3.0, 0, 0, 0, 0, 0]), ["m0"]))
    ledger.close()
    with sqlite3.connect(tmp_path / "account.db") as db:
        owed, saved = (db.execute(sql).fetchall() for sql in statements)
    assert [row[:5] for row in owed] == [("m0", str(data.token_ids[0]), 3.0, 1.0, 3.0)]
    assert [row[:2] for row in saved] == [("r1", 7)]
    assert saved[0][3] == 100.0
