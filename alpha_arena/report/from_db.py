"""A `ReportInput` from a run's metrics.db: tear sheets of live runs and of past backtests.

metrics.db keeps the equity path (`pnl_snapshots`, with capital locked when the logger was
attached to the portfolio), every fill and settlement, and the final stats on the `runs`
row. It does not keep per-token marks, so PnL by market covers CLOSED positions only
(tokens whose fills and settlements net to zero shares): their PnL is exact, open
positions are left out, and the bars are labelled "closed <token>". Price charts need
the dataset and are not drawn.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from alpha_arena.errors import DataError
from alpha_arena.metrics.reader import find_db, query
from alpha_arena.report.inputs import ReportInput

FLAT_SHARES = 1e-9
"""A token whose net shares are below this is closed."""

_SNAPSHOTS = (
    "SELECT timestamp, equity, positions_value, locked FROM pnl_snapshots "
    "WHERE run_id = ? ORDER BY timestamp, id"
)
_FILLS = (
    "SELECT timestamp AS time, token_id, side, price, size, fee_usdc, fee_shares, cash_delta "
    "FROM fills WHERE run_id = ? ORDER BY id"
)
_SETTLEMENTS = "SELECT token_id, shares, cash FROM settlements WHERE run_id = ?"


def db_report_input(path: str | Path, run_id: str | None = None) -> ReportInput:
    """The newest run (or `run_id`) of a metrics.db, a run folder or a reports folder."""
    db = find_db(path)
    where, params = ("WHERE run_id = ?", (run_id,)) if run_id else ("", ())
    runs = query(db, f"SELECT run_id, strategy, stats FROM runs {where} "
                     "ORDER BY timestamp DESC LIMIT 1", params)  # fmt: skip
    if runs.empty:
        raise DataError(f"{db}: no run {run_id!r}" if run_id else f"{db}: no run recorded")
    run = runs.iloc[0]
    rid = (str(run["run_id"]),)
    snaps = query(db, _SNAPSHOTS, rid)
    if snaps.empty:
        raise DataError(f"{db}: run {rid[0]!r} has no pnl_snapshots yet")
    index = pd.DatetimeIndex(pd.to_datetime(snaps["timestamp"], utc=True), name="time")
    fills = query(db, _FILLS, rid)
    settled = query(db, _SETTLEMENTS, rid)
    stats = json.loads(run["stats"]) if run["stats"] else {}
    return ReportInput(
        equity=pd.Series(snaps["equity"].to_numpy(), index=index, name="equity"),
        title=f"{run['strategy']} {rid[0]}".strip(),
        positions_value=pd.Series(snaps["positions_value"].to_numpy(), index=index),
        locked=pd.Series(snaps["locked"].to_numpy(), index=index),
        pnl=closed_pnl(fills, settled),
        trades=fills.assign(time=pd.to_datetime(fills["time"], utc=True)),
        stats=stats,
    )


def closed_pnl(fills: pd.DataFrame, settlements: pd.DataFrame) -> pd.DataFrame:
    """PnL of each closed token (cash from fills and settlements); `market_id` = token."""
    buys = fills["side"].str.upper() == "BUY"
    shares = np.where(buys, fills["size"] - fills["fee_shares"], -fills["size"])
    net = pd.Series(shares, index=fills["token_id"]).groupby(level=0).sum()
    net = net.sub(settlements.groupby("token_id")["shares"].sum(), fill_value=0.0)
    cash = fills.groupby("token_id")["cash_delta"].sum()
    cash = cash.add(settlements.groupby("token_id")["cash"].sum(), fill_value=0.0)
    closed = net.index[net.abs() < FLAT_SHARES]
    table = cash.loc[closed].rename("pnl").rename_axis("token_id").reset_index()
    table["market_id"] = table["token_id"]
    table["market"] = "closed " + table["token_id"]
    return table
