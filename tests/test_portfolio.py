"""Portfolio accounting: marks, equity, average cost, realized/unrealized PnL, fees, locks."""

from __future__ import annotations

import numpy as np
import pytest

from alpha_arena.errors import ValidationError
from alpha_arena.sim import Portfolio
from alpha_arena.types import Fill, Liquidity, ResolutionState, Settlement, Side
from tests.factories import T0, make_dataset


def fill(side, price, size, fee_usdc=0.0, fee_shares=0.0, token="m0-yes"):
    return Fill("o1", token, side, price, size, T0, fee_usdc, fee_shares, Liquidity.TAKER)


@pytest.fixture
def book():
    return Portfolio(make_dataset(n_markets=2, n_times=10), 100.0)


def test_mark_keeps_the_last_price_where_nan(book):
    book.apply_fill(0, fill(Side.BUY, 0.40, 10.0))
    row = np.array([0.5, 0.5, 0.2, 0.8])
    assert book.mark(row) == pytest.approx(5.0)
    row2 = np.array([np.nan, 0.4, np.nan, 0.7])
    assert book.mark(row2) == pytest.approx(5.0)
    assert book.marks().tolist() == pytest.approx([0.5, 0.4, 0.2, 0.7])
    assert book.equity() == pytest.approx(96.0 + 5.0)
    with pytest.raises(ValueError, match="read-only"):
        book.marks()[0] = 1.0
    with pytest.raises(ValidationError, match="prices_row"):
        book.mark(np.zeros(3))


def test_unknown_marks_of_empty_positions_do_not_poison_equity(book):
    assert book.equity() == 100.0
    book.apply_fill(2, fill(Side.BUY, 0.30, 10.0, token="m1-yes"))
    assert book.marks()[2] == 0.30
    assert np.isnan(book.marks()[0])
    assert book.equity() == pytest.approx(100.0)


def test_average_cost_includes_buy_fees_and_realized_pnl_on_sells(book):
    book.apply_fill(0, fill(Side.BUY, 0.40, 10.0, fee_shares=0.5))
    book.apply_fill(0, fill(Side.BUY, 0.60, 10.0))
    assert book.shares[0] == pytest.approx(19.5)
    assert book.avg_cost[0] == pytest.approx(10.0 / 19.5)
    book.apply_fill(0, fill(Side.SELL, 0.70, 9.5, fee_usdc=0.1))
    assert book.realized[0] == pytest.approx((0.70 - 10.0 / 19.5) * 9.5 - 0.1)
    assert book.cash == pytest.approx(100.0 - 10.0 + 0.7 * 9.5 - 0.1)
    assert book.fees_paid() == pytest.approx(0.5 * 0.40 + 0.1)
    assert book.fees_usdc[0] == pytest.approx(0.1)
    assert book.fees_shares[0] == 0.5
    book.mark(np.array([0.8, 0.2, 0.5, 0.5]))
    assert book.unrealized_pnl() == pytest.approx(10.0 * (0.8 - 10.0 / 19.5))
    assert book.equity() - book.initial_cash == pytest.approx(
        book.realized_pnl() + book.unrealized_pnl()
    )
    book.apply_fill(0, fill(Side.SELL, 0.80, 10.0))
    assert book.shares[0] == 0.0
    assert book.avg_cost[0] == 0.0


def test_available_cash_and_shares_subtract_reservations(book):
    book.apply_fill(0, fill(Side.BUY, 0.50, 20.0))
    book.reserved_cash = 30.0
    book.reserved_shares[0] = 5.0
    assert book.available_cash() == pytest.approx(90.0 - 30.0)
    assert book.available_shares(0) == pytest.approx(15.0)
    assert book.equity() == pytest.approx(100.0)


def test_settlement_pays_and_realizes(book):
    book.apply_fill(1, fill(Side.BUY, 0.25, 8.0, token="m0-no"))
    settlement = Settlement("m0-no", 8.0, 0.0, T0, ResolutionState.RESOLVED)
    book.apply_settlement(1, settlement)
    assert book.cash == pytest.approx(98.0)
    assert book.realized_pnl() == pytest.approx(-2.0)
    assert book.shares[1] == 0.0
    assert book.position("m0-no").realized_pnl == pytest.approx(-2.0)


def test_locked_capital_between_end_and_resolution():
    data = make_dataset(n_markets=3, n_times=10)
    book = Portfolio(data, 100.0)
    book.apply_fill(4, fill(Side.BUY, 0.5, 10.0, token="m2-yes"))
    end = int(data.end_ns[4])
    assert book.locked_capital(end - 1) == 0.0
    assert book.locked_capital(end) == pytest.approx(5.0)
    book.now_ns = end
    assert book.summary()["locked_capital"] == pytest.approx(5.0)


def test_positions_frame_lists_touched_tokens(book):
    book.apply_fill(2, fill(Side.BUY, 0.30, 10.0, token="m1-yes"))
    frame = book.positions()
    assert list(frame.index) == ["m1-yes"]
    assert frame.loc["m1-yes", "value"] == pytest.approx(3.0)
    assert set(book.summary()) >= {"cash", "equity", "realized_pnl", "fees_paid"}
