"""Round-robin over base URLs with health tracking, and a requests-per-minute limiter."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass


@dataclass
class EndpointHealth:
    """Counters of one endpoint; ``skipped_until`` is a monotonic time (0 when healthy)."""

    url: str
    requests: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    skipped_until: float = 0.0

    def as_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


class EndpointPool:
    """Picks endpoints round-robin, skipping one for ``cooldown_s`` after ``failures_to_skip`` failures in
    a row; when the cool-down ends it gets one probe request (another failure skips it again)."""

    def __init__(
        self,
        urls: Sequence[str],
        failures_to_skip: int,
        cooldown_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.health = {url: EndpointHealth(url) for url in urls}
        self.failures_to_skip = failures_to_skip
        self.cooldown_s = cooldown_s
        self.clock = clock
        self._order = list(self.health.values())
        self._next = 0

    def pick(self) -> str:
        """The next healthy endpoint; if all are cooling down, the one whose cool-down ends first."""
        now = self.clock()
        for _ in range(len(self._order)):
            endpoint = self._order[self._next]
            self._next = (self._next + 1) % len(self._order)
            if endpoint.skipped_until <= now:
                return self._take(endpoint, now)
        return self._take(min(self._order, key=lambda e: e.skipped_until), now)

    def _take(self, endpoint: EndpointHealth, now: float) -> str:
        endpoint.requests += 1
        if endpoint.consecutive_failures >= self.failures_to_skip:
            # a probe: keep the endpoint skipped by everyone else until this request reports back
            endpoint.skipped_until = now + self.cooldown_s
        return endpoint.url

    def succeeded(self, url: str) -> None:
        endpoint = self.health[url]
        endpoint.consecutive_failures = 0
        endpoint.skipped_until = 0.0

    def failed(self, url: str) -> None:
        endpoint = self.health[url]
        endpoint.failures += 1
        endpoint.consecutive_failures += 1
        if endpoint.consecutive_failures >= self.failures_to_skip:
            endpoint.skipped_until = self.clock() + self.cooldown_s

    def healthy(self, url: str) -> bool:
        return self.health[url].skipped_until <= self.clock()


class RateLimiter:
    """Spaces request starts at least ``60 / requests_per_minute`` seconds apart (a smooth limit)."""

    def __init__(self, requests_per_minute: float) -> None:
        self.interval_s = 60.0 / requests_per_minute
        self._next_start = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            delay = self._next_start - now
            self._next_start = max(now, self._next_start) + self.interval_s
        if delay > 0:
            await asyncio.sleep(delay)
