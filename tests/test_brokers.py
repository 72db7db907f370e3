"""Unit tests of the live brokers' parts: order hashing, the journal, redaction, PaperBroker."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from alpha_arena.brokers.clob import ClobSettings, Redactor
from alpha_arena.brokers.journal import PREPARED, SENT, UNSENT, OrderJournal
from alpha_arena.brokers.paper import PaperBroker
from alpha_arena.brokers.signing import order_hash, order_signer
from alpha_arena.errors import DataError, ValidationError
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.types import Order, OrderStatus, Side
from tests.factories import make_dataset
from tests.fake_exchange import TEST_KEY


def _signed(neg_risk: bool):
    from py_clob_client_v2.clob_types import CreateOrderOptions, OrderArgsV2
    from py_clob_client_v2.order_builder.builder import OrderBuilder
    from py_clob_client_v2.order_utils.model.order_data_v2 import order_to_json_v2
    from py_clob_client_v2.signer import Signer

    signer = Signer(TEST_KEY, 137)
    args = OrderArgsV2(token_id="71000004", price=0.42, size=12.5, side="BUY")
    signed = OrderBuilder(signer).build_order(args, CreateOrderOptions("0.01", neg_risk))
    return signer, signed, order_to_json_v2(signed, "", "GTC")["order"]


@pytest.mark.parametrize("neg_risk", [False, True])
def test_order_hash_matches_the_sdk_and_recovers_the_signer(neg_risk):
    from py_clob_client_v2.order_utils.exchange_order_builder_v2 import ExchangeOrderBuilderV2

    from alpha_arena.brokers.signing import exchange_address

    signer, signed, payload = _signed(neg_risk)
    sdk = ExchangeOrderBuilderV2(exchange_address(137, neg_risk), 137, signer)
    assert order_hash(payload, 137, neg_risk) == sdk.build_order_hash(
        sdk.build_order_typed_data(signed)
    )
    assert order_signer(payload, 137, neg_risk) == signer.address()
    assert order_signer(payload, 137, not neg_risk) != signer.address()  # other contract
    tampered = {**payload, "makerAmount": str(int(payload["makerAmount"]) + 1)}
    assert order_signer(tampered, 137, neg_risk) != signer.address()
    assert order_hash(tampered, 137, neg_risk) != order_hash(payload, 137, neg_risk)


def _prepare(journal: OrderJournal, client_id: str, digest: str) -> None:
    journal.prepare(client_id, digest, token_id="t", side="BUY", size=5.0, price=0.5,
                    order_type="GTC", signed={"salt": 1}, decided_ns=7)  # fmt: skip


def test_journal_write_ahead_states_and_trades(tmp_path):
    path = tmp_path / "j" / "orders.db"
    journal = OrderJournal(path)
    _prepare(journal, "a", "0x1")
    _prepare(journal, "b", "0x2")
    with pytest.raises(DataError, match="already recorded"):
        _prepare(journal, "a", "0x3")
    with pytest.raises(DataError, match="already recorded"):
        _prepare(journal, "c", "0x2")
    journal.settle("a", SENT, "live")
    with pytest.raises(DataError, match="unknown state"):
        journal.settle("b", "lost")
    assert not journal.trade_seen("t1")
    journal.record_trade("t1", "0x1")
    journal.record_trade("t1", "0x1")
    journal.close()
    reopened = OrderJournal(path)  # what a restart sees
    assert [(e.client_id, e.state, e.exchange_status) for e in reopened.entries()] == [
        ("a", SENT, "live"),
        ("b", PREPARED, ""),
    ]
    assert [e.client_id for e in reopened.entries(PREPARED)] == ["b"]
    assert reopened.entry_by_hash("0x2").signed == {"salt": 1}
    assert reopened.entry_by_hash("0x9") is None
    assert reopened.trade_seen("t1")
    reopened.settle("b", UNSENT, reason="never reached the exchange")
    assert reopened.entry_by_hash("0x2").reason == "never reached the exchange"
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_journal_on_a_bad_file_is_a_data_error(tmp_path):
    path = tmp_path / "orders.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DataError, match="order journal"):
        OrderJournal(path)


def test_redactor_hides_secrets_with_and_without_0x():
    redact = Redactor()
    redact.add(TEST_KEY, None, "s3cret")
    text = f"key {TEST_KEY} raw {TEST_KEY[2:]} secret s3cret ok"
    assert redact(text) == "key *** raw *** secret *** ok"


def test_clob_settings_check_signature_type():
    with pytest.raises(ValidationError, match="signature_type"):
        ClobSettings(signature_type=3)


def test_paper_broker_follows_a_growing_dataset():
    """Fed the data row by row, paper trading fills exactly as the simulator on all of it."""
    data = make_dataset(3, 40, seed=2)
    col = 0
    limit = float(data.books.ask_px[1:, col, 0].min()) + 0.01  # a later book goes through
    assert limit < data.books.ask_px[0, col, 0]  # but it rests when placed
    orders = [Order(data.token_ids[col], Side.BUY, size=10, price=limit, client_id="r")]
    orders.append(Order(data.token_ids[2], Side.BUY, size=10, price=0.9, client_id="t"))
    full = SimBroker(data, 1_000.0, SimConfig(latency_ms=0.0))
    grown = {"k": 1}
    paper = PaperBroker(lambda: data.window(None, int(data.times[grown["k"] - 1])), 1_000.0,
                        SimConfig(latency_ms=0.0))  # fmt: skip
    t0 = int(data.times[0])
    for order in orders:
        full.submit(_copy(order), t0)
        paper.submit(_copy(order), t0)
    full_fills, paper_fills = [], []
    for k in range(1, data.n_times + 1):
        grown["k"] = k
        now = int(data.times[k - 1])
        full_fills += full.advance(now).fills
        paper_fills += paper.advance(now).fills
    assert paper_fills == full_fills
    assert len(paper_fills) >= 2
    assert paper.portfolio.cash == pytest.approx(full.portfolio.cash)
    assert np.allclose(paper.portfolio.shares, full.portfolio.shares)
    assert paper.open_orders() == []
    other = make_dataset(4, 40, seed=2)
    with pytest.raises(ValidationError, match="same tokens"):
        paper.sim.observe(other)


def _copy(order: Order) -> Order:
    return Order(order.token_id, order.side, size=order.size, price=order.price,
                 client_id=order.client_id)  # fmt: skip


def test_paper_broker_cancels():
    data = make_dataset(2, 10)
    paper = PaperBroker(lambda: data, 1_000.0)
    t0 = int(data.times[0])
    order = paper.submit(Order(data.token_ids[0], Side.BUY, size=10, price=0.05), t0)
    assert order.status is OrderStatus.OPEN
    assert paper.cancel_all(t0) == 1
    assert order.status is OrderStatus.CANCELLED
    assert paper.cancel(order.client_id, t0) is False
