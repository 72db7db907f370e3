"""Providers on the official SDKs: Anthropic, OpenAI, Google, xAI and local OpenAI-compatible.

Each turns an `LLMRequest` into a `Completion` through the SDK's real HTTP code path and
maps every SDK failure to a `ProviderError` kind the router acts on. SDK retries are off
(`max_retries=0`, no retry options) so the router's retries, which honour Retry-After and
an injectable clock, are the only ones. SDKs are imported when a client is first built.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from alpha_arena.llm.config import KEY_ENV, LLMConfig, api_key
from alpha_arena.llm.types import Completion, LLMRequest, ProviderError

TOOL_NAME = "answer"


def retry_after_seconds(
    headers: Mapping[str, str] | None, now: float | None = None
) -> float | None:
    """Seconds to wait from `retry-after-ms` / `Retry-After` (seconds or an HTTP date)."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    import time

    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _status_kind(status: int) -> str:
    if status == 429:
        return "rate_limit"
    if status >= 500:
        return "server"
    if status in (401, 403):
        return "auth"
    return "bad_request"


class Provider(ABC):
    """Base: a named provider with a key, an optional base URL and an injectable HTTP client.

    Subclasses build their SDK client in `_build` and make one call in `complete`.
    """

    name = ""

    def __init__(
        self,
        config: LLMConfig | None = None,
        *,
        key: str | None = None,
        base_url: str | None = None,
        http_client: Any = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config or LLMConfig()
        self.key = key if key is not None else api_key(self.name, env)
        self.base_url = base_url or self.config.base_urls.get(self.name)
        self.http_client = http_client
        self._client: Any = None

    def unavailable_reason(self) -> str:
        """Why this provider cannot be used now ("" when it can)."""
        if not self.key:
            return f"no API key ({' or '.join(KEY_ENV[self.name])} not set in env or .env)"
        return ""

    @property
    def client(self) -> Any:
        """The SDK client, built on first use."""
        if self._client is None:
            reason = self.unavailable_reason()
            if reason:
                raise ProviderError("unavailable", reason)
            self._client = self._build()
        return self._client

    @abstractmethod
    def _build(self) -> Any:
        """The SDK client (called once, when the provider is available)."""

    @abstractmethod
    def complete(self, request: LLMRequest, model: str) -> Completion:
        """One call, no retries; raises ProviderError with the failure kind."""


def _map_openai_style(exc: Exception, sdk: Any) -> ProviderError:
    """Anthropic and OpenAI share the Stainless error hierarchy."""
    if isinstance(exc, sdk.APITimeoutError):
        return ProviderError("timeout", str(exc))
    if isinstance(exc, sdk.APIConnectionError):
        return ProviderError("connection", str(exc))
    if isinstance(exc, sdk.APIStatusError):
        status = exc.status_code
        kind = "server" if status == 529 else _status_kind(status)
        return ProviderError(
            kind, f"HTTP {status}: {exc.message}", retry_after_seconds(exc.response.headers)
        )
    return ProviderError("malformed", f"{type(exc).__name__}: {exc}")


class AnthropicProvider(Provider):
    """Claude through the Messages API; structured output by forcing a tool call.

    The SDK's Messages API no longer takes `temperature` (current Claude models fix their
    sampling), so the request's temperature only keys the cache here.
    """

    name = "anthropic"

    def _build(self) -> Any:
        import anthropic

        return anthropic.Anthropic(
            api_key=self.key,
            base_url=self.base_url,
            max_retries=0,
            timeout=self.config.timeout_s,
            http_client=self.http_client,
        )

    def complete(self, request: LLMRequest, model: str) -> Completion:
        import anthropic

        client = self.client
        kwargs: dict[str, Any] = {
            "model": model,
            "max_tokens": request.max_tokens,
            "messages": request.chat,
        }
        if request.system:
            kwargs["system"] = request.system
        if request.schema is not None:
            kwargs["tools"] = [
                {
                    "name": TOOL_NAME,
                    "description": "Give the answer in the required structure.",
                    "input_schema": request.schema,
                }
            ]
            kwargs["tool_choice"] = {"type": "tool", "name": TOOL_NAME}
        try:
            message = client.messages.create(**kwargs)
        except anthropic.APIError as exc:
            raise _map_openai_style(exc, anthropic) from exc
        texts, output = [], None
        for block in message.content:
            if block.type == "tool_use" and block.name == TOOL_NAME:
                output = block.input
            elif block.type == "text":
                texts.append(block.text)
        text = json.dumps(output, sort_keys=True) if output is not None else "".join(texts)
        usage = message.usage
        input_tokens = (
            usage.input_tokens
            + (getattr(usage, "cache_creation_input_tokens", None) or 0)
            + (getattr(usage, "cache_read_input_tokens", None) or 0)
        )
        return Completion(text, output, input_tokens, usage.output_tokens, message.model)


class OpenAIProvider(Provider):
    """OpenAI chat completions with `response_format` json_schema."""

    name = "openai"
    max_tokens_field = "max_completion_tokens"

    def _build(self) -> Any:
        import openai

        return openai.OpenAI(
            api_key=self.key,
            base_url=self.base_url,
            max_retries=0,
            timeout=self.config.timeout_s,
            http_client=self.http_client,
        )

    def complete(self, request: LLMRequest, model: str) -> Completion:
        import openai

        client = self.client
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": list(request.messages),
            "temperature": request.temperature,
            self.max_tokens_field: request.max_tokens,
        }
        if request.schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": TOOL_NAME, "schema": request.schema},
            }
        try:
            result = client.chat.completions.create(**kwargs)
        except openai.APIError as exc:
            raise _map_openai_style(exc, openai) from exc
        if not result.choices:
            raise ProviderError("malformed", "response has no choices")
        message = result.choices[0].message
        if getattr(message, "refusal", None):
            raise ProviderError("malformed", f"model refused: {message.refusal}")
        usage = result.usage
        if usage is None:
            raise ProviderError("malformed", "response has no usage")
        return Completion(
            message.content or "", None, usage.prompt_tokens, usage.completion_tokens, result.model
        )


class XAIProvider(OpenAIProvider):
    """xAI Grok through its OpenAI-compatible endpoint (https://api.x.ai/v1)."""

    name = "xai"
    max_tokens_field = "max_tokens"


class LocalProvider(OpenAIProvider):
    """Any OpenAI-compatible server (Ollama, vLLM, llama.cpp); needs `llm.base_urls.local`."""

    name = "local"
    max_tokens_field = "max_tokens"

    def unavailable_reason(self) -> str:
        if not self.base_url:
            return "no base URL (set llm.base_urls.local, e.g. http://127.0.0.1:11434/v1)"
        return ""

    def _build(self) -> Any:
        self.key = self.key or "local"
        return super()._build()


def _httpx_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """Timeout and transport error classes of httpx and, when installed, its fork httpx2
    (google-genai uses httpx2 when it is present)."""
    import importlib

    timeouts, transport = [], []
    for name in ("httpx", "httpx2"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        timeouts.append(module.TimeoutException)
        transport.append(module.TransportError)
    return tuple(timeouts), tuple(transport)


class GoogleProvider(Provider):
    """Gemini through `google-genai`; structured output with `response_json_schema`."""

    name = "google"

    def _build(self) -> Any:
        from google import genai
        from google.genai import types

        options = types.HttpOptions(
            base_url=self.base_url,
            timeout=int(self.config.timeout_s * 1000),
            httpx_client=self.http_client,
        )
        return genai.Client(api_key=self.key, http_options=options)

    def complete(self, request: LLMRequest, model: str) -> Completion:
        from google.genai import errors, types

        timeouts, transport = _httpx_errors()

        client = self.client
        config = types.GenerateContentConfig(
            system_instruction=request.system or None,
            temperature=request.temperature,
            max_output_tokens=request.max_tokens,
            response_mime_type="application/json" if request.schema is not None else None,
            response_json_schema=request.schema,
        )
        contents = [
            types.Content(
                role="user" if m["role"] == "user" else "model",
                parts=[types.Part(text=m["content"])],
            )
            for m in request.chat
        ]
        try:
            result = client.models.generate_content(model=model, contents=contents, config=config)
        except errors.APIError as exc:
            headers = getattr(exc.response, "headers", None)
            raise ProviderError(
                _status_kind(exc.code),
                f"HTTP {exc.code}: {exc.message}",
                retry_after_seconds(headers),
            ) from exc
        except timeouts as exc:
            raise ProviderError("timeout", str(exc) or "timed out") from exc
        except transport as exc:
            raise ProviderError("connection", str(exc)) from exc
        usage = result.usage_metadata
        if usage is None or not result.candidates:
            raise ProviderError("malformed", "response has no candidates or usage metadata")
        output_tokens = (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
        return Completion(
            result.text or "",
            None,
            usage.prompt_token_count or 0,
            output_tokens,
            result.model_version or model,
        )


PROVIDER_CLASSES: dict[str, type[Provider]] = {
    "anthropic": AnthropicProvider,
    "openai": OpenAIProvider,
    "google": GoogleProvider,
    "xai": XAIProvider,
    "local": LocalProvider,
}


def build_providers(
    config: LLMConfig, env: Mapping[str, str] | None = None, **clients: Any
) -> dict[str, Provider]:
    """One provider per name in the chain; `clients` maps a name to an httpx.Client for it."""
    return {
        name: PROVIDER_CLASSES[name](config, http_client=clients.get(name), env=env)
        for name in config.chain
    }
