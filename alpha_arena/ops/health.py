"""Health checks for cron and monitoring: memory, disk, decision freshness, process, exchange.

Each check returns a `Check` with a status of `ok`, `warning` or `critical`; the overall
exit code is 0, 1 or 2 (the worst status), the Nagios/cron convention. A check never raises:
a failure to look is itself a finding.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

OK, WARNING, CRITICAL = "ok", "warning", "critical"
EXIT_CODES = {OK: 0, WARNING: 1, CRITICAL: 2}


@dataclass(frozen=True)
class Check:
    """The result of one health check."""

    name: str
    status: str
    detail: str
    value: float | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-able form for `health --json`."""
        return asdict(self)


def _by_margin(name: str, free_mb: float, minimum_mb: float, what: str) -> Check:
    detail = f"{free_mb:.0f} MB {what} free (minimum {minimum_mb:.0f} MB)"
    if free_mb < minimum_mb:
        return Check(name, CRITICAL, detail, free_mb)
    if free_mb < 2 * minimum_mb:
        return Check(name, WARNING, detail, free_mb)
    return Check(name, OK, detail, free_mb)


def available_memory_mb(meminfo: str | Path = "/proc/meminfo") -> float:
    """MemAvailable from /proc/meminfo, in MB (Linux)."""
    for line in Path(meminfo).read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    raise OSError(f"{meminfo}: no MemAvailable line")


def check_memory(minimum_mb: float, meminfo: str | Path = "/proc/meminfo") -> Check:
    """Critical below `minimum_mb` of available memory, warning below twice that."""
    try:
        free = available_memory_mb(meminfo)
    except OSError as exc:
        return Check("memory", WARNING, f"cannot read memory: {exc}")
    return _by_margin("memory", free, minimum_mb, "memory")


def check_disk(path: str | Path, minimum_mb: float) -> Check:
    """Critical below `minimum_mb` free on the filesystem holding `path`."""
    target = Path(path)
    while not target.exists() and target != target.parent:
        target = target.parent
    try:
        free = shutil.disk_usage(target).free / 2**20
    except OSError as exc:
        return Check("disk", WARNING, f"cannot stat {target}: {exc}")
    return _by_margin("disk", free, minimum_mb, f"disk at {target}")


def last_decision_time(db: str | Path | None, log: str | Path | None) -> float | None:
    """Unix time of the newest decision: metrics.db `decisions` or the log file's mtime."""
    times: list[float] = []
    if db is not None and Path(db).is_file():
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT MAX(timestamp) FROM decisions").fetchone()
        if row and row[0]:
            stamp = datetime.fromisoformat(row[0]).replace(tzinfo=UTC)
            times.append(stamp.timestamp())
    if log is not None and Path(log).is_file() and Path(log).stat().st_size > 0:
        times.append(Path(log).stat().st_mtime)
    return max(times) if times else None


def check_decisions(
    db: str | Path | None, log: str | Path | None, max_age: float, now: float | None = None
) -> Check:
    """Critical when the last decision is older than `max_age` s; warning past half of it."""
    try:
        last = last_decision_time(db, log)
    except (sqlite3.Error, ValueError) as exc:
        return Check("decisions", CRITICAL, f"cannot read the decision log: {exc}")
    if last is None:
        return Check("decisions", WARNING, "no decision logged yet")
    age = (time.time() if now is None else now) - last
    detail = f"last decision {age:.0f} s ago (limit {max_age:.0f} s)"
    if age > max_age:
        return Check("decisions", CRITICAL, detail, age)
    if age > max_age / 2:
        return Check("decisions", WARNING, detail, age)
    return Check("decisions", OK, detail, age)


def read_pid(pid_file: str | Path) -> int | None:
    """The pid in `pid_file`, or None when the file is absent or not a number."""
    try:
        return int(Path(pid_file).read_text().strip())
    except (OSError, ValueError):
        return None


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (signal 0 probe)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_process(pid_file: str | Path) -> Check:
    """Critical when the pid file is missing or names a dead process."""
    pid = read_pid(pid_file)
    if pid is None:
        return Check("process", CRITICAL, f"no pid file at {pid_file} (not running)")
    if not pid_alive(pid):
        return Check("process", CRITICAL, f"pid {pid} from {pid_file} is not running")
    return Check("process", OK, f"pid {pid} running", float(pid))


def check_exchange(url: str, timeout: float = 5.0, slow: float = 2.0) -> Check:
    """GET `url`: critical when unreachable or 5xx, warning when 4xx or slower than `slow` s."""
    import httpx

    started = time.perf_counter()
    try:
        response = httpx.get(url, timeout=timeout)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return Check("exchange", CRITICAL, f"{url} unreachable: {type(exc).__name__}")
    elapsed = time.perf_counter() - started
    detail = f"{url} answered HTTP {response.status_code} in {elapsed * 1000:.0f} ms"
    if response.status_code >= 500:
        return Check("exchange", CRITICAL, detail, elapsed)
    if response.status_code >= 400 or elapsed > slow:
        return Check("exchange", WARNING, detail, elapsed)
    return Check("exchange", OK, detail, elapsed)


def check_kill_switch(flag: bool, path: str | Path | None) -> Check:
    """Warning while the kill switch (config flag or file) stops trading."""
    from alpha_arena.risk import KillSwitch

    reason = KillSwitch(flag, path).tripped()
    if reason:
        return Check("kill_switch", WARNING, f"trading stopped: {reason}")
    return Check("kill_switch", OK, "off")


def overall(checks: Sequence[Check]) -> str:
    """The worst status among `checks` (ok when there is none)."""
    return max((c.status for c in checks), key=EXIT_CODES.__getitem__, default=OK)
