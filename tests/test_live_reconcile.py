"""Reconciliation at start asks the exchange one balance per distinct token, once: in
parallel, and a retry after a failure asks only the tokens still unanswered."""

from __future__ import annotations

import numpy as np
import pytest

from alpha_arena.brokers.clob import ClobBroker, ClobSettings
from alpha_arena.brokers.journal import OrderJournal
from alpha_arena.errors import ApiError, ValidationError
from tests.factories import make_dataset
from tests.fake_exchange import TEST_KEY, FakeExchange, numeric_dataset

BALANCE = "GET /balance-allowance"


def _held(n_tokens: int) -> np.ndarray:
    return np.round(np.random.default_rng(5).uniform(0, 50, n_tokens), 2)


def test_reconcile_asks_each_token_once_and_a_retry_only_the_missing(tmp_path):
    data = numeric_dataset(make_dataset(100, 4, seed=1))
    with FakeExchange(data) as fx:
        held = _held(data.n_tokens)
        fx.state.sim.portfolio.shares[:] = held
        broker = ClobBroker(lambda: data, TEST_KEY, OrderJournal(tmp_path / "orders.db"),
                            ClobSettings(host=fx.url))  # fmt: skip
        assert broker.positions([data.token_ids[0], data.token_ids[0]]) == {
            str(data.token_ids[0]): held[0]
        }
        fx.state.requests.clear()
        fx.fail_next(1, 503, path="/balance-allowance", after=120)
        with pytest.raises(ApiError) as info:
            broker.reconcile()
        assert info.value.status == 503
        first = fx.state.requests.count(BALANCE)
        assert first == 1 + data.n_tokens  # cash, then every token (one of them failed)
        broker.reconcile()
        calls = fx.state.requests.count(BALANCE)
    assert calls - first == 2  # the cash again and the one token that failed
    assert np.array_equal(broker.portfolio.shares, held)
    assert broker._balances == {}  # the next start asks again


def test_balance_workers_validated(tmp_path):
    data = numeric_dataset(make_dataset(2, 4, seed=1))
    journal = OrderJournal(tmp_path / "orders.db")
    for bad in (0, True, 2.5):
        with pytest.raises(ValidationError, match="balance_workers"):
            ClobBroker(lambda: data, TEST_KEY, journal, client=object(), balance_workers=bad)
