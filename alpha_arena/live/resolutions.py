"""Market resolutions in the live runner: watch Gamma, settle paper, list CLOB redemptions.

The live feed knows a market's end date but never learns that it resolved. Every `every`
cycles `ResolutionWatcher.check` asks Gamma `/markets?closed=true` about the configured
markets not yet resolved (one request per `IDS_PER_REQUEST` markets) and parses each answer with the
same `parse_market` the downloader uses: a market is resolved when `closed` is true and
`umaResolutionStatus` is `"resolved"`; `outcomePrices` names the winner (1/0) or a void
(0.5/0.5); `closedTime` (else `endDate`) is the resolution time. A malformed field is a
`SchemaError` naming its path.

What the runner does with a resolution:
- `overlay(dataset)` writes the known resolutions into the dataset's markets table, so the
  paper broker's `SimBroker` settles positions 1/0/0.5 at the resolution time through its
  own settlement path, exactly as a backtest of the same data does (the strategy's
  `on_resolution` and the settlement row in metrics.db follow from the engine).
- `resolved_tokens()` lets the broker guard refuse new orders on resolved markets, and the
  runner cancels the open orders on them.
- `RedemptionLedger` records a live (CLOB) position in a resolved market as "to redeem":
  the CLOB cannot pay it out, an on-chain CTF `redeemPositions` call does. Nothing here
  pretends to redeem; `alpha-arena status` lists the rows and the runner raises an alert.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alpha_arena.brokers.statedb import open_state_db
from alpha_arena.data import Dataset
from alpha_arena.data.polymarket import PolymarketClient
from alpha_arena.errors import ValidationError
from alpha_arena.timeutil import to_ns
from alpha_arena.types import Resolution, ResolutionState

IDS_PER_REQUEST = 50
"""Condition ids per Gamma request: 50 × 66 characters keeps the URL under 4 KB (servers
commonly refuse request lines over 8 KB)."""
ACCOUNT_DB = "account.db"
"""The runner's account state file in `state_dir` (paper account, redemptions)."""


class ResolutionWatcher:
    """Learns which of `markets` (condition ids) resolved, asking Gamma every `every` cycles."""

    def __init__(self, client: PolymarketClient, markets: Iterable[str], every: int) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValidationError("live.resolve_every", "a number of cycles >= 1", every)
        self.client = client
        self.markets = list(dict.fromkeys(markets))
        self.every = every
        self.resolved: dict[str, Resolution] = {}
        self.checks = 0
        self._failed = False
        self._overlaid: tuple[int, int, Dataset] | None = None
        self._tokens: tuple[int, set[str]] = (0, set())

    def check(self, cycle: int) -> dict[str, Resolution]:
        """On every `every`-th cycle (the first included, and the next one after a failed
        check), the markets newly found resolved."""
        pending = [m for m in self.markets if m not in self.resolved]
        if (cycle % self.every and not self._failed) or not pending:
            return {}
        self.checks += 1
        self._failed = True
        found = [
            market
            for i in range(0, len(pending), IDS_PER_REQUEST)
            for market in self.client.markets(
                condition_ids=pending[i : i + IDS_PER_REQUEST], closed=True
            )
        ]
        new = {
            m.condition_id: m.resolution
            for m in found
            if m.condition_id in pending and m.resolution.state is not ResolutionState.UNRESOLVED
        }
        self._failed = False
        self.resolved.update(new)
        return new

    def resolved_tokens(self, dataset: Dataset) -> set[str]:
        """Token ids of the resolved markets (no new orders on them)."""
        if self._tokens[0] != len(self.resolved):
            tokens = dataset.tokens
            chosen = tokens.index[tokens["market_id"].isin(list(self.resolved))]
            self._tokens = (len(self.resolved), {str(t) for t in chosen})
        return self._tokens[1]

    def overlay(self, dataset: Dataset) -> Dataset:
        """`dataset` with the known resolutions in its markets table (cached per dataset)."""
        if not self.resolved:
            return dataset
        key = (id(dataset), len(self.resolved))
        if self._overlaid is not None and self._overlaid[:2] == key:
            return self._overlaid[2]
        out = with_resolutions(dataset, self.resolved)
        self._overlaid = (*key, out)
        return out


def with_resolutions(dataset: Dataset, resolved: dict[str, Resolution]) -> Dataset:
    """A copy of `dataset` whose markets carry these resolutions (state, winner, time)."""
    markets = dataset.markets.copy()
    unknown = [cid for cid in resolved if cid not in markets.index]
    if unknown:
        raise ValidationError("resolved", "condition ids of the dataset", unknown[:5])
    for cid, resolution in resolved.items():
        markets.loc[cid, "resolution_state"] = resolution.state.value
        markets.loc[cid, "winning_outcome"] = resolution.winning_outcome
        markets.loc[cid, "resolved_at"] = pd.Timestamp(to_ns(resolution.time), tz="UTC")
    return dataclasses.replace(dataset, markets=markets)


@dataclass(frozen=True, slots=True)
class Redemption:
    """A live position in a resolved market, waiting for an on-chain CTF redemption."""

    condition_id: str
    token_id: str
    shares: float
    payout: float
    state: str
    resolved_ns: int

    @property
    def usdc(self) -> float:
        """What redeeming it pays: shares × payout."""
        return self.shares * self.payout


def redemptions(dataset: Dataset, shares: np.ndarray, resolved: Iterable[str]) -> list[Redemption]:
    """The paying positions (`shares` per token column, payout > 0) in the `resolved` markets
    of `dataset` (which must carry their resolutions: see `with_resolutions`)."""
    wanted = set(resolved)
    payout, when = dataset.payout, dataset.resolve_ns
    market_ids = dataset.tokens["market_id"].to_numpy(dtype=object)
    states = dataset.markets["resolution_state"].to_numpy(dtype=object)[dataset.token_market]
    return [
        Redemption(
            str(market_ids[c]),
            str(dataset.token_ids[c]),
            float(shares[c]),
            float(payout[c]),
            str(states[c]),
            int(when[c]),
        )
        for c in np.flatnonzero((shares > 0) & (payout > 0))
        if market_ids[c] in wanted
    ]


_LEDGER = """
CREATE TABLE IF NOT EXISTS to_redeem (
    token_id TEXT PRIMARY KEY,
    condition_id TEXT NOT NULL,
    shares REAL NOT NULL,
    payout REAL NOT NULL,
    state TEXT NOT NULL,
    resolved_ns INTEGER NOT NULL,
    recorded_ns INTEGER NOT NULL
);
"""


class RedemptionLedger:
    """The `to_redeem` table of `<state_dir>/account.db` (WAL): live positions awaiting an
    on-chain redemption. Rows are kept until the operator redeems; recording is idempotent."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = open_state_db(self.path, _LEDGER, "redemption ledger")

    def record(self, markets: Iterable[str], items: Iterable[Redemption]) -> None:
        """Set the positions to redeem in these resolved `markets` to `items` (one
        transaction): a restart after an on-chain redemption (balance 0) drops the row."""
        self._db.execute("BEGIN IMMEDIATE")
        self._db.executemany(
            "DELETE FROM to_redeem WHERE condition_id = ?", [(m,) for m in markets]
        )
        self._db.executemany(
            "INSERT OR REPLACE INTO to_redeem (token_id, condition_id, shares, payout, state,"
            " resolved_ns, recorded_ns) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(r.token_id, r.condition_id, r.shares, r.payout, r.state, r.resolved_ns,
              time.time_ns()) for r in items],
        )  # fmt: skip
        self._db.execute("COMMIT")

    def pending(self) -> list[Redemption]:
        """Every position recorded as to redeem, oldest resolution first."""
        return read_redemptions(self._db)

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()


def read_redemptions(db: sqlite3.Connection) -> list[Redemption]:
    """The `to_redeem` rows of an open account database (empty if the table is absent)."""
    try:
        rows = db.execute(
            "SELECT condition_id, token_id, shares, payout, state, resolved_ns FROM to_redeem"
            " ORDER BY resolved_ns, token_id"
        ).fetchall()
    except sqlite3.OperationalError:
        return []
    return [Redemption(*row) for row in rows]
