"""The account's one lane for Lighter transactions: a priority queue and one sender.

Every transaction (quote, modify, cancel, cancel-all, the dead-man's switch) waits here as
(priority, round, arrival). The sender takes the most urgent one, waits for room in the request
budget for it, and only then assigns the nonce, signs and sends. While it waits for room a more
urgent arrival takes its place, so a quote waiting out the budget window never holds a cancel
back. Within one priority, owners (markets) are served round-robin: an owner's n-th waiting
transaction goes in round n. The nonce lives here and nothing else increments it; a 429 puts the
transaction back with a backoff (the others go meanwhile), an invalid nonce refreshes it once.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from lighter.exceptions import ApiException

from hedge.adapters.lighter.request_budget import REQUEST_OWNER, Priority, RequestBudget
from hedge.infra.clock import REAL_CLOCK, MonotonicClock, perf_s
from hedge.infra.retry import backoff_s

CODE_OK = 200
CODE_INVALID_NONCE = 21104


@dataclass(frozen=True, slots=True)
class SendAnswer:
    """The venue's answer to one sendTx (`code` None: no answer, see `message`)."""

    code: int | None
    message: str
    tx_hash: str = ""
    quota: int | None = None
    rate_limited: bool = False
    timed_out: bool = False


@dataclass(order=True)
class _Waiting:
    key: tuple[int, int, int]                    # (priority, round, arrival)
    sign: Callable = field(compare=False)
    priority: Priority = field(compare=False)
    owner: str = field(compare=False)
    future: asyncio.Future = field(compare=False)
    started: float = field(compare=False)        # perf_counter at the call, for latency_ms
    ready_at_s: float = field(default=0.0, compare=False)   # after a 429: not before this
    rate_limited: int = field(default=0, compare=False)
    nonce_retried: bool = field(default=False, compare=False)


class TransactionLane:
    """`submit(sign, priority)` -> the lane's TxResult-shaped answer, built by `result`."""

    def __init__(self, budget: RequestBudget, *, fetch_nonce: Callable[[], Awaitable[int]],
                 sign: Callable[[Callable, int], Awaitable[tuple]],
                 send: Callable[[int, str], Awaitable[SendAnswer]], result: Callable[..., object],
                 counters, redact: Callable[[str], str], max_429_retries: int = 3,
                 rate_limit_backoff_s: float = 0.25, clock: MonotonicClock = REAL_CLOCK) -> None:
        self.budget = budget
        self.counters = counters
        self.nonce: int | None = None
        self._fetch_nonce, self._sign, self._send = fetch_nonce, sign, send
        self._result, self._redact = result, redact
        self._max_429_retries = max_429_retries
        self._backoff_s = rate_limit_backoff_s
        self._clock = clock
        self._queue: list[_Waiting] = []
        self._arrivals = itertools.count()
        self._round_served: dict[int, int] = {}
        self._owner_round: dict[tuple[str, int], int] = {}
        self._arrived = asyncio.Event()
        self._sender: asyncio.Task | None = None
        self._sending: _Waiting | None = None

    @property
    def waiting(self) -> int:
        return len(self._queue)

    async def submit(self, sign: Callable, priority: Priority):
        priority = min(priority, self.budget.floor)
        owner = REQUEST_OWNER.get()
        entry = _Waiting(self._ticket(owner, int(priority)), sign, priority, owner,
                         asyncio.get_running_loop().create_future(), perf_s())
        heapq.heappush(self._queue, entry)
        self._arrived.set()
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._run(), name="lighter-tx-lane")
        return await entry.future

    async def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
            await asyncio.gather(self._sender, return_exceptions=True)
        for entry in [*self._queue, *([self._sending] if self._sending else [])]:
            if not entry.future.done():
                entry.future.set_result(self._result(False, message="closed before an answer",
                                                     latency_ms=_ms_since(entry.started)))
        self._queue.clear()

    # -- the sender ---------------------------------------------------------------------

    def _ticket(self, owner: str, priority: int) -> tuple[int, int, int]:
        key = (owner, priority)
        ticket_round = max(self._round_served.get(priority, 0), self._owner_round.get(key, 0)) + 1
        self._owner_round[key] = ticket_round
        return (priority, ticket_round, next(self._arrivals))

    def _most_urgent_ready(self) -> _Waiting | None:
        """The first waiting transaction in (priority, round, arrival) order that may go now;
        the abandoned (caller gone) are dropped on the way."""
        now = self._clock.now_s()
        self._queue = [e for e in self._queue if not e.future.done()]
        heapq.heapify(self._queue)
        ready = [e for e in self._queue if e.ready_at_s <= now]
        return min(ready) if ready else None

    async def _run(self) -> None:
        while self._queue:
            entry = self._most_urgent_ready()
            if entry is None:
                if not self._queue:
                    return
                await self._until_arrival(min(e.ready_at_s for e in self._queue)
                                          - self._clock.now_s())
                continue
            try:
                if not await self._room_for(entry):
                    continue                   # a more urgent one arrived: it goes first
                entry = self._most_urgent_ready() or entry   # room taken: the most urgent uses it
                self._queue.remove(entry)
                heapq.heapify(self._queue)
                self._round_served[entry.key[0]] = max(self._round_served.get(entry.key[0], 0),
                                                       entry.key[1])
                self._sending = entry
                await self._send_one(entry)
            except Exception as exc:           # never leave a caller waiting on a dead lane
                if entry in self._queue:
                    self._queue.remove(entry)
                    heapq.heapify(self._queue)
                if not entry.future.done():
                    entry.future.set_exception(exc)
            finally:
                self._sending = None

    async def _until_arrival(self, timeout_s: float) -> None:
        self._arrived.clear()
        arrival = asyncio.ensure_future(self._arrived.wait())
        sleeping = asyncio.ensure_future(self._clock.sleep(max(timeout_s, 0.001)))
        await asyncio.wait({arrival, sleeping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (arrival, sleeping):
            task.cancel()

    async def _room_for(self, entry: _Waiting) -> bool:
        """Room in the budget for `entry`; False as soon as a more urgent transaction waits
        (the room is not taken then)."""
        token = REQUEST_OWNER.set(entry.owner)
        try:
            acquiring = asyncio.ensure_future(self.budget.acquire("sendTx", entry.priority))
        finally:
            REQUEST_OWNER.reset(token)
        while True:
            self._arrived.clear()
            arrival = asyncio.ensure_future(self._arrived.wait())
            await asyncio.wait({acquiring, arrival}, return_when=asyncio.FIRST_COMPLETED)
            arrival.cancel()
            if acquiring.done():
                acquiring.result()
                return True
            first = self._most_urgent_ready()
            if first is not None and first.key < entry.key:
                acquiring.cancel()
                await asyncio.gather(acquiring, return_exceptions=True)
                return False

    async def _send_one(self, entry: _Waiting) -> None:
        """Nonce, signature, send; the answer goes to the caller, or the entry back in line."""
        if self.nonce is None:
            try:
                await self.budget.acquire("nextNonce", min(entry.priority, Priority.SAFETY))
                self.nonce = await self._fetch_nonce()
                self.counters.nonce_refreshes += 1
            except (ApiException, OSError, asyncio.TimeoutError) as exc:
                self.counters.rejected += 1
                if isinstance(exc, asyncio.TimeoutError):
                    self.counters.timeouts += 1
                what = "timeout" if isinstance(exc, asyncio.TimeoutError) else \
                    f"{type(exc).__name__}: {exc}"
                entry.future.set_result(self._result(
                    False, message=f"nextNonce failed: {self._redact(what)}",
                    latency_ms=_ms_since(entry.started)))
                return
        nonce = self.nonce
        t0 = perf_s()
        tx_type, tx_info, _, err = await self._sign(entry.sign, nonce)
        sign_ms = (perf_s() - t0) * 1000
        self.counters.sign_ms.append(sign_ms)
        done = partial_result(self._result, entry, sign_ms, nonce)
        if err is not None:
            self.counters.rejected += 1
            done(False, message=f"signing refused: {self._redact(str(err))}")
            return
        answer = await self._send(tx_type, tx_info)
        if answer.code == CODE_OK:
            self.nonce = nonce + 1
            done(True, tx_hash=answer.tx_hash, code=answer.code, message=answer.message,
                 volume_quota_remaining=answer.quota)
        elif answer.timed_out:         # the venue may have taken it: ask for the nonce afresh
            self.nonce = None
            self.counters.timeouts += 1
            done(False, message=answer.message, timed_out=True)
        elif _is_nonce_error(answer.code, answer.message) and not entry.nonce_retried:
            self.nonce = None
            entry.nonce_retried = True
            self._requeue(entry)
        elif answer.rate_limited and entry.rate_limited < self._max_429_retries:
            entry.rate_limited += 1
            entry.ready_at_s = self._clock.now_s() + backoff_s(
                entry.rate_limited, self._backoff_s, 30 * self._backoff_s)
            self._requeue(entry)
        else:
            self.counters.rejected += 1
            done(False, code=answer.code, message=answer.message)

    def _requeue(self, entry: _Waiting) -> None:
        heapq.heappush(self._queue, entry)


def partial_result(result: Callable[..., object], entry: _Waiting, sign_ms: float, nonce: int):
    def done(accepted: bool, **fields) -> None:
        if not entry.future.done():
            entry.future.set_result(result(accepted, latency_ms=_ms_since(entry.started),
                                           sign_ms=sign_ms, nonce=nonce, **fields))
    return done


def _ms_since(started: float) -> float:
    return (perf_s() - started) * 1000


def _is_nonce_error(code: int | None, message: str) -> bool:
    return code == CODE_INVALID_NONCE or "invalid nonce" in message.lower()
