"""The one clock the strategy loop reads and sleeps on.

Passed in (defaulting to the real one) so that a test can drive the engine's timers step by
step instead of waiting on them. Every other read of time in hedge/app and hedge/adapters
goes through the functions below, whose source the lab swaps for its virtual loop's time:
without that the lab could be neither virtual nor deterministic.
"""
from __future__ import annotations

import asyncio
import time
from typing import Protocol


class TimeSource(Protocol):
    def monotonic(self) -> float: ...
    def wall(self) -> float: ...
    def perf_counter(self) -> float: ...


class RealTime:
    monotonic = staticmethod(time.monotonic)
    wall = staticmethod(time.time)
    perf_counter = staticmethod(time.perf_counter)


_source: TimeSource = RealTime()


def use_time_source(source: TimeSource | None) -> TimeSource:
    """Read time from `source` from now on (None: the real clocks); returns the previous one."""
    global _source
    previous, _source = _source, source if source is not None else RealTime()
    return previous


def monotonic_s() -> float:
    return _source.monotonic()


def wall_s() -> float:
    """Seconds since the epoch (client indexes and retry ids are derived from it)."""
    return _source.wall()


def perf_s() -> float:
    return _source.perf_counter()


def perf_ns() -> int:
    return int(_source.perf_counter() * 1e9)


class MonotonicClock:
    """Seconds from `monotonic_s()`; sleeping is `asyncio.sleep`."""

    def now_s(self) -> float:
        return monotonic_s()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def wall_s(self) -> float:
        """Seconds since the epoch: for what must not repeat across processes, never for
        measuring time."""
        return time.time()


REAL_CLOCK = MonotonicClock()
