"""Per-provider rate limits (requests and tokens per minute, queueing) and a circuit breaker.

Both read time from an injectable clock, so tests advance time instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import UTC, datetime

from alpha_arena.llm.config import RateLimit

WINDOW_S = 60.0


class SystemClock:
    """Real time: a monotonic clock for waits, wall time for ledger stamps."""

    def monotonic(self) -> float:
        """Seconds on a monotonic clock."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Block for `seconds`."""
        if seconds > 0:
            time.sleep(seconds)

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)


class RateLimiter:
    """A sliding one-minute window of requests and tokens; `acquire` waits for room (queues).

    A request larger than the whole token budget is let through alone once the window is
    empty, so it cannot wait forever.
    """

    def __init__(self, limit: RateLimit, clock: SystemClock) -> None:
        self.limit = limit
        self.clock = clock
        self._events: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def _trim(self, now: float) -> None:
        while self._events and self._events[0][0] <= now - WINDOW_S:
            self._events.popleft()

    def _wait_needed(self, now: float, tokens: int) -> float:
        self._trim(now)
        if not self._events:
            return 0.0
        wait = 0.0
        if self.limit.rpm and len(self._events) >= self.limit.rpm:
            wait = self._events[len(self._events) - self.limit.rpm][0] + WINDOW_S - now
        if self.limit.tpm:
            used = sum(n for _, n in self._events)
            excess = used + tokens - self.limit.tpm
            if excess > 0:
                freed = 0
                for stamp, n in self._events:
                    freed += n
                    if freed >= excess:
                        wait = max(wait, stamp + WINDOW_S - now)
                        break
                else:
                    wait = max(wait, self._events[-1][0] + WINDOW_S - now)
        return max(0.0, wait)

    def acquire(self, tokens: int) -> float:
        """Wait until a request of `tokens` fits, record it, return the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self.clock.monotonic()
                wait = self._wait_needed(now, tokens)
                if wait <= 0:
                    self._events.append((now, tokens))
                    return waited
                self.clock.sleep(wait)
                waited += wait

    def settle(self, estimated: int, actual: int) -> None:
        """Replace the latest estimate with the tokens the provider reported."""
        with self._lock:
            for i in range(len(self._events) - 1, -1, -1):
                stamp, n = self._events[i]
                if n == estimated:
                    self._events[i] = (stamp, actual)
                    return


class CircuitBreaker:
    """Opens after `failures` consecutive failures; closed again after `cooldown_s` (half-open:
    one trial call; another failure re-opens it)."""

    def __init__(self, failures: int, cooldown_s: float, clock: SystemClock) -> None:
        self.failures = failures
        self.cooldown_s = cooldown_s
        self.clock = clock
        self.consecutive = 0
        self.open_until = 0.0
        self._lock = threading.Lock()

    def blocked(self) -> str:
        """Why calls are refused now ("" when allowed)."""
        remaining = self.open_until - self.clock.monotonic()
        if remaining > 0:
            return f"circuit open for {remaining:.0f}s more after {self.consecutive} failures"
        return ""

    def success(self) -> None:
        """A call succeeded: close the circuit."""
        with self._lock:
            self.consecutive = 0
            self.open_until = 0.0

    def failure(self) -> None:
        """A call failed: open the circuit after enough consecutive failures."""
        with self._lock:
            self.consecutive += 1
            if self.consecutive >= self.failures:
                self.open_until = self.clock.monotonic() + self.cooldown_s
