"""`PaperBroker`: paper trading on live data, filled by the simulator's rules, and its store.

It is a `SimBroker` that follows the live feed's rolling dataset (`SimBroker.observe`)
before every submit and advance, so a paper run fills (and settles resolutions) exactly as
a backtest of the same recorded data would. Nothing is sent anywhere.

The account survives restarts: `PaperStore` keeps one `SimBroker.snapshot()` of it (cash,
positions, average costs, realized PnL, fees, reservations, marks, open orders, and the
fills and order updates not yet reported to the engine; the format is owned and documented
by `alpha_arena.sim.snapshot`) in the runner's `account.db` (SQLite, WAL, synchronous=FULL).
The runner saves it once per cycle in one statement, so after a `kill -9` the store holds
the account as it was at the last cycle boundary, and a restart continues from there instead
of from `paper_cash`. The liquidity already taken and the rows already crossed against
resting orders are kept by time, so they only matter where a restarted feed sees the same
rows again. A kill after a cycle reported its fills but before it was saved reports them
again after the restart (at least once, never lost); the account itself is never booked
twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alpha_arena.brokers.statedb import open_state_db
from alpha_arena.data import Dataset
from alpha_arena.errors import ConfigError, DataError
from alpha_arena.sim import SimBroker, SimConfig
from alpha_arena.sim.portfolio import Portfolio
from alpha_arena.sim.snapshot import UnknownTokensError
from alpha_arena.types import BrokerEvents, Order


class PaperBroker:
    """The engine's `Broker` for dry runs: `dataset()` is the data known now."""

    def __init__(
        self, dataset: Callable[[], Dataset], cash: float, config: SimConfig | None = None
    ) -> None:
        self._dataset = dataset
        self.sim = SimBroker(dataset(), cash, config)

    @property
    def portfolio(self) -> Portfolio:
        """The paper account."""
        return self.sim.portfolio

    def submit(self, order: Order, now_ns: int) -> Order:
        """Check and match the order against the latest live data."""
        self.sim.observe(self._dataset())
        return self.sim.submit(order, now_ns)

    def cancel(self, client_id: str, now_ns: int) -> bool:
        """Cancel one open paper order."""
        return self.sim.cancel(client_id, now_ns)

    def cancel_all(self, now_ns: int, token_id: str | None = None) -> int:
        """Cancel every open paper order (of one token if given)."""
        return self.sim.cancel_all(now_ns, token_id)

    def open_orders(self) -> list[Order]:
        """Paper orders pending or resting."""
        return self.sim.open_orders()

    def advance(self, now_ns: int) -> BrokerEvents:
        """Match resting orders, settle resolved markets, with the data that arrived."""
        self.sim.observe(self._dataset())
        return self.sim.advance(now_ns)

    # ----- persistence -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The account and open orders as a JSON-able mapping (`SimBroker.snapshot()`)."""
        return self.sim.snapshot()

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from a `snapshot()`: tokens are matched by id, so markets may be added to
        the config; a position or order on a token no longer configured is a ConfigError,
        a damaged snapshot a DataError naming the field (`SimBroker.restore`)."""
        try:
            self.sim = SimBroker.restore(state, self._dataset(), self.sim.config)
        except UnknownTokensError as exc:
            raise ConfigError(
                f"markets: the saved paper account holds {exc.tokens[:5]} which the config "
                "no longer trades; add the markets back or start over with --reset-paper"
            ) from exc


_SCHEMA = """
CREATE TABLE IF NOT EXISTS paper_account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    run_id TEXT NOT NULL,
    cycle INTEGER NOT NULL,
    saved_ns INTEGER NOT NULL,
    state TEXT NOT NULL
);
"""


class PaperStore:
    """The paper account's row in `<state_dir>/account.db` (created if absent)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = open_state_db(self.path, _SCHEMA, "paper account")

    def save(self, state: dict[str, Any], run_id: str, cycle: int) -> None:
        """Replace the saved account by `state` (one atomic, durable statement)."""
        self._db.execute(
            "INSERT OR REPLACE INTO paper_account (id, run_id, cycle, saved_ns, state)"
            " VALUES (1, ?, ?, ?, ?)",
            (run_id, int(cycle), time.time_ns(), json.dumps(state)),
        )

    def load(self) -> dict[str, Any] | None:
        """The saved account, or None when there is none."""
        row = self._db.execute("SELECT state FROM paper_account WHERE id = 1").fetchone()
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError as exc:
            raise DataError(f"paper account {self.path}: unreadable snapshot ({exc})") from exc

    def saved_at(self) -> tuple[str, int] | None:
        """(run id, cycle) of the saved account, if any."""
        row = self._db.execute("SELECT run_id, cycle FROM paper_account WHERE id = 1").fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def clear(self) -> None:
        """Forget the saved account (`--reset-paper`)."""
        self._db.execute("DELETE FROM paper_account")

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()
