"""The account a broker keeps: cash, shares per token, marks, cost basis, PnL and fees.

One float64 array per quantity, indexed by the dataset's token columns, so marking and
valuation are single kernel passes. The broker mutates it through `apply_fill`,
`apply_settlement`, `split`, `merge`, `convert` and the reservation methods; strategies only
read it. Equity is always `cash + Σ shares × mark` (reservations are not spent cash).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from alpha_arena.data import Dataset
from alpha_arena.errors import ValidationError
from alpha_arena.sim import snapshot as snap
from alpha_arena.sim.kernels import mark_row, positions_value
from alpha_arena.types import Fill, Position, Settlement, Side

_DUST = 1e-9
_ARRAYS = (
    "shares", "avg_cost", "realized", "fees_usdc", "fees_shares", "fees_value", "settled",
    "reserved_shares",
)  # fmt: skip
"""The per-token arrays a snapshot keeps (all but the marks, which are private)."""


class Portfolio:
    """Cash and positions over a dataset's tokens, with average cost and realized PnL.

    - `cash`: USDC held (including USDC reserved for resting buys).
    - `shares`, `avg_cost`, `realized`, `fees_usdc`, `fees_shares`: per-token arrays.
    - `reserved_cash` / `reserved_shares`: committed to resting buys / open sells.
    - `marks()`: the last known price of each token (NaN until the first one).
    """

    def __init__(self, dataset: Dataset, cash: float) -> None:
        if not isinstance(cash, (int, float)) or not math.isfinite(cash) or cash < 0:
            raise ValidationError("cash", "a finite amount of USDC >= 0", cash)
        n = dataset.n_tokens
        self._data = dataset
        self.initial_cash = float(cash)
        self.cash = float(cash)
        self.shares = np.zeros(n)
        self.avg_cost = np.zeros(n)
        self.realized = np.zeros(n)
        self.fees_usdc = np.zeros(n)
        self.fees_shares = np.zeros(n)
        self.fees_value = np.zeros(n)
        self.settled = np.zeros(n)
        self.reserved_cash = 0.0
        self.reserved_shares = np.zeros(n)
        self._marks = np.full(n, np.nan)
        self._value = 0.0
        self.now_ns = int(dataset.times[0]) if dataset.n_times else 0

    def observe(self, dataset: Dataset) -> None:
        """Follow a grown copy of the same dataset (same tokens): lookups use the new one."""
        self._data = dataset

    # ----- lookups and valuation -----------------------------------------------------------

    @property
    def token_ids(self) -> np.ndarray:
        """Token ids in column order."""
        return self._data.token_ids

    def column(self, token_id: str) -> int:
        """The array column of a token id."""
        return self._data.column(token_id)

    def mark(self, prices_row: np.ndarray) -> float:
        """Take a row of prices as the new marks (NaN keeps the last); returns positions value."""
        row = np.asarray(prices_row, dtype=np.float64)
        if row.shape != self._marks.shape:
            raise ValidationError("prices_row", f"{self._marks.size} prices", row.shape)
        self._value = mark_row(self._marks, row, self.shares)
        return self._value

    def marks(self) -> np.ndarray:
        """Last known price per token (read-only view; NaN before the first price)."""
        view = self._marks.view()
        view.flags.writeable = False
        return view

    def positions_value(self) -> float:
        """Σ shares × mark."""
        return positions_value(self._marks, self.shares)

    def equity(self) -> float:
        """Cash plus positions at their marks."""
        return self.cash + self.positions_value()

    def available_cash(self) -> float:
        """Cash not reserved for resting buy orders."""
        return self.cash - self.reserved_cash

    def available_shares(self, col: int) -> float:
        """Shares of a token not already committed to open sell orders."""
        return float(self.shares[col] - self.reserved_shares[col])

    def unrealized(self) -> np.ndarray:
        """Per-token unrealized PnL: shares × (mark − average cost); 0 where flat."""
        held = self.shares != 0.0
        out = np.zeros_like(self.shares)
        out[held] = self.shares[held] * (self._marks[held] - self.avg_cost[held])
        return np.nan_to_num(out)

    def realized_pnl(self) -> float:
        """Realized PnL over all tokens (sells, merges, conversions and settlements)."""
        return float(self.realized.sum())

    def unrealized_pnl(self) -> float:
        """Unrealized PnL over all tokens."""
        return float(self.unrealized().sum())

    def fees_paid(self) -> float:
        """Fees paid, in USDC value (shares withheld valued at their fill price)."""
        return float(self.fees_value.sum())

    def locked_capital(self, now_ns: int | None = None) -> float:
        """Marked value of positions whose market has ended but not yet resolved."""
        now = self.now_ns if now_ns is None else int(now_ns)
        data = self._data
        locked = (data.end_ns <= now) & (now < data.resolve_ns) & (self.shares != 0.0)
        return float(np.nan_to_num(self.shares[locked] * self._marks[locked]).sum())

    def position(self, token_id: str) -> Position:
        """One token's position as a `Position` record."""
        c = self.column(token_id)
        return Position(
            token_id,
            float(self.shares[c]),
            float(self.avg_cost[c]),
            float(self.realized[c]),
            float(self.fees_value[c]),
        )

    def positions(self) -> pd.DataFrame:
        """Tokens held or traded: shares, average cost, mark, value, PnL and fees."""
        touched = (self.shares != 0.0) | (self.realized != 0.0) | (self.fees_value != 0.0)
        cols = np.flatnonzero(touched)
        return pd.DataFrame(
            {
                "shares": self.shares[cols],
                "avg_cost": self.avg_cost[cols],
                "mark": self._marks[cols],
                "value": np.nan_to_num(self.shares[cols] * self._marks[cols]),
                "unrealized_pnl": self.unrealized()[cols],
                "realized_pnl": self.realized[cols],
                "fees_usdc": self.fees_usdc[cols],
                "fees_shares": self.fees_shares[cols],
                "settled_usdc": self.settled[cols],
            },
            index=pd.Index(self.token_ids[cols], name="token_id"),
        )

    def summary(self) -> dict[str, float]:
        """Headline numbers of the account."""
        return {
            "cash": self.cash,
            "equity": self.equity(),
            "positions_value": self.positions_value(),
            "realized_pnl": self.realized_pnl(),
            "unrealized_pnl": self.unrealized_pnl(),
            "fees_paid": self.fees_paid(),
            "locked_capital": self.locked_capital(),
            "reserved_cash": self.reserved_cash,
        }

    # ----- snapshot and restore ------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The account as a JSON-able mapping: `tokens` (ids, in column order), cash, the
        per-token arrays as lists in that order, and `marks` (None where unknown)."""
        return {
            "tokens": [str(t) for t in self.token_ids],
            "cash": self.cash,
            "initial_cash": self.initial_cash,
            "reserved_cash": self.reserved_cash,
            "now_ns": self.now_ns,
            **{name: getattr(self, name).tolist() for name in _ARRAYS},
            "marks": [None if math.isnan(m) else float(m) for m in self._marks],
        }

    @classmethod
    def restore(cls, state: dict[str, Any], dataset: Dataset) -> Portfolio:
        """The account of a `snapshot()` over `dataset`, whose tokens are matched by id.

        Tokens of the dataset the snapshot lacks start flat; a snapshot token the dataset
        lacks is dropped if flat, else `UnknownTokensError`. A missing or mistyped field is a
        `SnapshotError` naming it.
        """
        tokens, cols = snap.columns(state, dataset)
        n = len(tokens)
        values = {name: snap.per_token(state, name, "num", n) for name in _ARRAYS}
        marks = snap.per_token(state, "marks", "num?", n)
        known = cols >= 0
        held = (np.asarray(values["shares"], dtype=np.float64) != 0.0) | (
            np.asarray(values["reserved_shares"], dtype=np.float64) != 0.0
        )
        lost = [t for t, k, h in zip(tokens, known, held, strict=True) if h and not k]
        if lost:
            raise snap.UnknownTokensError(lost)
        initial = snap.get(state, "initial_cash", "num")
        if initial < 0:
            raise snap.SnapshotError("initial_cash", "an amount of USDC >= 0", initial)
        out = cls(dataset, initial)
        out.cash = float(snap.get(state, "cash", "num"))
        out.reserved_cash = float(snap.get(state, "reserved_cash", "num"))
        out.now_ns = int(snap.get(state, "now_ns", "int"))
        for name, column_values in values.items():
            getattr(out, name)[cols[known]] = np.asarray(column_values, dtype=np.float64)[known]
        saved = np.array([np.nan if m is None else m for m in marks], dtype=np.float64)
        out._marks[cols[known]] = saved[known]
        return out

    # ----- mutations (the broker's) -----------------------------------------------------------

    def _set_mark_if_unknown(self, col: int, price: float) -> None:
        if math.isnan(self._marks[col]):
            self._marks[col] = price

    def apply_fill(self, col: int, fill: Fill) -> None:
        """Book one fill: cash, shares, average cost, realized PnL, fees."""
        self._set_mark_if_unknown(col, fill.price)
        self.cash += fill.cash_delta
        self.fees_usdc[col] += fill.fee_usdc
        self.fees_shares[col] += fill.fee_shares
        self.fees_value[col] += fill.fee
        if fill.side is Side.BUY:
            gained = fill.share_delta
            held = self.shares[col]
            total = held + gained
            if total > 0:
                self.avg_cost[col] = (held * self.avg_cost[col] + fill.price * fill.size) / total
            self.shares[col] = total
        else:
            self.realized[col] += (fill.price - self.avg_cost[col]) * fill.size - fill.fee_usdc
            self._reduce(col, fill.size)
        self._clean_cash()

    def _reduce(self, col: int, shares: float) -> None:
        left = self.shares[col] - shares
        if abs(left) <= _DUST:
            left = 0.0
        self.shares[col] = left
        if left == 0.0:
            self.avg_cost[col] = 0.0

    def _clean_cash(self) -> None:
        if abs(self.cash) <= _DUST:
            self.cash = 0.0

    def apply_settlement(self, col: int, settlement: Settlement) -> None:
        """Pay out a position at resolution: shares × payout USDC, position closed."""
        self.cash += settlement.cash
        self.settled[col] += settlement.cash
        self.realized[col] += (settlement.payout - self.avg_cost[col]) * settlement.shares
        self._marks[col] = settlement.payout
        self.shares[col] = 0.0
        self.avg_cost[col] = 0.0
        self.reserved_shares[col] = 0.0

    def split(self, yes: int, no: int, amount: float) -> None:
        """Turn `amount` USDC into `amount` YES and `amount` NO shares of one market.

        The 1 USDC cost of each set is shared between the legs in proportion to their
        marks (half each when unknown), so equity moves only by mark noise.
        """
        w_yes = self._leg_weight(yes, no)
        self.cash -= amount
        self._add_shares(yes, amount, w_yes)
        self._add_shares(no, amount, 1.0 - w_yes)
        self._clean_cash()

    def merge(self, yes: int, no: int, amount: float) -> None:
        """Turn `amount` YES + `amount` NO shares of one market back into `amount` USDC."""
        for col in (yes, no):
            self.realized[col] -= self.avg_cost[col] * amount
            self._reduce(col, amount)
        self.realized[yes] += amount
        self.cash += amount

    def convert(self, no_cols: np.ndarray, yes_cols: np.ndarray, amount: float) -> None:
        """Neg-risk conversion: `amount` NO of each market in `no_cols` become (k−1)·amount
        USDC plus `amount` YES of every other market of the event (`yes_cols`).

        The new YES shares take their current marks as cost basis; the NO basis given up,
        less the USDC and that YES value, is realized.
        """
        usdc = (len(no_cols) - 1) * amount
        for col in no_cols:
            self.realized[col] -= self.avg_cost[col] * amount
            self._reduce(int(col), amount)
        gained = 0.0
        for col in yes_cols:
            mark = self._marks[col]
            basis = 0.0 if math.isnan(mark) else float(mark)
            self._add_shares(int(col), amount, basis)
            gained += basis * amount
        if len(no_cols):
            self.realized[int(no_cols[0])] += usdc + gained
        self.cash += usdc

    def _leg_weight(self, yes: int, no: int) -> float:
        m_yes, m_no = self._marks[yes], self._marks[no]
        if math.isnan(m_yes) or math.isnan(m_no) or m_yes + m_no <= 0:
            return 0.5
        return float(m_yes / (m_yes + m_no))

    def _add_shares(self, col: int, amount: float, unit_cost: float) -> None:
        held = self.shares[col]
        total = held + amount
        self.avg_cost[col] = (held * self.avg_cost[col] + amount * unit_cost) / total
        self.shares[col] = total
        self._set_mark_if_unknown(col, unit_cost)
