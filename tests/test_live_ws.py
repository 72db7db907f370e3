"""The market WebSocket path of the live feed, against the fake market channel on 127.0.0.1:
book maintenance, malformed messages, reconnects, silence, the runner end to end, shutdown,
and the bounded rolling window."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.backtest.inputs import resolve_strategy
from alpha_arena.brokers.paper import PaperBroker
from alpha_arena.data.http import RetryPolicy
from alpha_arena.data.polymarket import PolymarketClient
from alpha_arena.errors import SchemaError
from alpha_arena.live.feed import LiveFeed, RollingRows, server_clock
from alpha_arena.live.guard import StaleGuard
from alpha_arena.live.market_stream import MarketStream, parse_event
from alpha_arena.live.runner import LiveRunner
from alpha_arena.live.settings import LiveSettings
from alpha_arena.sim import SimConfig
from alpha_arena.types import Order, OrderStatus, Side
from tests.factories import make_dataset
from tests.fake_exchange import FakeExchange, FakeMarketStream, _level_changes, numeric_dataset

BUSY = {"fast": 2, "slow": 5, "threshold": 0.02, "stake": 20}
QUICK = RetryPolicy(base_delay=0.01, max_delay=0.05)


def _unresolved(n_markets: int, n_times: int, seed: int):
    full = make_dataset(n_markets + 2, n_times, seed=seed)
    return numeric_dataset(full.select([f"m{i}" for i in range(2, n_markets + 2)]))


def _wait(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


def _orders(state: Path) -> pd.DataFrame:
    with sqlite3.connect(state / "metrics.db") as db:
        frame = pd.read_sql("SELECT * FROM orders ORDER BY id", db)
    return frame.astype({"token_id": str})


ORDER_COLUMNS = ["token_id", "side", "order_type", "price", "size", "notional", "timestamp"]


def _stream_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "market-stream" and t.is_alive()]


# ----- book maintenance ---------------------------------------------------------------------------

PRICES = [f"{i / 100:g}" for i in range(1, 100)]
SIZES = st.integers(1, 500).map(str)
book_state = st.fixed_dictionaries(
    {"bids": st.lists(st.tuples(st.sampled_from(PRICES[:49]), SIZES), max_size=6,
                      unique_by=lambda lv: lv[0]),
     "asks": st.lists(st.tuples(st.sampled_from(PRICES[49:]), SIZES), max_size=6,
                      unique_by=lambda lv: lv[0])}
)  # fmt: skip
"""A book of up to 6 levels a side, bids below 0.5, asks from 0.5 (never crossed)."""


def _as_rest(state: dict, stamp: int) -> dict:
    side = lambda levels: [{"price": p, "size": s} for p, s in levels]  # noqa: E731
    return {"timestamp": str(stamp), "bids": side(state["bids"]), "asks": side(state["asks"])}


@settings(deadline=None, max_examples=60)
@given(
    states=st.lists(book_state, min_size=1, max_size=8),
    old_shape=st.lists(st.booleans(), min_size=8, max_size=8),
    splits=st.lists(st.integers(1, 3), min_size=8, max_size=8),
)
def test_deltas_rebuild_every_book_state(states, old_shape, splits):
    """A snapshot, then per step the level changes to the next random state (in either
    price_change shape, split over 1-3 messages, two tokens interleaved): the maintained
    book equals a book built from scratch from that state."""
    stream = MarketStream("ws://unused", ["a", "b"])
    stamp = 1_000
    first = _as_rest(states[0], stamp)
    for token in ("a", "b"):
        stream.handle(json.dumps([{"event_type": "book", "asset_id": token, "market": "m",
                                   "hash": "0x0", **first}]))  # fmt: skip
    for step, (before, after) in enumerate(itertools.pairwise(states)):
        stamp += 1_000
        changes = _level_changes(_as_rest(before, stamp - 1_000), _as_rest(after, stamp))
        parts = np.array_split(np.arange(len(changes)), splits[step])
        for token in ("a", "b"):
            for part in parts:
                chunk = [changes[i] for i in part]
                if old_shape[step]:
                    message = {"event_type": "price_change", "asset_id": token, "market": "m",
                               "timestamp": str(stamp), "changes": chunk}  # fmt: skip
                else:
                    entries = [{"asset_id": token, **c} for c in chunk]
                    message = {"event_type": "price_change", "market": "m",
                               "timestamp": str(stamp), "price_changes": entries}  # fmt: skip
                stream.handle(json.dumps(message))
    final = states[-1]
    books = stream.books()
    assert stream.malformed == 0
    for token in ("a", "b"):
        book = books[token]
        bids = sorted(((float(p), float(s)) for p, s in final["bids"]), reverse=True)
        asks = sorted((float(p), float(s)) for p, s in final["asks"])
        assert list(zip(book.bid_prices, book.bid_sizes, strict=True)) == bids
        assert list(zip(book.ask_prices, book.ask_sizes, strict=True)) == asks
        changed = [
            1_000 * (i + 2)
            for i, (a, b) in enumerate(itertools.pairwise(states))
            if _level_changes(_as_rest(a, 0), _as_rest(b, 0))
        ]
        assert book.timestamp.timestamp() * 1000 == max([1_000, *changed])  # the last change


def test_malformed_events_name_the_event_and_path():
    cases = [
        (
            {
                "event_type": "book",
                "asset_id": "a",
                "timestamp": "1",
                "bids": [{"price": "1.5", "size": "1"}],
            },
            "bids[0].price",
        ),
        (
            {
                "event_type": "price_change",
                "market": "m",
                "timestamp": "1",
                "price_changes": [{"asset_id": "a", "price": "0.5", "size": "x", "side": "BUY"}],
            },
            "price_changes[0].size",
        ),
        (
            {
                "event_type": "price_change",
                "market": "m",
                "timestamp": "1",
                "price_changes": [{"asset_id": "a", "price": "0.5", "size": "1", "side": "UP"}],
            },
            "price_changes[0].side",
        ),
        (
            {
                "event_type": "tick_size_change",
                "asset_id": "a",
                "timestamp": "1",
                "new_tick_size": "2",
            },
            "new_tick_size",
        ),
        (
            {
                "event_type": "last_trade_price",
                "asset_id": "a",
                "price": "0.4",
                "side": "BUY",
                "size": "3",
            },
            "timestamp",
        ),
        ({"asset_id": "a"}, "event_type"),
    ]
    for event, path in cases:
        with pytest.raises(SchemaError) as caught:
            parse_event(event)
        assert caught.value.field == path
        if "event_type" in event:
            assert event["event_type"] in caught.value.endpoint
    assert parse_event({"event_type": "new_market", "id": "1"}) == []  # future event types


def test_trades_and_ticks_apply():
    stream = MarketStream("ws://unused", ["a"])
    stream.handle(json.dumps({"event_type": "book", "asset_id": "a", "timestamp": "5000",
                              "bids": [{"price": "0.405", "size": "10"}], "asks": []}))  # fmt: skip
    stream.handle(json.dumps({"event_type": "tick_size_change", "asset_id": "a",
                              "timestamp": "5001", "old_tick_size": "0.01",
                              "new_tick_size": "0.001"}))  # fmt: skip
    stream.handle(json.dumps({"event_type": "last_trade_price", "asset_id": "a",
                              "price": "0.405", "size": "2.5", "side": "SELL",
                              "timestamp": "5002", "fee_rate_bps": "0"}))  # fmt: skip
    book = stream.books()["a"]
    assert book.tick_size == 0.001
    assert book.bid_prices.tolist() == [0.405]
    [trade] = stream.take_trades()
    assert (trade.ts_ns, trade.price, trade.size, trade.side) == (5_002_000_000, 0.405, 2.5, "SELL")
    assert stream.take_trades() == []
    stream.handle(json.dumps({"event_type": "book", "asset_id": "zz", "timestamp": "1",
                              "bids": [], "asks": []}))  # fmt: skip
    assert set(stream.books()) == {"a"}  # tokens not subscribed are ignored
    coarse = MarketStream("ws://unused", ["c"], ticks={"c": 0.01})
    coarse.handle(json.dumps({"event_type": "book", "asset_id": "c", "timestamp": "1",
                              "bids": [{"price": "0.955", "size": "4"}],
                              "asks": [{"price": "0.97", "size": "4"}]}))  # fmt: skip
    assert coarse.books()["c"].tick_size == 0.001  # resting orders on a finer tick fit
    assert coarse.malformed == 0


# ----- against the fake channel -------------------------------------------------------------------


@pytest.fixture
def venue():
    data = _unresolved(3, 30, seed=4)
    with FakeExchange(data) as fx, FakeMarketStream(fx) as ws:
        yield data, fx, ws


def test_stream_follows_the_replay(venue):
    data, fx, ws = venue
    fx.set_row(3)
    stream = MarketStream(ws.url, data.token_ids).start(wait=5)
    try:
        for row in (3, 9, 17, 29):
            fx.set_row(row)
            assert stream.sync(5)
            books = stream.books()
            k = data.books.index_at(int(data.times[row]))
            for col, token in enumerate(data.token_ids):
                ok = data.books.bid_sz[k, col] > 0
                assert books[token].bid_prices.tolist() == data.books.bid_px[k, col][ok].tolist()
                assert books[token].bid_sizes.tolist() == data.books.bid_sz[k, col][ok].tolist()
                ok = data.books.ask_sz[k, col] > 0
                assert books[token].ask_prices.tolist() == data.books.ask_px[k, col][ok].tolist()
        assert ws.subscriptions == [
            {"assets_ids": list(data.token_ids), "type": "market", "custom_feature_enabled": True}
        ]
    finally:
        stream.close()
    assert not stream.running


def test_malformed_message_is_skipped_and_the_stream_runs_on(venue):
    data, fx, ws = venue
    stream = MarketStream(ws.url, data.token_ids).start(wait=5)
    try:
        assert stream.sync(5)
        bad, good = str(data.token_ids[0]), str(data.token_ids[2])
        ws.send_raw(json.dumps({"event_type": "price_change", "market": "m", "timestamp": "1",
                                "price_changes": [{"asset_id": bad, "price": "0.5",
                                                   "size": "lots", "side": "BUY"}]}))  # fmt: skip
        ws.send_raw("not json at all")
        assert stream.sync(5)
        assert stream.malformed == 2
        error = stream.errors[0]
        assert isinstance(error, SchemaError)
        assert error.field == "price_changes[0].size"
        assert "price_change" in str(error)
        books = stream.books()
        assert bad not in books  # its book may have missed a change: unusable until a snapshot
        assert good in books
        fx.set_row(12)
        assert stream.sync(5)
        assert stream.running
        assert stream.connects == 1
    finally:
        stream.close()


def test_reconnect_backs_off_resubscribes_and_waits_for_a_snapshot(venue):
    data, fx, ws = venue
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        await asyncio.sleep(0)

    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    stream = MarketStream(ws.url, data.token_ids, backoff=policy, sleep=sleep,
                          rng=random.Random(7)).start(wait=5)  # fmt: skip
    try:
        assert stream.sync(5)
        assert len(stream.books()) == data.n_tokens
        ws.refuse_next(2)
        ws.silent = True  # the third connection is accepted but sends nothing yet
        ws.drop()
        _wait(lambda: stream.connects == 4 and ws.connections == 1)
        assert stream.books() == {}  # stale until a fresh snapshot on the new connection
        ws.silent = False
        fx.set_row(20)
        _wait(lambda: stream.sync(1.0))
        assert set(stream.books()) == {str(t) for t in data.token_ids}
        book_ns = stream.books()[str(data.token_ids[0])].timestamp.timestamp() * 1e9
        assert book_ns == float(data.books.times[data.books.index_at(int(data.times[20]))])
    finally:
        stream.close()
    draws = random.Random(7)
    # attempt 1 after a connection that delivered data, then 2 and 3 after two refusals
    assert waited == [policy.backoff(a, draws) for a in (1, 2, 3)]
    assert stream.delays == waited
    assert len(ws.subscriptions) == 2  # the refused connections closed before subscribing
    assert ws.subscriptions[1] == ws.subscriptions[0]


def test_silent_stream_falls_back_to_rest_then_goes_stale(venue):
    """Silence (no PONG): books come from REST; tokens REST cannot serve either go stale,
    raise one alert each, and the stale guard refuses orders on them."""
    data, fx, ws = venue
    alerts: list[tuple[str, float]] = []
    with PolymarketClient(gamma_url=fx.url, clob_url=fx.url, rate_per_minute=60_000) as client:
        fx.state.auto_step = True
        feed = LiveFeed(client, data.markets.index, interval=0, stale_after=3,
                        clock=server_clock(client), ws_url=ws.url, sync_timeout=0.3,
                        stream_options={"backoff": QUICK},
                        on_stale=lambda t, age: alerts.append((t, age)))  # fmt: skip
        try:
            for _ in range(4):
                feed.poll()
            assert feed.rest_books == 0  # all books from the stream
            assert feed.stale_tokens() == set()
            ws.silent = True
            hidden = {str(t) for t in data.token_ids[:2]}
            fx.hide_books(hidden)
            for _ in range(4):
                feed.poll()
            assert feed.rest_books == 4 * data.n_tokens
            assert feed.stale_tokens() == hidden
            assert sorted(t for t, _ in alerts) == sorted(hidden)
            guard = StaleGuard(PaperBroker(lambda: feed.dataset, 1_000.0), feed.stale_tokens)
            now = int(feed.dataset.times[-1])
            refused = guard.submit(Order(sorted(hidden)[0], Side.BUY, size=10, price=0.5), now)
            assert refused.status is OrderStatus.REJECTED
            assert refused.reason.startswith("stale data")
            other = str(data.token_ids[3])
            passed = guard.submit(Order(other, Side.BUY, size=10, price=0.01), now)
            assert passed.status is not OrderStatus.REJECTED
            ws.silent = False
            fx.hide_books(set())
            _wait(lambda: feed.poll() is not None and not feed.stale_tokens(), timeout=10)
            assert feed.stream.connects >= 2  # the silent connection was given up and reopened
        finally:
            feed.close()
    assert not feed.stream.running


def test_stream_books_stay_fresh_while_nothing_changes(venue):
    """A quiet but connected market is not stale (the PONG proves the stream is current),
    where REST polling, seeing the book's timestamp stand still, calls it stale."""
    data, fx, ws = venue
    fx.set_row(5)
    stale = {}
    with PolymarketClient(gamma_url=fx.url, clob_url=fx.url, rate_per_minute=60_000) as client:
        for name, url in (("ws", ws.url), ("rest", None)):
            ticks = iter(range(1, 100))
            feed = LiveFeed(client, data.markets.index, interval=0, stale_after=2, ws_url=url,
                            clock=lambda ticks=ticks: int(data.times[5]) + next(ticks))  # fmt: skip
            try:
                for _ in range(6):
                    feed.poll()
                stale[name] = feed.stale_tokens()
                assert feed.dataset.books.times.size == 1  # one row: the books never changed
            finally:
                feed.close()
            if url:
                assert feed.rest_books == 0
    assert stale == {"ws": set(), "rest": {str(t) for t in data.token_ids}}


def test_websocket_feed_builds_the_rest_feeds_dataset():
    """Polled row by row, the WebSocket feed's Dataset equals the REST feed's (grid, prices,
    book rows and their times) and the recorded data's books."""
    data = _unresolved(3, 40, seed=8)
    with (
        FakeExchange(data) as fx,
        FakeMarketStream(fx) as ws,
        PolymarketClient(gamma_url=fx.url, clob_url=fx.url, rate_per_minute=60_000) as client,
    ):
        row = [0]
        clock = lambda: int(data.times[row[0]])  # noqa: E731
        feeds = {
            name: LiveFeed(client, data.markets.index, interval=0, levels=3, clock=clock,
                           ws_url=url)
            for name, url in (("rest", None), ("ws", ws.url))
        }  # fmt: skip
        try:
            for k in range(data.n_times):
                row[0] = k
                fx.set_row(k)
                for feed in feeds.values():
                    assert feed.poll().k == k
            assert feeds["ws"].rest_books == 0
        finally:
            for feed in feeds.values():
                feed.close()
    rest, over_ws = feeds["rest"].dataset, feeds["ws"].dataset
    assert (over_ws.times == rest.times).all()
    assert np.array_equal(over_ws.prices, rest.prices, equal_nan=True)
    assert (over_ws.books.times == rest.books.times).all()
    assert (over_ws.books.times == data.books.times).all()
    for name in ("bid_px", "bid_sz", "ask_px", "ask_sz"):
        got = getattr(over_ws.books, name)
        assert np.array_equal(got, getattr(rest.books, name), equal_nan=True)
        assert np.array_equal(got, getattr(data.books, name), equal_nan=True)


def test_last_trade_price_becomes_trade_rows(venue):
    data, fx, ws = venue
    token = str(data.token_ids[1])
    with PolymarketClient(gamma_url=fx.url, clob_url=fx.url, rate_per_minute=60_000) as client:
        fx.set_row(2)
        ticks = iter(range(1, 100))
        feed = LiveFeed(client, data.markets.index, interval=0, ws_url=ws.url, trades=True,
                        clock=lambda: int(data.times[2]) + next(ticks) * 10**9)  # fmt: skip
        try:
            feed.poll()
            stamp = int(data.times[2]) // 1_000_000 + 1500
            ws.send_raw(json.dumps({"event_type": "last_trade_price", "asset_id": token,
                                    "market": "m", "price": "0.37", "size": "12",
                                    "side": "BUY", "timestamp": str(stamp)}))  # fmt: skip
            feed.poll()
            trades = feed.dataset.trades
            assert trades.to_dicts() == [
                {"ts": stamp * 1_000_000, "token_id": token, "price": 0.37, "size": 12.0,
                 "side": "BUY"}
            ]  # fmt: skip
        finally:
            feed.close()


# ----- the runner ---------------------------------------------------------------------------------


def _cli_run(fx, ws_url, data, root: Path, cycles: int, strategy: str, params: dict) -> Path:
    import yaml

    from alpha_arena.cli import main

    live = {"clock": "server", "stale_after": 50, "clob_url": fx.url, "gamma_url": fx.url,
            "state_dir": "state"}  # fmt: skip
    if ws_url:
        live["ws_url"] = ws_url
    config = {"markets": list(data.markets.index), "live": live,
              "strategy": {"name": strategy, "params": params}}  # fmt: skip
    root.mkdir()
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    fx.set_row(0)
    fx.state.stepped = False
    code = main(["run", "--config", str(root / "config.yaml"), "--interval", "0",
                 "--max-cycles", str(cycles), "--no-metrics-server"])  # fmt: skip
    assert code == 0
    return root / "state"


def test_cli_run_over_the_websocket_places_the_rest_runs_orders(tmp_path, capsys):
    data = _unresolved(4, 60, seed=3)
    with FakeExchange(data) as fx, FakeMarketStream(fx) as ws:
        fx.state.auto_step = True
        rest = _cli_run(fx, None, data, tmp_path / "rest", data.n_times, "momentum", BUSY)
        rest_books = fx.state.requests.count("POST /books")
        fx.state.requests.clear()
        over_ws = _cli_run(fx, ws.url, data, tmp_path / "ws", data.n_times, "momentum", BUSY)
        ws_books = fx.state.requests.count("POST /books")
        pings = ws.pings
    summaries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [s["cycles"] for s in summaries] == [data.n_times, data.n_times]
    assert rest_books == data.n_times
    assert ws_books == 0  # every book came over the WebSocket
    assert pings >= data.n_times
    expected, got = _orders(rest), _orders(over_ws)
    assert len(expected) > 5
    pd.testing.assert_frame_equal(
        got[ORDER_COLUMNS].reset_index(drop=True), expected[ORDER_COLUMNS].reset_index(drop=True)
    )
    assert list(got["status"]) == list(expected["status"])
    assert _stream_threads() == []  # the stream's thread ended with the run


def test_sigterm_closes_the_stream(tmp_path):
    data = _unresolved(2, 200, seed=3)
    with FakeExchange(data) as fx, FakeMarketStream(fx) as ws:
        fx.state.auto_step = True
        config = {"markets": list(data.markets.index),
                  "live": {"clock": "server", "clob_url": fx.url, "gamma_url": fx.url,
                           "state_dir": str(tmp_path / "s"), "ws_url": ws.url}}  # fmt: skip
        runner = LiveRunner(LiveSettings.from_mapping(config),
                            resolve_strategy("momentum", BUSY, 0), interval=0.01)  # fmt: skip
        assert len(_stream_threads()) == 1
        stopper = threading.Timer(0.5, runner.stop)  # what the SIGTERM handler calls
        stopper.start()
        summary = runner.run()
        stopper.join()
        _wait(lambda: ws.connections == 0)
    assert summary.stopped_by == "signal"
    assert 0 < summary.cycles < data.n_times
    assert _stream_threads() == []


# ----- the bounded window -------------------------------------------------------------------------


def test_rolling_rows_keep_the_last_rows():
    rows = RollingRows((2,), limit=5)
    held = []
    for i in range(40):
        rows.append([i, -i])
        held.append(rows.view)
        assert rows.view[:, 0].tolist() == list(range(max(0, i - 4), i + 1))
    assert rows.nbytes <= (5 + 5 // 4 + 1) * 2 * 8
    assert held[10][:, 0].tolist() == [6, 7, 8, 9, 10]  # views handed out never change


def test_window_is_bounded_and_decisions_unchanged(tmp_path):
    """Over many cycles the live Dataset holds at most `history_rows` rows and a flat number
    of bytes; with the window longer than the strategy's lookback, the paper run places the
    same orders and gets the same fills as an unbounded one."""
    data = _unresolved(4, 100, seed=6)
    params = {"length": 10, "entry_z": 1.0, "exit_z": 0.3, "stake": 20}
    runs = {}
    for name, rows in (("bounded", 24), ("unbounded", 10_000)):
        with FakeExchange(data) as fx:
            fx.state.auto_step = True
            config = {"markets": list(data.markets.index),
                      "live": {"clock": "server", "stale_after": 50, "clob_url": fx.url,
                               "gamma_url": fx.url, "state_dir": str(tmp_path / name),
                               "history_rows": rows}}  # fmt: skip
            strategy = resolve_strategy("mean_reversion", params, 0)
            runner = LiveRunner(LiveSettings.from_mapping(config), strategy, interval=0)
            runner.feed.poll_sizes = []
            original = runner.feed.poll

            def poll(feed=runner.feed, original=original):
                snapshot = original()
                feed.poll_sizes.append((feed.dataset.n_times, feed.nbytes))
                return snapshot

            runner.feed.poll = poll
            runner.run(max_cycles=data.n_times)
            runs[name] = runner.feed.poll_sizes
    sizes = runs["bounded"]
    assert max(n for n, _ in sizes) == 24
    assert len({b for _, b in sizes[40:]}) == 1  # flat memory once the window is full
    assert runs["unbounded"][-1][0] == data.n_times
    bounded, unbounded = _orders(tmp_path / "bounded"), _orders(tmp_path / "unbounded")
    assert len(unbounded) > 5
    pd.testing.assert_frame_equal(bounded[ORDER_COLUMNS], unbounded[ORDER_COLUMNS])
    assert list(bounded["status"]) == list(unbounded["status"])
    fills = []
    for name in ("bounded", "unbounded"):
        with sqlite3.connect(tmp_path / name / "metrics.db") as db:
            fills.append(pd.read_sql("SELECT token_id, side, price, size FROM fills", db))
    assert len(fills[0]) > 0
    pd.testing.assert_frame_equal(fills[0], fills[1])


def test_paper_broker_follows_a_window_that_drops_rows():
    """A resting paper order placed before the window moves on is filled by the later book
    exactly as over the full data (the simulator re-bases its row indices)."""
    data = _unresolved(2, 40, seed=2)
    k0 = data.books.index_at(int(data.times[5]))
    later = data.books.ask_px[k0 + 1 :, :, 0]
    col = int(np.argmax(data.books.ask_px[k0, :, 0] - np.nanmin(later, axis=0)))
    token = str(data.token_ids[col])
    limit = round(float(np.nanmin(later[:, col])) + 0.01, 2)  # a later ask trades through
    assert limit < data.books.ask_px[k0, col, 0]  # it rests first
    results = []
    for window in (8, None):
        views = []
        for row in range(5, data.n_times):
            lo = 0 if window is None else max(0, row + 1 - window)
            views.append(data.window(data.times[lo], data.times[row]))
        current = [views[0]]
        paper = PaperBroker(lambda current=current: current[0], 1_000.0, SimConfig(latency_ms=0.0))
        order = paper.submit(Order(token, Side.BUY, size=10, price=limit), int(data.times[5]))
        fills = []
        for view, row in zip(views, range(5, data.n_times), strict=True):
            current[0] = view
            fills += paper.advance(int(data.times[row])).fills
        results.append([(f.price, f.size, f.timestamp) for f in fills])
        assert order.status is OrderStatus.FILLED
    assert results[0] == results[1]
    assert results[0], "the resting order should have been filled"
