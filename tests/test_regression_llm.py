"""The `llm-replay` regression case: recorded answers replayed offline, and regenerated."""

from __future__ import annotations

import json
import socket
from dataclasses import replace

import pytest

from alpha_arena.backtest.regression import (
    DEFAULT_BASELINE,
    LLM_REPLAY,
    replay_params,
    run_case,
    run_suite,
)
from alpha_arena.errors import DataError
from alpha_arena.llm import CacheMissError
from tests.regression import record_llm


@pytest.fixture(scope="module")
def full_sample(sample_dir):
    from alpha_arena.data import load

    return load(sample_dir)


@pytest.fixture
def no_network(monkeypatch):
    def refuse(self, address):
        raise AssertionError(f"a replay must not connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def answers(path):
    """The recorded answers without their wall-clock latency (which differs per recording)."""
    rows = json.loads(path.read_text(encoding="utf-8"))["answers"]
    return [{**row, "response": {**row["response"], "latency_ms": None}} for row in rows]


def test_llm_case_matches_the_baseline_offline(full_sample, no_network):
    case = record_llm.llm_case()
    assert case.strategy == "llm"
    assert run_suite(full_sample, baseline=DEFAULT_BASELINE, cases=(case,)) == []
    baseline = json.loads(DEFAULT_BASELINE.read_text(encoding="utf-8"))["cases"][case.name]
    assert baseline["orders"] > 0
    assert baseline["trades"] > 0


def test_a_missing_answer_stops_the_replay(full_sample, tmp_path):
    body = json.loads(LLM_REPLAY.read_text(encoding="utf-8"))
    body["answers"] = body["answers"][1:]
    broken = tmp_path / "replay.json"
    broken.write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(CacheMissError):
        run_case(replace(record_llm.llm_case(), replay=broken), full_sample)


@pytest.mark.parametrize(
    ("text", "message"),
    [(None, "not found"), ("{oops", "not JSON"), ('{"llm": {}}', "no 'answers' list")],
)
def test_bad_replay_files_are_data_errors(tmp_path, text, message):
    path = tmp_path / "replay.json"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        replay_params(path, tmp_path)


def test_the_documented_recording_reproduces_the_committed_answers(full_sample, tmp_path):
    """`python -m tests.regression.record_llm` = `record` + this replay check."""
    out = tmp_path / "llm_replay.json"
    count, recorded = record_llm.record(full_sample, out)
    assert count == len(answers(LLM_REPLAY)) > 0
    assert answers(out) == answers(LLM_REPLAY)
    body = json.loads(out.read_text(encoding="utf-8"))
    assert "base_urls" not in body["llm"]
    assert body["about"].startswith("offline")
    assert run_case(replace(record_llm.llm_case(), replay=out), full_sample) == recorded


def test_recording_from_a_config_keeps_its_sections_without_base_urls(full_sample, tmp_path):
    from tests.llm_fakes import FakeLLMServer

    with FakeLLMServer(record_llm.offline_answer) as server:
        cfg = tmp_path / "config.yaml"
        cfg.write_text(
            "llm:\n"
            "  chain: [local]\n"
            f"  base_urls: {{local: '{server.base_url('local')}'}}\n"
            "  models: {local: {strong: my-strong, cheap: my-cheap}}\n"
            "  prices: {my-strong: [3, 6], my-cheap: [0.1, 0.2]}\n"
            "  cutoffs: {my-strong: 2024-06-01, my-cheap: 2024-06-01}\n"
            "agents:\n"
            "  max_markets: 2\n"
        )
        case = replace(record_llm.llm_case(), end="2025-01-17T06:00Z")
        out = tmp_path / "replay.json"
        count, recorded = record_llm.record(
            full_sample, out, record_llm.config_sections(str(cfg)), case
        )
        calls = len(server.requests["local"])
    body = json.loads(out.read_text(encoding="utf-8"))
    assert count == calls > 0
    assert body["about"].startswith("recorded from ['local']")
    assert body["agents"] == {"max_markets": 2}
    assert "base_urls" not in body["llm"]
    assert {row["response"]["model"] for row in body["answers"]} <= {"my-strong", "my-cheap"}
    assert run_case(replace(case, replay=out), full_sample) == recorded
