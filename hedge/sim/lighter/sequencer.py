"""Accepted transactions waiting for their due time (tier latency plus `tx_latency_ms`).

Each executes at its own due time, ties in acceptance order: a maker order sent after a taker
order on a standard account (200 ms vs 300 ms) can reach the book first, as with the real
venue's speed bumps.
"""
from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import time
from typing import Any, Callable

log = logging.getLogger(__name__)


class Sequencer:
    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Any]] = []
        self._wake = asyncio.Event()

    def __len__(self) -> int:
        """Transactions still waiting for their due time."""
        return len(self._heap)

    def put(self, rec: Any) -> None:
        heapq.heappush(self._heap, (rec.due_ms, rec.sequence, rec))
        self._wake.set()

    async def run(self, execute: Callable[[Any], None]) -> None:
        while True:
            if not self._heap:
                self._wake.clear()
                await self._wake.wait()
                continue
            due_ms, _, rec = self._heap[0]
            delay = due_ms / 1000 - time.time()
            if delay > 0:
                self._wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
                continue
            heapq.heappop(self._heap)
            try:
                execute(rec)
            except Exception:  # a venue bug must not stop every later tx from executing
                log.exception("lighter sim: executing tx %s failed", rec.hash)
                rec.status, rec.event_info = 0, {"ae": "internal error"}
