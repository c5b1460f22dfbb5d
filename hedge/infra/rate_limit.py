"""Token buckets: our own pacing, sized below the venue's limits.

ccxt's built-in throttle makes each request wait behind the cost of the previous one (~200 ms
on binanceusdm), which would put that wait on the hedge path; we turn it off and pace here,
where an idle bucket lets a hedge through at once.
"""
from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """`rate_per_s` tokens a second, at most `burst` saved up; `acquire` waits only when empty."""

    def __init__(self, rate_per_s: float, burst: float) -> None:
        if rate_per_s <= 0 or burst <= 0:
            raise ValueError("rate_per_s and burst must be positive")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._tokens = burst
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate_per_s)
        self._stamp = now

    async def acquire(self, cost: float = 1.0) -> float:
        """Take `cost` tokens, waiting if needed; returns the seconds waited."""
        waited = 0.0
        async with self._lock:
            self._refill()
            if self._tokens < cost:
                delay = (cost - self._tokens) / self.rate_per_s
                await asyncio.sleep(delay)
                waited = delay
                self._refill()
            self._tokens -= cost
        return waited

    def try_take(self, cost: float = 1.0) -> bool:
        """Take `cost` tokens if there are that many now; never waits (for optional work)."""
        self._refill()
        if self._tokens < cost:
            return False
        self._tokens -= cost
        return True
