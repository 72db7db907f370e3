"""`LLMRouter`: one entry point for every LLM call an agent makes.

Order of work for a request: the record/replay cache, the budget, then each provider of the
fallback chain in turn, skipping unavailable ones and those whose circuit is open. On a
provider it waits for rate-limit room, retries retryable failures with backoff (honouring
Retry-After), validates the answer against the schema, repairs it once if it does not, and
otherwise moves on. Every HTTP call lands in the ledger (and the optional metrics sink);
the response lists every provider tried and why it did not serve.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from alpha_arena.errors import ValidationError
from alpha_arena.llm.cache import ResponseCache
from alpha_arena.llm.config import LLMConfig, RateLimit
from alpha_arena.llm.ledger import Budget, Ledger
from alpha_arena.llm.limits import CircuitBreaker, RateLimiter, SystemClock
from alpha_arena.llm.providers import Provider, build_providers
from alpha_arena.llm.types import (
    Attempt,
    BudgetExceededError,
    CacheMissError,
    Completion,
    LLMError,
    LLMRequest,
    LLMResponse,
    ProviderError,
)

log = logging.getLogger(__name__)

REPAIR_PROMPT = (
    "Your previous answer was not valid: {error}. Reply again with only a JSON object "
    "that matches the required schema."
)


class CallSink(Protocol):
    """Anything with the MetricsLogger's `llm_call(**fields)` method."""

    def llm_call(self, **fields: Any) -> None: ...


@dataclass(frozen=True)
class ProviderStatus:
    """One provider as `alpha-arena providers` shows it."""

    name: str
    available: bool
    reason: str
    models: dict[str, str]


@functools.lru_cache(maxsize=64)
def _validator(schema_json: str) -> Any:
    """A checked, reusable validator per schema (building one per call costs milliseconds)."""
    import jsonschema

    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ValidationError("schema", f"a valid JSON schema ({exc.message})", schema) from exc
    return cls(schema)


def parse_output(completion: Completion, schema: dict[str, Any] | None) -> Any:
    """The answer as JSON validated against `schema` (text when there is no schema).

    Raises ProviderError("malformed") naming what is wrong.
    """
    if schema is None:
        return completion.text
    output = completion.output
    if output is None:
        text = completion.text.strip()
        if text.startswith("```"):
            text = text.strip("`").removeprefix("json").strip()
        try:
            output = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProviderError("malformed", f"answer is not JSON ({exc.msg})") from exc
    import jsonschema

    try:
        _validator(json.dumps(schema, sort_keys=True)).validate(output)
    except jsonschema.ValidationError as exc:
        path = "/".join(str(p) for p in exc.absolute_path) or "answer"
        raise ProviderError("malformed", f"{path}: {exc.message}") from exc
    return output


def sink_row(row: dict[str, Any], sim_time: datetime | None) -> dict[str, Any]:
    """The ledger row as a metrics sink takes it: stamped with the simulated time when the
    call belongs to one (like the run's orders and fills, so replays give equal rows),
    without empty fields (the sink fills its own defaults, e.g. its run id)."""
    out = {k: v for k, v in row.items() if v is not None and not (k == "run_id" and not v)}
    if sim_time is not None:
        out["timestamp"] = sim_time
    return out


class LLMRouter:
    """Fallback chain + rate limits + retries + circuit breakers + budget + cache + ledger."""

    def __init__(
        self,
        config: LLMConfig | None = None,
        providers: Mapping[str, Provider] | None = None,
        *,
        ledger: Ledger | None = None,
        sink: CallSink | None = None,
        cache: ResponseCache | None = None,
        clock: SystemClock | None = None,
        run_id: str = "",
        alert: Callable[[str], None] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config or LLMConfig()
        self.providers = (
            dict(providers) if providers is not None else build_providers(self.config, env)
        )
        self.clock = clock or SystemClock()
        self.ledger = ledger or Ledger(":memory:")
        self.sink = sink
        self.cache = cache
        self.run_id = run_id
        self.budget = Budget(self.config.budget, self.ledger, alert or log.warning)
        self.limiters = {
            name: RateLimiter(self.config.rate_limits.get(name, RateLimit()), self.clock)
            for name in self.providers
        }
        self.breakers = {
            name: CircuitBreaker(
                self.config.breaker_failures, self.config.breaker_cooldown_s, self.clock
            )
            for name in self.providers
        }

    # ----- inspection ---------------------------------------------------------------------

    def status(self) -> list[ProviderStatus]:
        """Every provider of the chain with availability and the reason when unavailable."""
        out = []
        for name in self.config.chain:
            provider = self.providers.get(name)
            reason = "not configured" if provider is None else provider.unavailable_reason()
            if not reason:
                reason = self.breakers[name].blocked()
            out.append(
                ProviderStatus(name, not reason, reason, dict(self.config.models.get(name, {})))
            )
        return out

    def spend(self) -> tuple[float, float]:
        """USD spent today and this month (UTC), from the ledger."""
        return self.budget.spend(self.clock.now())

    def models_for(self, tiers: tuple[str, ...], available_only: bool = False) -> list[str]:
        """Every model the chain may use for these tiers (for the knowledge-cutoff guard);
        a tier that is not a tier name is taken as a model name. With `available_only`,
        only the models of providers that can serve now."""
        usable = {s.name for s in self.status() if s.available or not available_only}
        known_tiers = {t for models in self.config.models.values() for t in models}
        found: list[str] = []
        for tier in tiers:
            if tier not in known_tiers:
                owner = self.config.provider_of(tier)
                if tier not in found and (owner is None or owner in usable):
                    found.append(tier)
                continue
            for name in self.config.chain:
                model = self.config.model_for(name, tier)
                if model and name in usable and model not in found:
                    found.append(model)
        return found

    # ----- the call ---------------------------------------------------------------------------

    def complete(self, request: LLMRequest) -> LLMResponse:
        """Answer `request` from the cache or the first provider that can; see the module doc."""
        if request.schema is not None:
            _validator(json.dumps(request.schema, sort_keys=True))
        key = request.cache_key()
        if self.cache is not None and self.cache.reads:
            stored = self.cache.get(key)
            if stored is not None:
                return self._replayed(request, stored)
            if self.cache.mode == "replay":
                raise CacheMissError(
                    f"replay mode: no recorded answer for {request.role} ({key[:12]})"
                )
        tier = request.tier
        spent = self.budget.exceeded(self.clock.now())
        if spent:
            if self.config.budget.on_exceed == "skip":
                self._record(request, None, None, "skipped", error=spent)
                raise BudgetExceededError(f"LLM call skipped: {spent}")
            log.warning("%s; routing to the %r tier", spent, self.config.budget.fallback_tier)
            tier = self.config.budget.fallback_tier
            request = replace(request, tier=tier, model=None)
        attempts: list[Attempt] = []
        for name, model in self._candidates(request, tier):
            provider = self.providers.get(name)
            reason = "not configured" if provider is None else provider.unavailable_reason()
            if reason:
                attempts.append(Attempt(name, model, "unavailable", reason))
                continue
            blocked = self.breakers[name].blocked()
            if blocked:
                attempts.append(Attempt(name, model, "circuit_open", blocked))
                continue
            response = self._try_provider(provider, model, request, attempts)
            if response is not None:
                if self.cache is not None and self.cache.writes:
                    self.cache.put(key, request.role, response.to_json())
                return response
        raise LLMError(f"no provider answered the {request.role} request", tuple(attempts))

    def _candidates(self, request: LLMRequest, tier: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if request.model:
            owner = self.config.provider_of(request.model)
            if owner:
                out.append((owner, request.model))
        for name in self.config.chain:
            model = self.config.model_for(name, tier)
            if model and (name, model) not in out:
                out.append((name, model))
        return out

    def _try_provider(
        self, provider: Provider, model: str, request: LLMRequest, attempts: list[Attempt]
    ) -> LLMResponse | None:
        name = provider.name
        calls: list[tuple[Completion, float]] = []
        try:
            completion, latency = self._call_with_retries(provider, model, request)
            calls.append((completion, latency))
            try:
                output = parse_output(completion, request.schema)
            except ProviderError as bad:
                self._note(request, name, model, completion, latency, "malformed", str(bad))
                repair = request.with_messages(
                    {"role": "assistant", "content": completion.text or "(empty)"},
                    {"role": "user", "content": REPAIR_PROMPT.format(error=bad)},
                )
                completion, latency = self._call_with_retries(provider, model, repair)
                calls.append((completion, latency))
                try:
                    output = parse_output(completion, request.schema)
                except ProviderError as still_bad:
                    self._note(
                        request, name, model, completion, latency, "malformed", str(still_bad)
                    )
                    raise
        except ProviderError as exc:
            self.breakers[name].failure()
            attempts.append(Attempt(name, model, exc.kind, str(exc)))
            return None
        self.breakers[name].success()
        self._note(request, name, model, completion, latency, "ok", "")
        attempts.append(Attempt(name, model, "ok"))
        cost = sum(self._cost(c, model) for c, _ in calls)
        return LLMResponse(
            output,
            completion.text,
            sum(c.input_tokens for c, _ in calls),
            sum(c.output_tokens for c, _ in calls),
            completion.model,
            name,
            sum(lat for _, lat in calls),
            cost,
            False,
            tuple(attempts),
        )

    def _call_with_retries(
        self, provider: Provider, model: str, request: LLMRequest
    ) -> tuple[Completion, float]:
        limiter = self.limiters[provider.name]
        estimate = request.prompt_chars() // 4 + request.max_tokens
        for attempt in range(self.config.max_retries + 1):
            limiter.acquire(estimate)
            started = time.perf_counter()
            try:
                completion = provider.complete(request, model)
            except ProviderError as exc:
                latency = (time.perf_counter() - started) * 1000
                self._record(
                    request, provider.name, model, exc.kind, latency=latency, error=str(exc)
                )
                if not exc.retryable or attempt == self.config.max_retries:
                    raise
                wait = exc.retry_after
                if wait is None:
                    wait = self.config.backoff_s * 2**attempt
                if wait > self.config.max_backoff_s:
                    raise ProviderError(
                        exc.kind, f"asked to wait {wait:.0f}s (> max_backoff_s); {exc}"
                    ) from exc
                self.clock.sleep(wait)
                continue
            latency = (time.perf_counter() - started) * 1000
            limiter.settle(estimate, completion.input_tokens + completion.output_tokens)
            return completion, latency
        raise AssertionError("unreachable: the loop returns or raises")

    # ----- accounting -----------------------------------------------------------------------

    def _cost(self, completion: Completion, requested: str) -> float:
        """Cost at the reported model's price, or the requested model's when the reported
        name (often a dated snapshot) is not in the table."""
        model = completion.model if completion.model in self.config.prices else requested
        return self.config.cost(model, completion.input_tokens, completion.output_tokens)

    def _note(
        self,
        request: LLMRequest,
        provider: str,
        model: str,
        completion: Completion,
        latency: float,
        status: str,
        error: str,
    ) -> None:
        self._record(
            request,
            provider,
            completion.model,
            status,
            input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens,
            cost=self._cost(completion, model),
            latency=latency,
            error=error,
        )

    def _record(
        self,
        request: LLMRequest,
        provider: str | None,
        model: str | None,
        status: str,
        *,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cost: float = 0.0,
        latency: float | None = None,
        cached: bool = False,
        error: str = "",
    ) -> None:
        row = {
            "timestamp": self.clock.now().astimezone(UTC).isoformat(timespec="microseconds"),
            "run_id": self.run_id,
            "provider": provider,
            "model": model,
            "role": request.role,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cost_usd": cost,
            "latency_ms": latency,
            "status": status,
            "cached": int(cached),
            "error": error or None,
        }
        self.ledger.llm_call(**row)
        if self.sink is not None and self.sink is not self.ledger:
            self.sink.llm_call(**sink_row(row, request.sim_time))
        if cost:
            self.budget.exceeded(self.clock.now())

    def _replayed(self, request: LLMRequest, stored: dict[str, Any]) -> LLMResponse:
        response = LLMResponse(
            stored["output"],
            stored["text"],
            stored["input_tokens"],
            stored["output_tokens"],
            stored["model"],
            stored["provider"],
            0.0,
            0.0,
            True,
            (Attempt(stored["provider"], stored["model"], "cached"),),
        )
        self._record(
            request,
            response.provider,
            response.model,
            "ok",
            input_tokens=response.input_tokens,
            output_tokens=response.output_tokens,
            latency=0.0,
            cached=True,
        )
        return response
