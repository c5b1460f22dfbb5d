"""The one clock the strategy loop reads and sleeps on.

Passed in (defaulting to the real one) so that a test can drive the engine's timers step by
step instead of waiting on them.
"""
from __future__ import annotations

import asyncio
import time


class MonotonicClock:
    """Seconds from `time.monotonic()`; sleeping is `asyncio.sleep`."""

    def now_s(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def wall_s(self) -> float:
        """Seconds since the epoch: for what must not repeat across processes, never for
        measuring time."""
        return time.time()


REAL_CLOCK = MonotonicClock()
