"""summary.json while the run goes: rewritten every `logging.summary_every_s` with
`"final": false`, so a run that is SIGKILLed or loses its machine still leaves its figures.

The periodic figures come from the bot's own counters and positions (no venue is asked: a
write a minute must not spend the request budget); the final write at the stop asks the venues
as before. A periodic write never lands after the final one.
"""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any, Awaitable, Callable

from loguru import logger

from hedge.infra.clock import REAL_CLOCK, MonotonicClock
from hedge.infra.run_files import RunSummary, write_summary

RUNNING = "running"           # exit_reason of a summary written while the run goes


class SummaryWrites:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._lock = threading.Lock()
        self._final_written = False
        self.periodic = 0

    def write(self, summary: RunSummary | dict[str, Any], final: bool) -> Path | None:
        """Atomic write (temp file + os.replace); None when the final one is already there."""
        with self._lock:
            if self._final_written:
                return None
            self._final_written = final
            return write_summary(self.run_dir, summary)

    async def run(self, snapshot: Callable[[], Awaitable[RunSummary]], every_s: float,
                  clock: MonotonicClock = REAL_CLOCK) -> None:
        """Write a non-final summary every `every_s` until cancelled; a failure is logged."""
        while True:
            await clock.sleep(every_s)
            try:
                summary = await snapshot()
                summary.exit_reason, summary.final = RUNNING, False
                data = summary.to_dict()
                if await asyncio.to_thread(self.write, data, False) is not None:
                    self.periodic += 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:   # the figures are a view: they never stop the run
                logger.warning("periodic summary.json not written: {}: {}", type(exc).__name__, exc)
