"""An asyncio loop whose clock jumps to the next timer whenever every task waits.

The loop's selector is asked to wait `timeout` seconds only when nothing is ready; instead of
waiting it moves the loop's clock forward by that much. Hours of the strategy's timers then
run in seconds of wall time, and the clock seam (hedge/infra/clock.py) reads this loop's time,
so nothing in the lab sleeps on, or reads, the wall clock.
"""
from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any

from hedge.infra import clock

EPOCH_S = 1_800_000_000.0     # the wall time a lab run starts at (client indexes derive from it)


class LabDeadlock(RuntimeError):
    """Every task waits on something no timer will ever set."""


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualLoop | None = None

    def select(self, timeout: float | None = None):
        ready = super().select(0)
        if ready:
            return ready
        if timeout is None:
            raise LabDeadlock("every task waits and no timer is due: the lab cannot go on")
        if timeout > 0 and self.loop is not None:
            self.loop.now_s += timeout
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        selector = _JumpingSelector()
        super().__init__(selector)
        selector.loop = self
        self.now_s = 0.0

    def time(self) -> float:
        return self.now_s


class LoopTime:
    """The clock seam's source while a virtual loop runs: its time for every clock."""

    def __init__(self, loop: VirtualLoop) -> None:
        self._loop = loop

    def monotonic(self) -> float:
        return self._loop.now_s

    def wall(self) -> float:
        return EPOCH_S + self._loop.now_s

    def perf_counter(self) -> float:
        return self._loop.now_s


def run_virtual(main: Coroutine[Any, Any, Any]) -> Any:
    """Run `main` to completion on a fresh virtual loop, the clock seam reading its time."""
    loop = VirtualLoop()
    previous = clock.use_time_source(LoopTime(loop))
    try:
        return loop.run_until_complete(main)
    finally:
        clock.use_time_source(previous)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
