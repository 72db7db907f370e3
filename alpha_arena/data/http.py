"""The HTTP core every venue client uses: rate limit, retries with backoff, a time budget.

One `HttpClient` talks to one base URL. It spaces requests with a client-side token
bucket (default 100 requests a minute; clients of one venue can share a `RateLimiter`),
retries 429, 5xx, timeouts and connection errors with exponential backoff and full
jitter, honours `Retry-After` (seconds or an HTTP date), and gives up once a bounded
total time is spent. Clock and sleep are injectable, so tests run instantly. Failures
raise `ApiError`; a body that is not JSON raises `SchemaError`; both name the endpoint.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from alpha_arena.errors import ApiError, SchemaError, ValidationError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses worth another try: throttling and transient server failures."""

_EPS = 1e-9

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class RateLimiter:
    """A token bucket: `rate_per_minute` requests a minute on average, bursts up to `burst`.

    Thread-safe, so clients of one venue running in threads can share it.
    """

    def __init__(
        self,
        rate_per_minute: float = 100.0,
        burst: int | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if not (isinstance(rate_per_minute, (int, float)) and rate_per_minute > 0):
            raise ValidationError("rate_per_minute", "a rate > 0", rate_per_minute)
        burst = max(1, int(rate_per_minute // 10)) if burst is None else burst
        if not (isinstance(burst, int) and burst >= 1):
            raise ValidationError("burst", "an int >= 1", burst)
        self.rate_per_second = rate_per_minute / 60.0
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate_per_second)
        self._stamp = now

    def wait_time(self) -> float:
        """Seconds until a request may go out (0 when a token is available now)."""
        with self._lock:
            self._refill()
            if self._tokens >= 1.0 - _EPS:
                return 0.0
            return (1.0 - self._tokens) / self.rate_per_second

    def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns the seconds slept."""
        slept = 0.0
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= 1.0 - _EPS:  # float noise must not leave a 1e-16 wait
                    self._tokens = max(0.0, self._tokens - 1.0)
                    return slept
                wait = (1.0 - self._tokens) / self.rate_per_second
            self._sleep(wait)
            slept += wait


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts, backoff (full jitter) and the total time budget (seconds)."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    total_budget: float = 120.0
    timeout: float = 20.0

    def __post_init__(self) -> None:
        if not (isinstance(self.max_attempts, int) and self.max_attempts >= 1):
            raise ValidationError("max_attempts", "an int >= 1", self.max_attempts)
        for name in ("base_delay", "max_delay", "total_budget", "timeout"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValidationError(name, "seconds > 0", value)

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter delay before retry number `attempt` (1-based): U(0, min(cap, base·2^k))."""
        return rng.uniform(0.0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


def parse_retry_after(value: str | None, now_epoch: float) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date); None if absent."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now_epoch)


class HttpClient:
    """JSON over HTTP to one base URL, with rate limit, retries and a time budget.

    `transport` lets tests plug in `httpx.MockTransport`; `clock` (monotonic seconds),
    `sleep`, `wall_clock` (epoch seconds, for HTTP-date `Retry-After`) and `rng` make
    retries deterministic. `requests` counts the HTTP requests actually sent.
    """

    def __init__(
        self,
        base_url: str,
        *,
        name: str = "",
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        wall_clock: Clock = time.time,
        rng: random.Random | None = None,
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValidationError("base_url", "an http(s) URL", base_url)
        self.base_url = base_url.rstrip("/")
        self.name = name or httpx.URL(self.base_url).host
        self.retry = retry or RetryPolicy()
        self.limiter = limiter or RateLimiter(clock=clock, sleep=sleep)
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._rng = rng or random.Random()
        self.requests = 0
        self._client = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=self.retry.timeout,
            headers={"Accept": "application/json", **dict(headers or {})},
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def endpoint(self, method: str, path: str) -> str:
        """The name errors use for a call, e.g. `clob GET /book`."""
        return f"{self.name} {method} {path}"

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET path with query params; the decoded JSON body."""
        return self.request_json("GET", path, params=params)

    def post_json(self, path: str, body: Any) -> Any:
        """POST a JSON body to path; the decoded JSON answer."""
        return self.request_json("POST", path, body=body)

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> Any:
        """Send one logical request, retrying transient failures; decode the JSON answer."""
        endpoint = self.endpoint(method, path)
        deadline = self._clock() + self.retry.total_budget
        query = _clean_params(params)
        attempt = 0
        while True:
            attempt += 1
            self._wait(self.limiter.wait_time(), deadline, endpoint, "rate limit")
            self.limiter.acquire()
            retry_after: float | None = None
            try:
                self.requests += 1
                left = max(0.001, deadline - self._clock())  # no attempt outlives the budget
                response = self._client.request(
                    method, path, params=query, json=body, timeout=min(self.retry.timeout, left)
                )
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                status = None
            else:
                if response.status_code < 400:
                    return _decode(response, endpoint)
                status = response.status_code
                reason = _short_body(response)
                if status not in RETRY_STATUSES:
                    raise ApiError(endpoint, reason, status)
                retry_after = parse_retry_after(
                    response.headers.get("Retry-After"), self._wall_clock()
                )
            if attempt >= self.retry.max_attempts:
                raise ApiError(endpoint, f"gave up after {attempt} attempts: {reason}", status)
            delay = self.retry.backoff(attempt, self._rng)
            if retry_after is not None:
                delay = max(delay, retry_after)
            self._wait(delay, deadline, endpoint, f"retry after {reason}", status)

    def _wait(
        self, delay: float, deadline: float, endpoint: str, why: str, status: int | None = None
    ) -> None:
        if delay <= 0:
            return
        if self._clock() + delay > deadline:
            raise ApiError(
                endpoint,
                f"time budget of {self.retry.total_budget:g}s exhausted ({why}; "
                f"would wait {delay:.3g}s more)",
                status,
            )
        self._sleep(delay)


def _clean_params(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Query pairs with None dropped, bools as true/false and lists repeated."""
    out: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if item is None:
                continue
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            out.append((key, text))
    return out


def _decode(response: httpx.Response, endpoint: str) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SchemaError(endpoint, "<body>", "a JSON document", response.text[:80]) from exc


def _short_body(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:200] if text else response.reason_phrase or "error"
