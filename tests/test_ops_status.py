"""`status` and `wallet`: what they show from a deployment's files, and never a secret."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from alpha_arena.cli import main
from alpha_arena.config import Secrets, validate
from alpha_arena.config.secrets import SPECS
from alpha_arena.errors import ConfigError
from alpha_arena.metrics.schema import connect, sql_now
from alpha_arena.ops.wallet import RpcBalanceSource, address_from_key, wallet_report

KEY = "0x" + "ab" * 32
ADDRESS = "0xe239cdc5fbe977a8a141B72194D3CF8c41bC5BC6"


@pytest.fixture(autouse=True)
def _no_real_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*SPECS, "POLYMARKET_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)


def _deployment(tmp_path: Path, env: str = "") -> Path:
    state = tmp_path / "state"
    state.mkdir()
    conn = connect(str(state / "metrics.db"))
    with conn:
        conn.execute(
            "INSERT INTO decisions (run_id, timestamp, iteration, balance, equity, positions, "
            "markets, signals_generated, signals_executed, status) VALUES "
            "('run-1', ?, 42, 900.5, 1012.25, 3, 10, 2, 1, 'ok')",
            (sql_now(),),
        )
        for status in ("open", "filled", "cancelled"):
            conn.execute(
                "INSERT INTO orders (run_id, timestamp, updated_at, client_id, token_id, side, "
                "order_type, status) VALUES ('run-1', ?, ?, ?, 't', 'BUY', 'limit', ?)",
                (sql_now(), sql_now(), f"c-{status}", status),
            )
        conn.execute(
            "INSERT INTO llm_calls (timestamp, provider, model, cost_usd) "
            "VALUES (?, 'anthropic', 'm', 8.5)",
            (sql_now(),),
        )
    conn.close()
    config = tmp_path / "config.yaml"
    config.write_text(
        "llm: {chain: [openai]}\nalerts: {routes: {critical: [log]}}\n"
        "cost_limits: {daily: 10, monthly: 100, alert_threshold: 0.8}\n"
    )
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY=sk-status-secret\n{env}")
    return config


def test_status_reports_the_deployment(tmp_path: Path, capsys) -> None:
    config = _deployment(tmp_path, f"WALLET_PRIVATE_KEY={KEY}\n")
    (tmp_path / "state" / "alpha-arena.pid").write_text(f"{os.getpid()}\n")
    assert main(["status", "--config", str(config), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["running"] is True
    assert status["equity"] == 1012.25
    assert status["open_positions"] == 3
    assert status["open_orders"] == 1
    assert status["kill_switch"] == "off"
    assert status["llm_spend"]["today"] == 8.5
    assert status["llm_spend"]["over_alert_threshold"] is True
    assert status["secrets"] == {"WALLET_PRIVATE_KEY": "set", "OPENAI_API_KEY": "set"}
    (tmp_path / "state" / "KILL").write_text("manual\n")
    (tmp_path / "state" / "alpha-arena.pid").unlink()
    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "running:        no" in out
    assert "kill switch:    kill switch file" in out
    assert "equity:         1012.25 USDC (cash 900.50)" in out
    assert "ALERT: above threshold" in out
    assert "sk-status-secret" not in out
    assert "ab" * 32 not in out


def test_status_without_any_state(tmp_path: Path, capsys) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("agent: {interval: 0}\n")
    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "last decision:  none in" in out
    assert "problem(s)" in out


def test_status_falls_back_to_the_live_decision_log(tmp_path: Path, capsys) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("agent: {interval: 60}\n")
    (tmp_path / "state").mkdir()
    line = {
        "t_ns": 1,
        "iteration": 7,
        "balance": 50.0,
        "equity": 75.5,
        "positions": 2,
        "markets": 4,
        "status": "ok",
        "error": "",
        "time": "2026-11-30T18:00:00+00:00",
        "run_id": "live-9",
    }
    (tmp_path / "state" / "decisions.jsonl").write_text(
        json.dumps({**line, "iteration": 6, "equity": 70.0})
        + "\n"
        + json.dumps(line)
        + "\n"
        + '{"torn'
    )
    assert main(["status", "--config", str(config), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["equity"] == 75.5
    assert status["open_positions"] == 2
    assert status["last_decision"]["run_id"] == "live-9"
    assert status["last_decision"]["timestamp"] == "2026-11-30T18:00:00+00:00"


def _rpc(calls: list[dict]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        calls.append(body)
        if body["method"] == "eth_getBalance":
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": hex(2 * 10**18)})
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": hex(1_234_500_000)})

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_wallet_address_and_balances_through_rpc() -> None:
    assert address_from_key(KEY) == ADDRESS
    with pytest.raises(ConfigError) as info:
        address_from_key("0x1234-not-a-key")
    assert "1234-not-a-key" not in str(info.value)
    cfg, _ = validate({}, Secrets({"WALLET_PRIVATE_KEY": KEY}))
    calls: list[dict] = []
    source = RpcBalanceSource("http://rpc.test", cfg.ops.collateral_address, _rpc(calls))
    report = wallet_report(cfg, source)
    assert report["address"] == ADDRESS
    assert report["balances"] == {"POL": 2.0, "USDC": 1234.5}
    call = calls[1]["params"][0]
    assert call["to"] == cfg.ops.collateral_address
    assert call["data"] == "0x70a08231" + ADDRESS.lower()[2:].rjust(64, "0")
    assert wallet_report(cfg, None)["balances"].startswith("unavailable offline")


def test_wallet_rpc_errors_are_reported_not_raised() -> None:
    cfg, _ = validate({}, Secrets({"WALLET_PRIVATE_KEY": KEY}))
    failing = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(502)))
    report = wallet_report(
        cfg, RpcBalanceSource("http://rpc.test", cfg.ops.collateral_address, failing)
    )
    assert report["balances"] == "unavailable: polygon rpc (HTTP 502): bad status"
    bad = httpx.Client(
        transport=httpx.MockTransport(
            lambda r: httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": 7})
        )
    )
    source = RpcBalanceSource("http://rpc.test", cfg.ops.collateral_address, bad)
    report = wallet_report(cfg, source)
    assert "field 'result'" in report["balances"]


def test_wallet_cli_offline(tmp_path: Path, capsys) -> None:
    config = _deployment(tmp_path, f"WALLET_PRIVATE_KEY={KEY}\n")
    assert main(["wallet", "--config", str(config), "--offline"]) == 0
    out = capsys.readouterr().out
    assert f"address:   {ADDRESS}" in out
    assert "ab" * 32 not in out
    (tmp_path / ".env").write_text("")
    assert main(["wallet", "--config", str(config), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["address"] is None
    assert report["balances"] == "unavailable: WALLET_PRIVATE_KEY is unset"


def test_wallet_without_a_config_reads_the_environment(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WALLET_PRIVATE_KEY", KEY)
    assert main(["wallet", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["address"] == ADDRESS
