"""A clock that moves only when the test says so; sleepers wake in deadline order."""
from __future__ import annotations

import asyncio
import heapq
import itertools
from decimal import Decimal

SETTLE_YIELDS = 50   # enough loop turns for every ready task to run against instant fakes
WAKE_YIELDS = 10     # after waking sleepers: each runs on to its next sleep in a turn or two


async def settle(yields: int = SETTLE_YIELDS) -> None:
    """Let every task that can run, run (the fakes answer without awaiting anything real)."""
    for _ in range(yields):
        await asyncio.sleep(0)


class FakeClock:
    """`now_s()` and `sleep()` as the production clock; `advance()` moves time.

    Time is kept in Decimal so that ticks add up exactly (ten 0.1 s ticks are 1 s, not
    0.9999999999999999) and figures derived from it, like a kill reason's milliseconds, are
    the round numbers a reader expects.
    """

    def __init__(self, start_s: str = "1000") -> None:
        self._now_s = Decimal(start_s)
        self._sleepers: list[tuple[Decimal, int, asyncio.Future]] = []
        self._order = itertools.count()
        self.sleeps: list[float] = []          # every sleep asked for, in order

    def now_s(self) -> float:
        return float(self._now_s)

    def wall_s(self) -> float:
        """The epoch seconds the fake time stands for (a fixed day in 2026)."""
        return 1_780_000_000 + float(self._now_s)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now_s + _exact(seconds), next(self._order), future))
        await future

    @property
    def sleeping(self) -> int:
        return sum(1 for *_, f in self._sleepers if not f.done())

    async def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`, waking each sleeper at its own deadline."""
        target = self._now_s + _exact(seconds)
        await settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            wake_s = self._sleepers[0][0]
            self._now_s = max(self._now_s, wake_s)
            while self._sleepers and self._sleepers[0][0] == wake_s:   # all due now, together
                _, _, future = heapq.heappop(self._sleepers)
                if not future.done():
                    future.set_result(None)
            await settle(WAKE_YIELDS)
        self._now_s = target
        await settle()

    async def tick(self, seconds: float, times: int) -> None:
        """`times` steps of `seconds` each."""
        for _ in range(times):
            await self.advance(seconds)


def _exact(seconds: float) -> Decimal:
    return Decimal(str(seconds))
