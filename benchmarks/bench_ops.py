"""Benchmark: the operations paths a live deployment runs every cycle or every night.

1. Metrics: `MetricsRegistry.inc` calls/s, and one HTTP scrape of the exporter (ms).
2. Backup: `alpha-arena backup`'s SQLite online backup + integrity check + sha256 of a
   metrics.db of N decision rows, against a plain `shutil.copy2` of the same file (the
   peer: fast, but not consistent while the runner writes); then the verified restore.

    python benchmarks/bench_ops.py [--rows 200000]

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import httpx

from alpha_arena.metrics.schema import connect
from alpha_arena.ops.backup import backup, restore
from alpha_arena.ops.prometheus import MetricsExporter, MetricsRegistry


def bench_metrics(n: int = 100_000, scrapes: int = 200) -> None:
    registry = MetricsRegistry()
    started = time.perf_counter()
    for _ in range(n):
        registry.inc("harness_orders_total", status="filled")
    rate = n / (time.perf_counter() - started)
    with MetricsExporter(registry, "127.0.0.1", 0) as exporter, httpx.Client() as client:
        client.get(exporter.url)
        started = time.perf_counter()
        for _ in range(scrapes):
            client.get(exporter.url)
        scrape_ms = (time.perf_counter() - started) / scrapes * 1000
    print(f"registry.inc: {rate:,.0f} calls/s; scrape: {scrape_ms:.2f} ms")


def bench_backup(rows: int) -> None:
    folder = Path(tempfile.mkdtemp())
    db = folder / "metrics.db"
    conn = connect(str(db))
    with conn:
        conn.executemany(
            "INSERT INTO decisions (run_id, timestamp, iteration, balance, equity, positions, "
            "markets, signals_generated, signals_executed, status, error) VALUES "
            "('r', '2026-01-01 00:00:00.000', ?, 1, 1, 1, 1, 1, 1, 'ok', ?)",
            [(i, "x" * 200) for i in range(rows)],
        )
    size_mb = db.stat().st_size / 1e6
    started = time.perf_counter()
    shutil.copy2(db, folder / "plain-copy.db")
    copy_s = time.perf_counter() - started
    started = time.perf_counter()
    result = backup({"metrics.db": db}, {}, folder / "backups")
    backup_s = time.perf_counter() - started
    conn.close()
    started = time.perf_counter()
    restore(result.path)
    restore_s = time.perf_counter() - started
    print(
        f"metrics.db {size_mb:.1f} MB: backup {backup_s:.2f} s (online API + integrity + "
        f"sha256) vs plain copy {copy_s:.2f} s (ratio {backup_s / copy_s:.1f}x); "
        f"verified restore {restore_s:.2f} s"
    )
    shutil.rmtree(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    bench_metrics()
    bench_backup(args.rows)


if __name__ == "__main__":
    main()
