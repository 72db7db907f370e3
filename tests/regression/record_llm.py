"""Regenerate `tests/regression/llm_replay.json`, the answers the `llm-replay` case replays.

    python -m tests.regression.record_llm                    # offline, free (the default)
    python -m tests.regression.record_llm --config my.yaml   # real providers (costs money)
    python -m alpha_arena.backtest --suite regression --update-baseline

Run from the repository root. It backtests the `llm-replay` case of
`alpha_arena.backtest.regression` in record mode and saves the recorded answers with the
config they were recorded under. Offline, the answers come from a local OpenAI-compatible
server (`tests.llm_fakes.FakeLLMServer`) whose research answer moves the YES price by a
fixed amount derived from a hash of the prompt: deterministic, no network, no cost. With
`--config`, the file's `llm:` / `agents:` sections choose real providers (keys from the
environment or `.env`). Either way the answers are then replayed once and the replay's
statistics compared with the recording's before the file is trusted. Update the baseline
afterwards (third command) and commit both files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alpha_arena.backtest.regression import (
    CASES,
    LLM_REPLAY,
    METRICS,
    Case,
    case_data,
    run_case,
    write_replay,
)
from tests.llm_fakes import FakeLLMServer, Reply, openai_chat

OFFLINE_LLM: dict[str, Any] = {
    "chain": ["local"],
    "models": {"local": {"strong": "replay-strong", "cheap": "replay-cheap"}},
    "prices": {"replay-strong": [1.0, 2.0], "replay-cheap": [0.1, 0.2]},
    "cutoffs": {"replay-strong": "2024-01-01", "replay-cheap": "2024-01-01"},
}
"""The `llm:` section of an offline recording: one local model per tier, priced so the
ledger shows costs, with cutoffs before the sample so no market counts as contaminated."""


def offline_answer(prefix: str, body: dict[str, Any]) -> Reply:
    """A fixed answer per prompt: research moves the YES price by −0.06..+0.06 (hash of the
    prompt), reflection states a lesson."""
    schema = body["response_format"]["json_schema"]["schema"]
    prompt = body["messages"][-1]["content"]
    digest = int(hashlib.sha256(prompt.encode()).hexdigest()[:8], 16)
    if "lesson" in schema["properties"]:
        answer = {"lesson": "check the drift before sizing up", "importance": 0.6}
    else:
        price = float(re.search(r"YES price now: ([0-9.]+)", prompt).group(1))
        shift = (digest % 13 - 6) / 100.0
        p = round(min(0.97, max(0.03, price + shift)), 3)
        answer = {"probability": p, "confidence": 0.8, "rationale": "recorded offline"}
    return Reply(body=openai_chat(json.dumps(answer), prompt_tokens=400, completion_tokens=50))


def llm_case() -> Case:
    """The regression case that replays recorded LLM answers."""
    return next(case for case in CASES if case.replay is not None)


def record(
    data: Any, out: Path, settings: dict[str, Any] | None = None, case: Case | None = None
) -> tuple[int, dict[str, float]]:
    """Record the case's answers into `out`; returns (answers, the recording's METRICS).

    Without `settings` (a config's sections) the offline server answers.
    """
    from alpha_arena.backtest.inputs import resolve_data
    from alpha_arena.backtest.run import backtest

    case = case or llm_case()
    sample = resolve_data(data, days=None, markets=None)
    with tempfile.TemporaryDirectory(prefix="alpha-arena-record-") as folder:
        cache = Path(folder) / "llm_cache.db"

        def run(sections: dict[str, Any]) -> dict[str, float]:
            import yaml

            config = Path(folder) / "config.yaml"
            config.write_text(yaml.safe_dump(sections), encoding="utf-8")
            params = {
                **case.params,
                "config": str(config),
                "cache_mode": "record",
                "cache_path": str(cache),
                "ledger_path": str(Path(folder) / "ledger.db"),
            }
            result = backtest(case.strategy, case_data(case, sample), params=params, seed=0)
            return {name: float(result.stats[name]) for name in METRICS}

        if settings is None:
            with FakeLLMServer(offline_answer) as server:
                llm = {**OFFLINE_LLM, "base_urls": {"local": server.base_url("local")}}
                settings = {"llm": llm, "agents": {}}
                stats = run(settings)
            about = "offline: tests/regression/record_llm.py's fake server (hash of the prompt)"
        else:
            stats = run(settings)
            chain = settings.get("llm", {}).get("chain", "the default chain")
            about = f"recorded from {chain} on {datetime.now(UTC):%Y-%m-%d}"
        answers = write_replay(out, settings, cache, about)
    return answers, stats


def config_sections(path: str) -> dict[str, Any]:
    """The `llm:` and `agents:` sections of a config file (the rest is not recorded)."""
    import yaml

    from alpha_arena.config import read_config

    _, problems = read_config(path)
    problems.within("config", "llm", "agents").raise_if_any(path)
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {"llm": raw.get("llm") or {}, "agents": raw.get("agents") or {}}


def main(argv: list[str] | None = None) -> int:
    from alpha_arena.backtest.inputs import resolve_data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="", help="record from this config's providers")
    parser.add_argument("--data", default="sample", help="the sample (default) or a store")
    parser.add_argument("--out", type=Path, default=LLM_REPLAY, help="the replay file")
    args = parser.parse_args(argv)
    settings = config_sections(args.config) if args.config else None
    sample = resolve_data(args.data, days=None, markets=None)
    answers, recorded = record(sample, args.out, settings)
    replayed = run_case(replace(llm_case(), replay=args.out), sample)
    if replayed != recorded:
        print(f"record_llm: the replay differs: {recorded} vs {replayed}", file=sys.stderr)
        return 1
    print(f"record_llm: {answers} answers written to {args.out}; the replay matches")
    print("next: python -m alpha_arena.backtest --suite regression --update-baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
