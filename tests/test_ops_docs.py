"""docs/OPERATIONS.md: its SQL runs on the metrics.db schema; the systemd unit has what it says."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from alpha_arena.metrics.schema import connect

ROOT = Path(__file__).resolve().parents[1]


def test_every_sql_statement_in_the_manual_runs(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "OPERATIONS.md").read_text()
    blocks = re.findall(r"```sql\n(.*?)```", text, flags=re.S)
    statements = [s.strip() for b in blocks for s in b.split(";") if s.strip()]
    statements = [
        "\n".join(line for line in s.splitlines() if not line.startswith("--")) for s in statements
    ]
    assert len(statements) >= 7
    conn = connect(str(tmp_path / "metrics.db"))
    for sql in statements:
        conn.execute(sql).fetchall()
    conn.close()


def test_systemd_unit_settings() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(ROOT / "live" / "alpha-arena.service")
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) >= 30
    assert service["EnvironmentFile"].endswith("/.env")
    assert service["NoNewPrivileges"] == "true"
    assert service["ProtectSystem"] == "strict"
    assert "config check" in service["ExecStartPre"]
    assert "StartLimitBurst" in unit["Unit"]
