"""Fakes for LLM tests: a local HTTP server speaking the Anthropic, OpenAI(-compatible) and
Gemini wire formats, a clock that advances instead of sleeping, and a scripted provider.

The server mounts each provider on its own path prefix (`/anthropic`, `/openai/v1`,
`/xai/v1`, `/local/v1`, `/google`), so one server can play a whole fallback chain. Each
prefix answers from its own queue of `Reply`s and records the requests it received.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from alpha_arena.llm import Completion, LLMConfig, LLMRequest, Provider, ProviderError

ECHO = "<echo>"
"""A response's model field set to this is replaced by the model the request asked for."""


@dataclass
class Reply:
    """One scripted HTTP answer."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def anthropic_message(
    *,
    tool_input: dict | None = None,
    text: str | None = None,
    model: str = ECHO,
    input_tokens: int = 100,
    output_tokens: int = 20,
) -> dict:
    """A Messages API response (tool_use block when `tool_input` is given)."""
    content: list[dict] = []
    if text is not None:
        content.append({"type": "text", "text": text})
    if tool_input is not None:
        content.append(
            {"type": "tool_use", "id": "toolu_01", "name": "answer", "input": tool_input}
        )
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if tool_input is not None else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def openai_chat(
    content: str, *, model: str = ECHO, prompt_tokens: int = 100, completion_tokens: int = 20
) -> dict:
    """A chat.completion response."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def gemini_content(
    text: str, *, model: str = ECHO, prompt_tokens: int = 100, output_tokens: int = 20
) -> dict:
    """A generateContent response."""
    return {
        "candidates": [
            {
                "content": {"parts": [{"text": text}], "role": "model"},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": prompt_tokens + output_tokens,
        },
        "modelVersion": model,
    }


def error_body(prefix: str, status: int, message: str = "slow down") -> dict:
    """An error payload in the provider's documented shape."""
    if prefix == "anthropic":
        kind = {429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}.get(
            status, "invalid_request_error"
        )
        return {"type": "error", "error": {"type": kind, "message": message}}
    if prefix == "google":
        state = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}.get(status, "INVALID_ARGUMENT")
        return {"error": {"code": status, "message": message, "status": state}}
    return {"error": {"message": message, "type": "error", "code": str(status), "param": None}}


def success_body(prefix: str, answer: dict | str, **usage: int) -> dict:
    """A successful answer in the prefix's format (a dict answer is structured output)."""
    model = usage.pop("model", None)
    extra = {"model": model} if model else {}
    if prefix == "anthropic":
        if isinstance(answer, dict):
            return anthropic_message(tool_input=answer, **extra, **usage)
        return anthropic_message(text=answer, **extra, **usage)
    text = answer if isinstance(answer, str) else json.dumps(answer)
    if prefix == "google":
        return gemini_content(text, **extra, **usage)
    return openai_chat(text, **extra, **usage)


class FakeLLMServer:
    """A threaded HTTP server on 127.0.0.1 answering from per-prefix queues, then (when
    given) from `responder(prefix, request_json)`."""

    def __init__(self, responder: Callable[[str, Any], Reply] | None = None) -> None:
        self.responder = responder
        self.queues: dict[str, deque[Reply]] = defaultdict(deque)
        self.requests: dict[str, list[dict]] = defaultdict(list)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                prefix = self.path.strip("/").split("/")[0]
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"null")
                server.requests[prefix].append(
                    {"path": self.path, "headers": dict(self.headers), "json": body}
                )
                queue = server.queues[prefix]
                if queue:
                    reply = queue.popleft()
                elif server.responder is not None:
                    reply = server.responder(prefix, body)
                else:
                    reply = Reply(500, error_body(prefix, 500, "empty"))
                if reply.delay:
                    time.sleep(reply.delay)
                data = json.dumps(reply.body).encode()
                asked = (body or {}).get("model") or self.path.split("/models/")[-1].split(":")[0]
                data = data.replace(ECHO.encode(), asked.encode())
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def base_url(self, prefix: str) -> str:
        """The base URL a provider's SDK should use to reach its prefix."""
        if prefix in ("anthropic", "google"):
            return f"{self.url}/{prefix}"
        return f"{self.url}/{prefix}/v1"

    def push(self, prefix: str, *replies: Reply) -> None:
        """Queue replies for a prefix."""
        self.queues[prefix].extend(replies)

    def __enter__(self) -> FakeLLMServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def write_llm_config(path, server: FakeLLMServer):
    """An `llm:` section at `path` with one local model per tier, served by `server`."""
    path.write_text(
        "llm:\n"
        "  chain: [local]\n"
        f"  base_urls: {{local: '{server.base_url('local')}'}}\n"
        "  models: {local: {strong: fake-strong, cheap: fake-cheap}}\n"
        "  prices: {fake-strong: [1, 2], fake-cheap: [0.1, 0.2]}\n"
        "  cutoffs: {fake-strong: 2024-01-01, fake-cheap: 2024-01-01}\n"
    )
    return path


class FakeClock:
    """Time that moves only when slept on; records every sleep."""

    def __init__(self, start: datetime | None = None) -> None:
        self.t = 0.0
        self.start = start or datetime(2026, 11, 30, 12, tzinfo=UTC)
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t)


class ScriptedProvider(Provider):
    """A provider answering with `answer(request, model)` (a Completion, or raising
    ProviderError); counts its calls."""

    def __init__(
        self,
        name: str,
        answer: Callable[[LLMRequest, str], Completion],
        config: LLMConfig | None = None,
    ) -> None:
        super().__init__(config, key="scripted")
        self.name = name
        self.answer = answer
        self.calls: list[tuple[LLMRequest, str]] = []
        self._lock = threading.Lock()

    def _build(self) -> Callable[[LLMRequest, str], Completion]:
        return self.answer

    def complete(self, request: LLMRequest, model: str) -> Completion:
        with self._lock:
            self.calls.append((request, model))
        result = self.answer(request, model)
        if isinstance(result, ProviderError):
            raise result
        return result
