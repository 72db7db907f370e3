"""Benchmark: `ClobBroker.reconcile` at start for N markets (2N tokens) against the fake exchange.

Reconcile asks the cash balance, one balance per distinct token (the API takes one token per
call), the open orders and the trades, through the real py-clob-client-v2 over HTTP on
127.0.0.1. Reported: the whole reconcile with `balance_workers` requests in flight, and the
peer measured in the same run: the same reconcile one request at a time (what it did before).
On localhost a request costs well under a millisecond and the fake answers under one lock,
so `--rtt-ms` adds a simulated network round trip to every request (a sleep in the fake's
handler before it answers, outside its lock), as the real API's latency would.

    python benchmarks/bench_reconcile.py [--markets 100] [--workers 8] [--rtt-ms 0 50]

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from alpha_arena.brokers.clob import ClobBroker, ClobSettings
from alpha_arena.brokers.journal import OrderJournal
from tests.factories import make_dataset
from tests.fake_exchange import TEST_KEY, FakeExchange, numeric_dataset


def _time(fx: FakeExchange, data, workers: int, repeat: int, root: Path) -> tuple[float, int]:
    """Best of `repeat` reconciles (seconds) and the balance requests of one."""
    seconds = []
    for i in range(repeat):
        journal = OrderJournal(root / f"orders-{workers}-{i}.db")
        broker = ClobBroker(lambda: data, TEST_KEY, journal, ClobSettings(host=fx.url),
                            balance_workers=workers)  # fmt: skip
        fx.state.requests.clear()
        started = time.perf_counter()
        broker.reconcile()
        seconds.append(time.perf_counter() - started)
        journal.close()
    return min(seconds), fx.state.requests.count("GET /balance-allowance")


def _with_rtt(fx: FakeExchange, rtt: float) -> None:
    """Every request to `fx` waits `rtt` seconds before it is served (a network round trip)."""
    handler = fx._server.RequestHandlerClass
    serve = handler._serve

    def delayed(self, method: str) -> None:
        time.sleep(rtt)
        serve(self, method)

    handler._serve = delayed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=100)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rtt-ms", type=float, nargs="+", default=[0.0, 50.0])
    args = parser.parse_args()
    data = numeric_dataset(make_dataset(args.markets, 4, seed=1))
    for rtt in args.rtt_ms:
        with tempfile.TemporaryDirectory() as tmp, FakeExchange(data) as fx:
            _with_rtt(fx, rtt / 1000)
            fx.state.sim.portfolio.shares[:] = 1.0
            serial, calls = _time(fx, data, 1, args.repeat, Path(tmp))
            parallel, _ = _time(fx, data, args.workers, args.repeat, Path(tmp))
        print(f"reconcile, {args.markets} markets, {data.n_tokens} tokens, {calls} balance "
              f"calls, simulated round trip {rtt:g} ms")  # fmt: skip
        print(f"  {args.workers} in flight:  {parallel:.3f} s")
        print(f"  one at a time: {serial:.3f} s  (peer)")
        print(f"  ratio peer/ours: {serial / parallel:.2f}x")


if __name__ == "__main__":
    main()
