"""The HTTP core: rate limit, retries with backoff and Retry-After, the time budget, errors."""

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.data.http import HttpClient, RateLimiter, RetryPolicy, parse_retry_after
from alpha_arena.errors import ApiError, SchemaError, ValidationError
from tests.fixtures.http_fakes import FakeClock

URL = "https://api.test"


def make_client(handler, clock=None, retry=None, rate=6000.0, wall=lambda: 1_700_000_000.0):
    clock = clock or FakeClock()
    return HttpClient(
        URL,
        name="test",
        transport=httpx.MockTransport(handler),
        retry=retry or RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=8.0),
        limiter=RateLimiter(rate, clock=clock, sleep=clock.sleep),
        clock=clock,
        sleep=clock.sleep,
        wall_clock=wall,
        rng=random.Random(7),
    ), clock


def sequence(*responses):
    served = list(responses)

    def handler(request):
        item = served.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler


def test_get_json_sends_params_and_decodes():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    client, _ = make_client(handler)
    assert client.get_json("/x", {"a": 1, "flag": True, "skip": None, "ids": ["p", "q"]}) == {
        "ok": True
    }
    params = seen[0].url.params
    assert params["a"] == "1"
    assert params["flag"] == "true"
    assert "skip" not in params
    assert params.get_list("ids") == ["p", "q"]
    assert client.requests == 1


def test_post_json_sends_body():
    def handler(request):
        return httpx.Response(200, json={"echo": request.read().decode()})

    client, _ = make_client(handler)
    assert client.post_json("/books", [{"token_id": "1"}]) == {"echo": '[{"token_id":"1"}]'}


def test_429_with_retry_after_seconds_waits_that_long():
    client, clock = make_client(
        sequence(
            httpx.Response(429, headers={"Retry-After": "7"}, text="slow down"),
            httpx.Response(200, json=[1]),
        )
    )
    assert client.get_json("/x") == [1]
    assert client.requests == 2
    assert clock.sleeps[-1] == 7.0  # what the server asked (the first jitter is < 1s)


def test_429_with_retry_after_http_date():
    wall = 1_700_000_000.0
    when = format_datetime(datetime.fromtimestamp(wall + 30, tz=UTC), usegmt=True)
    client, clock = make_client(
        sequence(
            httpx.Response(429, headers={"Retry-After": when}),
            httpx.Response(200, json={"a": 1}),
        ),
        wall=lambda: wall,
    )
    assert client.get_json("/x") == {"a": 1}
    assert clock.sleeps[-1] == pytest.approx(30.0)


def test_5xx_then_success_backs_off_with_jitter():
    client, clock = make_client(
        sequence(httpx.Response(502), httpx.Response(503), httpx.Response(200, json=5))
    )
    assert client.get_json("/x") == 5
    assert client.requests == 3
    backoffs = [s for s in clock.sleeps if s > 0]
    assert len(backoffs) == 2
    assert 0 <= backoffs[0] <= 1.0
    assert 0 <= backoffs[1] <= 2.0


def test_timeout_and_connection_error_are_retried():
    request = httpx.Request("GET", URL)
    client, _ = make_client(
        sequence(
            httpx.ReadTimeout("read timed out", request=request),
            httpx.ConnectError("refused", request=request),
            httpx.Response(200, json="ok"),
        )
    )
    assert client.get_json("/x") == "ok"
    assert client.requests == 3


def test_gives_up_after_max_attempts_naming_the_endpoint():
    client, _ = make_client(lambda r: httpx.Response(500, text="boom"))
    with pytest.raises(ApiError, match=r"test GET /x \(HTTP 500\): gave up after 5 attempts"):
        client.get_json("/x")
    assert client.requests == 5


def test_client_errors_are_not_retried():
    client, _ = make_client(lambda r: httpx.Response(404, text="no such market"))
    with pytest.raises(ApiError, match="no such market") as info:
        client.get_json("/missing")
    assert info.value.status == 404
    assert client.requests == 1


def test_time_budget_bounds_total_wait():
    retry = RetryPolicy(max_attempts=50, base_delay=1.0, max_delay=8.0, total_budget=20.0)
    client, clock = make_client(
        lambda r: httpx.Response(429, headers={"Retry-After": "15"}), retry=retry
    )
    start = clock.now
    with pytest.raises(ApiError, match="time budget of 20s exhausted"):
        client.get_json("/x")
    assert clock.now - start <= 20.0
    assert client.requests == 2


def test_malformed_json_is_a_schema_error():
    client, _ = make_client(lambda r: httpx.Response(200, text="{not json"))
    with pytest.raises(SchemaError, match=r"test GET /x: field '<body>': expected a JSON"):
        client.get_json("/x")


def test_rate_limiter_spaces_requests():
    clock = FakeClock()
    limiter = RateLimiter(60, burst=2, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        limiter.acquire()
    # two free (burst), then one a second
    assert clock.now - 1_000.0 == pytest.approx(3.0)


def test_client_respects_shared_rate_limit():
    clock = FakeClock()
    limiter = RateLimiter(120, burst=1, clock=clock, sleep=clock.sleep)
    a = HttpClient(
        URL,
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=1)),
        limiter=limiter,
        clock=clock,
        sleep=clock.sleep,
    )
    b = HttpClient(
        "https://other.test",
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=2)),
        limiter=limiter,
        clock=clock,
        sleep=clock.sleep,
    )
    for _ in range(3):
        a.get_json("/")
        b.get_json("/")
    assert clock.now - 1_000.0 == pytest.approx(2.5)  # 6 requests at 2/s, first one free


@settings(deadline=None, max_examples=60)
@given(
    rate=st.floats(1, 1000),
    burst=st.integers(1, 20),
    n=st.integers(1, 60),
)
def test_rate_limiter_never_exceeds_rate_plus_burst(rate, burst, n):
    clock = FakeClock(0.0)
    limiter = RateLimiter(rate, burst=burst, clock=clock, sleep=clock.sleep)
    for _ in range(n):
        limiter.acquire()
    # in elapsed t seconds at most burst + t·rate/60 tokens exist
    assert n <= burst + clock.now * rate / 60.0 + 1e-6


@settings(deadline=None, max_examples=60)
@given(attempt=st.integers(1, 30), base=st.floats(0.01, 5), cap=st.floats(0.1, 60))
def test_backoff_is_within_full_jitter_bounds(attempt, base, cap):
    policy = RetryPolicy(base_delay=base, max_delay=cap)
    delay = policy.backoff(attempt, random.Random(attempt))
    assert 0.0 <= delay <= min(cap, base * 2 ** (attempt - 1))


def test_parse_retry_after_forms():
    assert parse_retry_after("12", 0) == 12.0
    assert parse_retry_after(None, 0) is None
    assert parse_retry_after("soon", 0) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470.0) == pytest.approx(10)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490.0) == 0.0


def test_bad_configuration_names_the_field():
    with pytest.raises(ValidationError, match="rate_per_minute"):
        RateLimiter(0)
    with pytest.raises(ValidationError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValidationError, match="base_url"):
        HttpClient("ftp://nope")


def test_each_attempt_timeout_is_capped_by_the_budget_left():
    seen = []

    def handler(request):
        seen.append(request.extensions["timeout"]["read"])
        return httpx.Response(503)

    retry = RetryPolicy(
        max_attempts=3, base_delay=4.0, max_delay=4.0, total_budget=9.0, timeout=8.0
    )
    client, clock = make_client(handler, retry=retry)
    with pytest.raises(ApiError):
        client.get_json("/x")
    assert len(seen) == 3
    for i, timeout in enumerate(seen):  # what is left of the 9 s after the waits so far
        assert timeout == pytest.approx(min(8.0, 9.0 - sum(clock.sleeps[:i])))
    assert seen[-1] < 8.0
