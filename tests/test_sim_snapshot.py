"""`SimBroker.snapshot()` / `SimBroker.restore()`: a broker snapshotted at any point, sent
through strict JSON and restored, continues exactly like one never interrupted; a damaged
snapshot is refused with an error naming the field."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.data import BookPanel, Dataset
from alpha_arena.errors import DataError
from alpha_arena.sim import Portfolio, SimBroker, SimConfig
from alpha_arena.sim.snapshot import SNAPSHOT_VERSION, SnapshotError, UnknownTokensError
from alpha_arena.timeutil import NS_PER_MINUTE, from_ns
from alpha_arena.types import Order, OrderType, Side
from tests.factories import make_dataset

N_ROWS = 24
EXTRA = 3  # steps after the last grid row: market 0 resolves YES and market 1 void at the end
FIELDS = ("shares", "avg_cost", "realized", "fees_usdc", "fees_shares", "fees_value",
          "settled", "reserved_shares")  # fmt: skip


def _dataset() -> Dataset:
    """Three markets: m0 resolves YES and m1 void at the last row, m2 stays open. m1 has no
    books (bar model), m2's YES token has trades (trades model), the rest book model."""
    base = make_dataset(3, N_ROWS, seed=5)
    books = base.books
    bid_sz, ask_sz = books.bid_sz.copy(), books.ask_sz.copy()
    bid_sz[:, 2:4] = ask_sz[:, 2:4] = 0.0
    rng = np.random.default_rng(7)
    minutes = np.sort(rng.uniform(0, N_ROWS, 40))
    trades = pl.DataFrame(
        {
            "ts": (base.times[0] + (minutes * NS_PER_MINUTE).astype(np.int64)).tolist(),
            "token_id": ["m2-yes"] * minutes.size,
            "price": np.round(rng.uniform(0.3, 0.7, minutes.size), 2).tolist(),
            "size": np.round(rng.uniform(1, 30, minutes.size), 0).tolist(),
            "side": ["SELL"] * minutes.size,
        },
        schema={"ts": pl.Int64, "token_id": pl.Utf8, "price": pl.Float64, "size": pl.Float64,
                "side": pl.Utf8},
    )  # fmt: skip
    return Dataset(
        markets=base.markets,
        tokens=base.tokens,
        times=base.times,
        prices=base.prices,
        books=BookPanel(books.times, books.bid_px, bid_sz, books.ask_px, ask_sz),
        trades=trades,
        source="test",
        synthetic=True,
    )


DATA = _dataset()
STEPS = [int(t) for t in DATA.times] + [
    int(DATA.times[-1]) + k * NS_PER_MINUTE for k in range(1, EXTRA + 1)
]

KINDS = ["rest-buy", "rest-sell", "take-buy", "take-sell", "gtd-buy", "cancel"]


def _dense(seed: int) -> list[tuple]:
    """Forty random actions: busier sequences than hypothesis's shrink-friendly lists."""
    rng = np.random.default_rng(seed)
    return [
        (int(rng.integers(len(STEPS))), KINDS[int(rng.integers(len(KINDS)))],
         int(rng.integers(6)), int(rng.integers(5, 41)), int(rng.integers(5, 96)))
        for _ in range(40)
    ]  # fmt: skip


ACTIONS = st.one_of(
    st.lists(
        st.tuples(
            st.integers(0, len(STEPS) - 1),  # step at which it is decided
            st.sampled_from(KINDS),
            st.integers(0, 5),  # token column
            st.integers(5, 40),  # shares / usdc
            st.integers(5, 95),  # limit in cents
        ),
        max_size=30,
    ),
    st.integers(0, 2**32 - 1).map(_dense),
)


def _act(broker: SimBroker, step: int, actions) -> list[tuple]:
    """Submit (or cancel) this step's actions; what each returned."""
    now = STEPS[step]
    out = []
    for i, (at, kind, col, amount, cents) in enumerate(actions):
        if at != step:
            continue
        if kind == "cancel":
            open_ids = sorted(o.client_id for o in broker.open_orders())
            if open_ids:
                out.append(broker.cancel(open_ids[amount % len(open_ids)], now))
            continue
        token = str(DATA.token_ids[col])
        side = Side.SELL if kind.endswith("sell") else Side.BUY
        size = float(amount)
        if side is Side.SELL:
            held = broker.portfolio.available_shares(col)
            if held < 1:
                continue
            size = min(size, float(np.floor(held)))
        if kind == "gtd-buy":
            expiry = from_ns(now) + timedelta(minutes=1 + amount % 4)
            order = Order(token, side, size=size, price=cents / 100, order_type=OrderType.GTD,
                          expiration=expiry)  # fmt: skip
        elif kind.startswith("rest"):
            order = Order(token, side, size=size, price=cents / 100)
        elif side is Side.BUY:
            order = Order(token, side, notional=size, order_type=OrderType.FAK)
        else:
            order = Order(token, side, size=size, order_type=OrderType.FAK)
        order.client_id = f"a{i}"
        done = broker.submit(order, now)
        out.append((done.client_id, done.status, done.reason, done.filled_size))
    return out


def _account(broker: SimBroker) -> dict:
    pf = broker.portfolio
    out = {name: getattr(pf, name).tolist() for name in FIELDS}
    out["cash"], out["reserved_cash"], out["equity"] = pf.cash, pf.reserved_cash, pf.equity()
    out["marks"] = np.nan_to_num(pf.marks(), nan=-1.0).tolist()
    out["open"] = sorted((o.client_id, o.status, o.filled_size) for o in broker.open_orders())
    return out


def _events(events) -> tuple:
    return (
        list(events.fills),
        [(o.client_id, o.status, o.reason, o.filled_size) for o in events.updates],
        list(events.settlements),
    )


def _through_json(state: dict) -> dict:
    return json.loads(json.dumps(state, allow_nan=False))


@settings(deadline=None, max_examples=80)
@given(
    actions=ACTIONS,
    cut=st.integers(1, len(STEPS) - 1),
    before_acting=st.booleans(),
    latency=st.sampled_from([0.0, 20_000.0, 90_000.0]),
    queue=st.booleans(),
    dropped=st.integers(-1, 6),
)
def test_snapshot_json_restore_continues_exactly_like_the_uninterrupted_broker(
    actions, cut, before_acting, latency, queue, dropped
):
    """Both brokers see the same steps (advance, mark, act). One is snapshotted at step `cut`
    (after advancing but before acting, or after acting), restored from strict JSON into a
    new broker, and from then on every returned order, event, fill and the whole account
    (cash, positions, costs, PnL, fees, reservations, marks, open orders) is identical.
    With `dropped` >= 0 both first roll their data to a window starting that many rows
    before the cut (as the live feed does) and the snapshot restores onto that window."""
    config = SimConfig(latency_ms=latency, queue_position=queue)
    whole, first = SimBroker(DATA, 1_000.0, config), SimBroker(DATA, 1_000.0, config)

    def step(brokers, k, act=True, advance=True):
        results = []
        for b in brokers:
            events = _events(b.advance(STEPS[k])) if advance else None
            b.portfolio.mark(DATA.prices[min(k, DATA.n_times - 1)])
            results.append((events, _act(b, k, actions) if act else None))
        assert results[0] == results[-1]

    for k in range(cut):
        step([whole, first], k)
    step([whole, first], cut, act=not before_acting)
    data = DATA
    if dropped >= 0:
        data = DATA.window(start=int(DATA.times[max(min(cut, DATA.n_times - 1) - dropped, 0)]))
        whole.observe(data)
        first.observe(data)
    assert _account(first) == _account(whole)
    state = _through_json(first.snapshot())
    assert state["version"] == SNAPSHOT_VERSION
    second = SimBroker.restore(state, data, config)
    assert _account(second) == _account(first)
    assert _through_json(second.snapshot()) == state
    if before_acting:
        assert _act(whole, cut, actions) == _act(second, cut, actions)
    for k in range(cut + 1, len(STEPS)):
        step([whole, second], k)
        assert _account(second) == _account(whole)
    n_before = len(first.fills)
    assert second.fills == whole.fills[n_before:]
    assert second.fill_models == whole.fill_models[n_before:]


def _traded() -> tuple[SimBroker, dict]:
    """A broker holding shares, a resting order, an unreported fill and an update."""
    broker = SimBroker(DATA, 500.0, SimConfig(latency_ms=0.0))
    now = STEPS[2]
    broker.advance(now)
    broker.submit(Order("m0-yes", Side.BUY, notional=30.0, order_type=OrderType.FAK), now)
    broker.submit(Order("m2-no", Side.BUY, size=10.0, price=0.05), now)
    broker.submit(Order("m0-no", Side.BUY, size=10.0, price=0.05), now)
    broker.cancel_all(now, "m0-no")
    state = _through_json(broker.snapshot())
    for name in ("orders", "fills", "updates", "taken"):
        assert state[name], name
    return broker, state


def test_restore_from_a_snapshot_reproduces_the_account():
    broker, state = _traded()
    again = SimBroker.restore(state, DATA, broker.config)
    assert _account(again) == _account(broker)
    assert _events(again.advance(STEPS[3])) == _events(broker.advance(STEPS[3]))


@pytest.mark.parametrize("name", list(_traded()[1]))
def test_a_missing_or_mistyped_field_is_named(name):
    _, state = _traded()
    missing = {k: v for k, v in state.items() if k != name}
    with pytest.raises(SnapshotError) as exc:
        SimBroker.restore(missing, DATA)
    assert exc.value.field == name
    assert "missing" in str(exc.value)
    with pytest.raises(DataError, match=f"'{name}'"):
        SimBroker.restore({**state, name: "x"}, DATA)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("version",), 99, "version"),
        (("version",), 1.0, "version"),
        (("cash",), float("nan"), "cash"),
        (("initial_cash",), -1.0, "initial_cash"),
        (("shares",), [1.0], "shares"),
        (("closed",), None, "closed"),
        (("orders", 0, "limit"), "0.05", "orders[0].limit"),
        (("orders", 0, "side"), "SIDEWAYS", "orders[0].side"),
        (("orders", 0, "status"), "filled", "orders[0].status"),
        (("orders", 0, "arrival_ns"), None, "orders[0].arrival_ns"),
        (("fills", 0, "liquidity"), "both", "fills[0].liquidity"),
        (("fills", 0, "price"), 1.5, "fills[0].price"),
        (("updates", 0, "status"), "gone", "updates[0].status"),
        (("taken", 0, "shares"), ["many"], "taken[0].shares[0]"),
        (("taken", 0, "model"), "oracle", "taken[0].model"),
        (("marks", 0), "0.5", "marks[0]"),
    ],
)
def test_a_wrong_value_is_named(path, value, field):
    _, state = _traded()
    target = state
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(SnapshotError) as exc:
        SimBroker.restore(state, DATA)
    assert exc.value.field == field


def test_a_missing_order_field_is_named():
    _, state = _traded()
    del state["orders"][0]["queue_ahead"]
    with pytest.raises(SnapshotError, match=r"orders\[0\]\.queue_ahead.*missing"):
        SimBroker.restore(state, DATA)


def test_positions_or_orders_on_tokens_the_dataset_lacks_are_named():
    _, state = _traded()
    fewer = DATA.select(["m1", "m2"])
    with pytest.raises(UnknownTokensError) as exc:
        SimBroker.restore(state, fewer)
    assert exc.value.tokens == ["m0-yes"]
    assert isinstance(exc.value, DataError)
    flat = DATA.select(["m0", "m2"])  # m1 was never traded: dropping it is fine
    assert SimBroker.restore(state, flat).portfolio.cash == state["cash"]


def test_version_1_snapshots_still_restore():
    """Version 1 (no crossing history, no liquidity taken) restores the same account."""
    broker, state = _traded()
    old = {k: v for k, v in state.items() if k not in ("crossed_ns", "crossed_book_ns", "taken")}
    again = SimBroker.restore({**old, "version": 1}, DATA, broker.config)
    assert _account(again) == _account(broker)


def test_portfolio_snapshot_matches_tokens_by_id():
    broker, _ = _traded()
    reordered = DATA.select(["m2", "m0", "m1"])
    pf = Portfolio.restore(broker.portfolio.snapshot(), reordered)
    for token in ("m0-yes", "m2-no", "m1-yes"):
        assert pf.position(token) == broker.portfolio.position(token)
    assert pf.cash == broker.portfolio.cash
    assert pf.equity() == pytest.approx(broker.portfolio.equity())
