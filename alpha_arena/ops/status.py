"""What `alpha-arena status` shows: running, last decision, equity, positions, kill switch,
LLM spend against the limits. Only derived facts: never a secret, only whether one is set."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alpha_arena.metrics.reader import LLM_SPEND
from alpha_arena.ops.health import pid_alive, read_pid
from alpha_arena.risk import KillSwitch

if TYPE_CHECKING:
    from alpha_arena.config import Config

_LAST_DECISION = (
    "SELECT timestamp, run_id, iteration, balance, equity, positions, markets, status, error "
    "FROM decisions ORDER BY timestamp DESC, id DESC LIMIT 1"
)
_OPEN_ORDERS = (
    "SELECT COUNT(*) FROM orders WHERE status NOT IN "
    "('filled', 'cancelled', 'canceled', 'rejected', 'expired')"
)


def _read(db: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"last_decision": None, "open_orders": None, "llm_spend": None}
    if not db.is_file():
        return out
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute(_LAST_DECISION).fetchone()
        out["last_decision"] = dict(row) if row else None
        out["open_orders"] = int(conn.execute(_OPEN_ORDERS).fetchone()[0])
        out["llm_spend"] = dict(conn.execute(LLM_SPEND).fetchone())
    except sqlite3.Error as exc:
        out["error"] = f"{db}: {exc}"
    finally:
        conn.close()
    return out


def last_logged_decision(log: Path, tail_bytes: int = 65_536) -> dict[str, Any] | None:
    """The newest complete line of the live decision log (decisions.jsonl), if any."""
    if not log.is_file():
        return None
    with log.open("rb") as fh:
        fh.seek(max(0, log.stat().st_size - tail_bytes))
        lines = fh.read().splitlines()
    for raw in reversed(lines):
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if isinstance(record, dict) and "equity" in record:
            return {
                "timestamp": record.get("time") or record.get("timestamp"),
                **{
                    k: record.get(k)
                    for k in (
                        "run_id",
                        "iteration",
                        "balance",
                        "equity",
                        "positions",
                        "markets",
                        "status",
                        "error",
                    )
                },
            }
    return None


def to_redeem(state_dir: Path) -> list[dict[str, Any]]:
    """Live positions in resolved markets awaiting an on-chain redemption (account.db)."""
    from alpha_arena.live.resolutions import ACCOUNT_DB, read_redemptions

    db = state_dir / ACCOUNT_DB
    if not db.is_file():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [{**dataclasses.asdict(r), "usdc": r.usdc} for r in read_redemptions(conn)]
    finally:
        conn.close()


def _screen(cfg: Config) -> dict[str, Any] | None:
    """The last `markets.screen` pick the runner saved, when the config has a screen."""
    if cfg.markets.screen is None:
        return None
    from alpha_arena.live.screen import read_screen

    return read_screen(cfg.path(cfg.live.state_dir))


def collect_status(cfg: Config) -> dict[str, Any]:
    """The status as a JSON-able mapping (metrics.db first, else the decision log)."""
    pid = read_pid(cfg.path(cfg.ops.pid_file))
    db = cfg.path(cfg.ops.metrics_db)
    data = _read(db)
    last = data["last_decision"] or last_logged_decision(cfg.path(cfg.ops.decision_log))
    spend = data["llm_spend"] or {"today": 0.0, "month": 0.0}
    limits = cfg.cost_limits
    kill = KillSwitch(cfg.risk.kill_switch, cfg.kill_file).tripped()
    status: dict[str, Any] = {
        "running": pid is not None and pid_alive(pid),
        "pid": pid,
        "mode": "live (real money allowed)" if cfg.real_money else "paper (dry run)",
        "kill_switch": kill or "off",
        "metrics_db": str(db),
        "last_decision": last,
        "equity": last["equity"] if last else None,
        "open_positions": last["positions"] if last else None,
        "open_orders": data["open_orders"],
        "to_redeem": to_redeem(cfg.path(cfg.live.state_dir)),
        "screen": _screen(cfg),
        "llm_spend": {
            "today": float(spend["today"] or 0.0),
            "month": float(spend["month"] or 0.0),
            "daily_limit": limits.daily,
            "monthly_limit": limits.monthly,
            "over_alert_threshold": _over(
                spend, limits.daily, limits.monthly, limits.alert_threshold
            ),
        },
        "secrets": {k: v for k, v in cfg.public()["env"].items() if v != "unset"},
        "config_hash": cfg.fingerprint()[:12],
    }
    if "error" in data:
        status["error"] = data["error"]
    return status


def _over(spend: dict[str, Any], daily: float | None, monthly: float | None, share: float) -> bool:
    today, month = float(spend["today"] or 0.0), float(spend["month"] or 0.0)
    return bool((daily and today >= share * daily) or (monthly and month >= share * monthly))


def format_status(status: dict[str, Any]) -> str:
    """The human-readable block `alpha-arena status` prints."""
    last = status["last_decision"]
    spend = status["llm_spend"]
    running = f"yes (pid {status['pid']})" if status["running"] else "no"
    lines = [
        f"running:        {running}",
        f"mode:           {status['mode']}",
        f"kill switch:    {status['kill_switch']}",
    ]
    if last:
        lines += [
            f"last decision:  {last['timestamp']} (run {last['run_id']}, "
            f"iteration {last['iteration']}, {last['status']})",
            f"equity:         {last['equity']:.2f} USDC (cash {last['balance']:.2f})",
            f"positions:      {last['positions']} open"
            + ("" if status["open_orders"] is None else f", {status['open_orders']} open orders"),
        ]
    else:
        lines.append(f"last decision:  none in {status['metrics_db']} or the decision log")
    owed = status.get("to_redeem") or []
    if owed:
        usdc = sum(r["usdc"] for r in owed)
        lines.append(
            f"to redeem:      {len(owed)} resolved position(s) worth {usdc:.2f} USDC: redeem "
            "on-chain (CTF redeemPositions); the CLOB cannot"
        )
    screen = status.get("screen")
    if screen:
        picked = ", ".join(screen["screened"]) or "none"
        lines.append(
            f"screened:       {len(screen['screened'])} of {screen['looked_at']} open markets "
            f"at {screen['at']}: {picked}"
        )
    limit = f" of {spend['daily_limit']:.2f}" if spend["daily_limit"] else ""
    flag = "  ALERT: above threshold" if spend["over_alert_threshold"] else ""
    lines.append(
        f"llm spend:      {spend['today']:.2f}{limit} USD today, "
        f"{spend['month']:.2f} this month{flag}"
    )
    secrets = ", ".join(status["secrets"]) or "none"
    lines.append(f"secrets set:    {secrets}")
    lines.append(f"config hash:    {status['config_hash']}")
    if "error" in status:
        lines.append(f"error:          {status['error']}")
    return "\n".join(lines)
