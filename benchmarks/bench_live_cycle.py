"""Benchmark: the live runner's cycle time for N markets (target < 1 s for 100, no LLM).

The paper runner polls the fake exchange (tests/fake_exchange.py, real HTTP on 127.0.0.1:
Gamma markets once, then `/time`, `/midpoints`, `/books` every cycle), grows its Dataset
and steps the engine with the momentum strategy. Reported: the mean and worst whole cycle
(poll + step) and the engine step alone; the peer is the same strategy stepping over the
same data in a backtest (HistoricalFeed + SimBroker), measured in the same run. Then the
same run with the books from the fake market WebSocket (`live.ws_url`: one PING/PONG a
cycle instead of `POST /books`), against the REST cycle of the same run; the two kinds of
run alternate `--repeats` times and the medians are compared.

    python benchmarks/bench_live_cycle.py [--markets 100] [--cycles 60] [--repeats 3]

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from alpha_arena.backtest.inputs import resolve_strategy
from alpha_arena.engine import Engine, HistoricalFeed
from alpha_arena.live.runner import LiveRunner
from alpha_arena.live.settings import LiveSettings
from alpha_arena.sim import SimBroker, SimConfig
from tests.factories import make_dataset
from tests.fake_exchange import FakeExchange, FakeMarketStream, numeric_dataset

PARAMS = {"fast": 3, "slow": 10, "threshold": 0.05, "stake": 20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=100)
    parser.add_argument("--cycles", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3, help="runs per books source")
    args = parser.parse_args()
    full = make_dataset(args.markets + 2, args.cycles + 1, seed=1)
    data = numeric_dataset(full.select([f"m{i}" for i in range(2, args.markets + 2)]))

    started = time.perf_counter()
    sim = SimBroker(data, 10_000.0, SimConfig(latency_ms=0.0))
    Engine(HistoricalFeed(data), resolve_strategy("momentum", PARAMS, 0), sim).run()
    backtest_step = (time.perf_counter() - started) / data.n_times

    rest_runs, ws_runs = [], []
    for _ in range(args.repeats):  # interleaved, so both see the same machine load
        rest_runs.append(_live(data, args.cycles, ws=False))
        ws_runs.append(_live(data, args.cycles, ws=True))
    whole = statistics.median(r[0] for r in rest_runs)
    ws_whole = statistics.median(r[0] for r in ws_runs)
    summary, ws_summary = rest_runs[0][1], ws_runs[0][1]
    steps = summary.cycle_seconds[1:]  # the first step compiles the strategy's kernels
    print(f"markets {args.markets}, cycles {summary.cycles}, orders {summary.orders}")
    print(f"live cycle (poll + step), mean      {whole * 1000:8.1f} ms (median of runs)")
    print(f"live engine step, median / max      {statistics.median(steps) * 1000:8.1f} ms"
          f" / {max(steps) * 1000:.1f} ms")  # fmt: skip
    print(f"backtest step (peer, same data)     {backtest_step * 1000:8.1f} ms")
    print(f"live step / backtest step           {statistics.median(steps) / backtest_step:8.1f}x")
    print(f"WebSocket books: cycles {ws_summary.cycles}, orders {ws_summary.orders}")
    print(f"live cycle over the WebSocket, mean {ws_whole * 1000:8.1f} ms")
    print(f"WebSocket cycle / REST cycle        {ws_whole / whole:8.2f}x")


def _live(data, cycles: int, ws: bool) -> tuple[float, Any]:
    """Mean whole-cycle seconds of a paper run over the fake exchange (books by REST or WS)."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeExchange(data) as fx,
        FakeMarketStream(fx) as stream,
    ):
        fx.state.auto_step = True
        config = {
            "markets": list(data.markets.index),
            "live": {"clock": "server", "stale_after": 50, "clob_url": fx.url,
                     "gamma_url": fx.url, "state_dir": str(Path(tmp) / "state")},
        }  # fmt: skip
        if ws:
            config["live"]["ws_url"] = stream.url
        runner = LiveRunner(
            LiveSettings.from_mapping(config),
            resolve_strategy("momentum", PARAMS, 0),
            interval=0,
        )
        began = time.perf_counter()
        summary = runner.run(max_cycles=cycles)
        return (time.perf_counter() - began) / summary.cycles, summary


if __name__ == "__main__":
    main()
