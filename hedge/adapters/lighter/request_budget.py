"""One budget for every request the bot sends to Lighter, shaped to the account's tier.

Lighter caps an account over a rolling minute: a standard account at 60 requests (every REST
call and sendTx alike), a premium one at 24,000 *weighted* requests (sendTx and nextNonce 6,
most reads 300). The bot keeps below the cap with headroom, and spends what it has in priority
order: a lower-priority request waits while a higher one is waiting, and may only use its share
of the window, so cancels and the kill path always find room.
"""
from __future__ import annotations

import asyncio
import contextvars
import enum
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from hedge.core.request_tiers import TIER_LIMITS, TIERS, WINDOW_S, max_tx_per_min, request_weight
from hedge.infra.clock import monotonic_s

__all__ = ["Priority", "RequestBudget", "BudgetStats", "TIERS", "max_tx_per_min", "request_weight",
           "REQUEST_OWNER"]

# Who a request is for (a market's symbol), set in each market's tasks: waiting requests of one
# priority are served round-robin across owners, so a busy market cannot starve another's
# cancels behind its own queue.
REQUEST_OWNER: contextvars.ContextVar[str] = contextvars.ContextVar("request_owner", default="")


class Priority(enum.IntEnum):
    """Lower is more urgent."""

    CANCEL = 0          # cancels, cancel-all, the kill path
    SAFETY = 1          # fill-safety reads: reconcile after a reconnect, the position check
    DEAD_MANS = 2       # the scheduled cancel-all and its abort
    QUOTE = 3           # placements and modifies
    READ = 4            # every other read


# The part of the budget each priority may fill: what is left above it is kept for the more
# urgent ones (a cancel may use the whole budget; a placement stops at 80% of it).
SHARE = {Priority.CANCEL: 1.0, Priority.SAFETY: 0.95, Priority.DEAD_MANS: 0.9,
         Priority.QUOTE: 0.8, Priority.READ: 0.7}


@dataclass
class BudgetStats:
    requests: int = 0                # requests sent through the budget
    weight: int = 0                  # their weight
    waited: int = 0                  # requests that had to wait for room
    skipped: int = 0                 # optional requests given up for want of room
    max_in_window: int = 0           # most requests in any rolling window
    rate_limited: int = 0            # 429s the venue answered
    by_kind: dict[str, int] = field(default_factory=dict)


class RequestBudget:
    """A rolling-window limiter with priorities; `acquire` before every request to Lighter."""

    def __init__(self, tier: str = "standard", *, budget_per_window: int | None = None,
                 window_s: float = WINDOW_S, clock: Callable[[], float] = monotonic_s) -> None:
        if tier not in TIER_LIMITS:
            raise ValueError(f"unknown Lighter account tier {tier!r}; allowed: {', '.join(TIERS)}")
        self.tier = tier
        self.limits = TIER_LIMITS[tier]
        self.capacity = budget_per_window or self.limits.budget_per_window
        self.window_s = window_s
        self.stats = BudgetStats()
        self._clock = clock
        self._spent: deque[tuple[float, int, Priority]] = deque()  # (at, weight, priority)
        self._used_by: dict[Priority, int] = dict.fromkeys(Priority, 0)   # in the window
        self._sent_at: deque[float] = deque()             # every request's time, for max_in_window
        self._used = 0
        self._waiting: set[tuple[int, int, int]] = set()  # (priority, round, seq) waiting
        self._round_served: dict[int, int] = {}           # priority -> round last served
        self._owner_round: dict[tuple[str, int], int] = {}  # (owner, priority) -> last round
        self._seq = itertools.count()
        self._changed = asyncio.Event()
        self._cool_until = 0.0        # after a 429: only cancels and fill-safety reads go
        self.floor = Priority.READ    # stopping: every request counts as part of the kill path

    def __repr__(self) -> str:
        return f"RequestBudget(tier={self.tier}, used={self.used()}/{self.capacity})"

    # -- reading -------------------------------------------------------------------------

    def used(self) -> int:
        """Weight spent inside the current window."""
        self._expire(self._clock())
        return self._used

    def used_by_others(self, priority: Priority) -> int:
        """Weight spent inside the current window by requests of every other priority: what
        those take in a window, which pacing one priority must leave them."""
        self._expire(self._clock())
        return self._used - self._used_by[priority]

    def fraction_used(self) -> float:
        return self.used() / self.capacity

    def room(self, priority: Priority) -> int:
        """Weight a request of `priority` could still spend now."""
        return int(self.capacity * SHARE[priority]) - self.used()

    def describe(self) -> str:
        """For the status line: `budget=12/50 per 60s`."""
        return f"budget={self.used()}/{self.capacity} per {self.window_s:g}s"

    # -- spending -------------------------------------------------------------------------

    def try_acquire(self, kind: str, priority: Priority) -> bool:
        """Take room for one request now if there is some and nothing more urgent waits."""
        priority = min(priority, self.floor)
        cost = request_weight(self.tier, kind)
        if self._blocked(priority, None) or not self._fits(cost, priority):
            self.stats.skipped += 1
            return False
        self._take(kind, cost, priority)
        return True

    async def acquire(self, kind: str, priority: Priority) -> float:
        """Wait for room for one request; returns the seconds waited. More urgent requests
        that are waiting go first."""
        priority = min(priority, self.floor)
        cost = request_weight(self.tier, kind)
        if not self._blocked(priority, None) and self._fits(cost, priority):
            self._take(kind, cost, priority)
            return 0.0
        ticket = self._ticket(int(priority))
        self._waiting.add(ticket)
        started = self._clock()
        self.stats.waited += 1
        try:
            while True:
                if not self._blocked(priority, ticket) and self._fits(cost, priority):
                    self._take(kind, cost, priority)
                    self._round_served[ticket[0]] = max(self._round_served.get(ticket[0], 0),
                                                        ticket[1])
                    return self._clock() - started
                self._changed.clear()
                try:
                    await asyncio.wait_for(self._changed.wait(), self._until_room())
                except asyncio.TimeoutError:
                    pass
        finally:
            self._waiting.discard(ticket)
            self._changed.set()

    def note_rate_limited(self, cooldown_s: float = 5.0) -> None:
        """The venue answered 429: its count is ahead of ours (another client on the account or
        the IP); for `cooldown_s` only cancels and fill-safety reads are let through."""
        self.stats.rate_limited += 1
        self._cool_until = max(self._cool_until, self._clock() + cooldown_s)

    # -- internals ------------------------------------------------------------------------

    def _ticket(self, priority: int) -> tuple[int, int, int]:
        """Fair order within a priority: an owner's n-th waiting request goes in round n, so
        the first waiting request of every owner is served before any owner's second."""
        key = (REQUEST_OWNER.get(), priority)
        ticket_round = max(self._round_served.get(priority, 0), self._owner_round.get(key, 0)) + 1
        self._owner_round[key] = ticket_round
        return (priority, ticket_round, next(self._seq))

    def _blocked(self, priority: Priority, ticket: tuple[int, int, int] | None) -> bool:
        """A more urgent (or an earlier equally urgent) request is waiting."""
        if not self._waiting:
            return False
        first = min(self._waiting)
        if ticket is None:
            return first[0] <= int(priority)
        return first != ticket and first[0] <= int(priority)

    def _fits(self, cost: int, priority: Priority) -> bool:
        if priority > Priority.SAFETY and self._clock() < self._cool_until:
            return False
        limit = self.capacity * SHARE[priority]
        return self.used() + cost <= limit or (self._used == 0 and priority == Priority.CANCEL)

    def _take(self, kind: str, cost: int, priority: Priority) -> None:
        now = self._clock()
        self._spent.append((now, cost, priority))
        self._used += cost
        self._used_by[priority] += cost
        self._sent_at.append(now)
        while self._sent_at and self._sent_at[0] <= now - self.window_s:
            self._sent_at.popleft()
        self.stats.requests += 1
        self.stats.weight += cost
        self.stats.max_in_window = max(self.stats.max_in_window, len(self._sent_at))
        self.stats.by_kind[kind] = self.stats.by_kind.get(kind, 0) + 1
        self._changed.set()

    def _expire(self, now: float) -> None:
        while self._spent and self._spent[0][0] <= now - self.window_s:
            _, cost, priority = self._spent.popleft()
            self._used -= cost
            self._used_by[priority] -= cost

    def _until_room(self) -> float:
        """Seconds until the oldest spend leaves the window (a small floor, never zero)."""
        now = self._clock()
        cooling = self._cool_until - now
        if not self._spent:
            return max(0.05, cooling)
        return max(0.005, min(self._spent[0][0] + self.window_s - now,
                              cooling if cooling > 0 else float("inf")))
