"""Benchmark: what the LLM router adds to a call, and what replay saves.

1. Router overhead: `LLMRouter.complete` (cache off: rate limiter, breaker, schema
   validation, ledger row) over a provider that answers instantly, against calling that
   provider and `json.loads` directly: the bookkeeping cost per call.
2. Replay: a cache hit (SQLite lookup + ledger row) against the same direct call.
3. Through the real SDK: the OpenAI SDK against the local fake server, router vs direct.

    python benchmarks/bench_llm_router.py [--calls 2000]

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import time

from alpha_arena.llm import (
    Completion,
    LLMConfig,
    LLMRequest,
    LLMRouter,
    OpenAIProvider,
    ResponseCache,
)
from tests.llm_fakes import FakeLLMServer, Reply, openai_chat

SCHEMA = {
    "type": "object",
    "properties": {"probability": {"type": "number", "minimum": 0, "maximum": 1}},
    "required": ["probability"],
}
ANSWER = json.dumps({"probability": 0.5})
CONFIG = LLMConfig(
    chain=("local",),
    models={"local": {"strong": "bench"}},
    prices={"bench": (1.0, 2.0)},
    base_urls={"local": None},
)


class Instant:
    name = "local"

    def unavailable_reason(self) -> str:
        return ""

    def complete(self, request: LLMRequest, model: str) -> Completion:
        return Completion(ANSWER, None, 100, 10, model)


def requests(n: int) -> list[LLMRequest]:
    return [
        LLMRequest(({"role": "user", "content": f"question {i}"},), SCHEMA, "research")
        for i in range(n)
    ]


def timed(fn, items) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    n = parser.parse_args().calls
    asked = requests(n)
    provider = Instant()

    def direct(r):
        return json.loads(provider.complete(r, "bench").text)

    base = timed(direct, asked)
    router = LLMRouter(CONFIG, {"local": provider})
    routed = timed(router.complete, asked)
    print(f"direct call + json.loads : {base / n * 1e6:8.1f} us/call")
    print(f"router (cache off)       : {routed / n * 1e6:8.1f} us/call  ({routed / base:.1f}x)")

    cached = LLMRouter(CONFIG, {"local": provider}, cache=ResponseCache(":memory:", "record"))
    timed(cached.complete, asked)
    cached.cache.mode = "replay"
    replay = timed(cached.complete, asked)
    print(f"router replay (hit)      : {replay / n * 1e6:8.1f} us/call  ({replay / base:.1f}x)")

    m = min(n, 200)
    with FakeLLMServer() as server:
        config = LLMConfig(
            chain=("openai",),
            models={"openai": {"strong": "bench"}},
            prices={"bench": (1.0, 2.0)},
            base_urls={"openai": server.base_url("openai")},
        )
        sdk = OpenAIProvider(config, key="sk-bench")
        sdk_router = LLMRouter(config, {"openai": sdk})
        server.push("openai", Reply(body=openai_chat(ANSWER)))
        sdk_router.complete(asked[0])  # warm up: client construction, connection
        direct_runs, routed_runs = [], []
        for _ in range(2):  # alternate so neither side gets the warmer server
            server.push("openai", *[Reply(body=openai_chat(ANSWER)) for _ in range(2 * m)])
            direct_runs.append(
                timed(lambda r: json.loads(sdk.complete(r, "bench").text), asked[:m])
            )
            routed_runs.append(timed(sdk_router.complete, asked[:m]))
        sdk_direct, sdk_routed = min(direct_runs), min(routed_runs)
    print(f"OpenAI SDK direct (HTTP) : {sdk_direct / m * 1e3:8.2f} ms/call")
    print(
        f"OpenAI SDK via router    : {sdk_routed / m * 1e3:8.2f} ms/call  "
        f"({sdk_routed / sdk_direct:.2f}x)"
    )


if __name__ == "__main__":
    main()
