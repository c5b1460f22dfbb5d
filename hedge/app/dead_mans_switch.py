"""The dead-man's switch done Lighter's way: one scheduled cancel-all, kept ahead of us.

Lighter takes a scheduled cancel-all 5 minutes to 15 days ahead and queues only one: a second
is refused with 21712 until the first is aborted. So the switch is scheduled once, and renewed
only when it nears its time, by abort-then-schedule (two requests every few minutes, not one
every 100 s that the venue refuses). A 21712 (one left queued by an earlier run, say) is met
with an abort and one more try. Every failure is a WARNING and counted for the summary.
"""
from __future__ import annotations

from dataclasses import dataclass

from loguru import logger

from hedge.adapters.lighter.order_client import LighterOrderClient, TxResult
from hedge.infra.clock import REAL_CLOCK, MonotonicClock

CODE_CANCEL_ALL_QUEUED = 21712
MARGIN_S = 30.0                 # past the venue's 5-minute minimum after signing and transit
RENEW_BEFORE_S = 120.0          # renew when the queued one is this close to firing
RETRY_S = 5.0                   # after a failure


@dataclass
class DeadMansSwitchStats:
    scheduled: int = 0
    failures: int = 0
    last_error: str = ""


class DeadMansSwitch:
    def __init__(self, orders: LighterOrderClient, period_s: int,
                 clock: MonotonicClock = REAL_CLOCK) -> None:
        self.clock = clock
        self.orders = orders
        self.period_s = period_s
        self.stats = DeadMansSwitchStats()
        self.fires_at_s: float | None = None       # monotonic time the queued one fires

    async def run(self) -> None:
        while True:
            if self.fires_at_s is None or self.fires_at_s - self.clock.now_s() <= RENEW_BEFORE_S:
                await self.renew(abort_first=self.fires_at_s is not None)
            await self.clock.sleep(self._next_check_s())

    def _next_check_s(self) -> float:
        if self.fires_at_s is None:
            return RETRY_S
        return max(1.0, self.fires_at_s - RENEW_BEFORE_S - self.clock.now_s())

    async def renew(self, abort_first: bool) -> bool:
        if abort_first:
            aborted = await self.orders.abort_scheduled_cancel_all()
            if not aborted.accepted:
                self._failed("abort", aborted)   # the schedule below says whether it mattered
        ahead_s = self.period_s + MARGIN_S
        result = await self.orders.schedule_cancel_all(int(ahead_s * 1000))
        if result.code == CODE_CANCEL_ALL_QUEUED:
            logger.info("dead-man's switch: a cancel-all is already queued (21712); aborting it "
                        "and scheduling ours")
            await self.orders.abort_scheduled_cancel_all()
            result = await self.orders.schedule_cancel_all(int(ahead_s * 1000))
        if not result.accepted:
            self._failed("schedule", result)
            self.fires_at_s = None      # unknown: the next try meets any queued one with 21712
            return False
        self.stats.scheduled += 1
        self.fires_at_s = self.clock.now_s() + ahead_s
        return True

    def _failed(self, what: str, result: TxResult) -> None:
        self.stats.failures += 1
        self.stats.last_error = f"{what}: code={result.code} {result.message}"
        logger.warning("dead-man's switch {} failed: code={} {}", what, result.code, result.message)
