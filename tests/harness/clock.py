"""A clock that moves only when the test says so; sleepers wake in deadline order."""
from __future__ import annotations

import asyncio
import heapq
import itertools

SETTLE_YIELDS = 50   # enough loop turns for every ready task to run against instant fakes


async def settle() -> None:
    """Let every task that can run, run (the fakes answer without awaiting anything real)."""
    for _ in range(SETTLE_YIELDS):
        await asyncio.sleep(0)


class FakeClock:
    """`now_s()` and `sleep()` as the production clock; `advance()` moves time."""

    def __init__(self, start_s: float = 1_000.0) -> None:
        self._now_s = start_s
        self._sleepers: list[tuple[float, int, asyncio.Future]] = []
        self._order = itertools.count()
        self.sleeps: list[float] = []          # every sleep asked for, in order

    def now_s(self) -> float:
        return self._now_s

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now_s + seconds, next(self._order), future))
        await future

    @property
    def sleeping(self) -> int:
        return sum(1 for *_, f in self._sleepers if not f.done())

    async def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`, waking each sleeper at its own deadline."""
        target = self._now_s + seconds
        await settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            wake_s, _, future = heapq.heappop(self._sleepers)
            self._now_s = max(self._now_s, wake_s)
            if not future.done():
                future.set_result(None)
                await settle()
        self._now_s = target
        await settle()

    async def tick(self, seconds: float, times: int) -> None:
        """`times` steps of `seconds` each."""
        for _ in range(times):
            await self.advance(seconds)
