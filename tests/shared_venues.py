"""Local venue pairs started once per pytest process (each xdist worker has its own), one pair
per hedge exchange, each in a thread of its own with its own event loop.

A test's event loop lives only as long as the test; the venues' own loop outlives them all, so a
pair is started once instead of for every test (about 300 starts). Tests reach the venues over
loopback as before, and read or set their state (`venue(venues).faults`, `freeze_prices`) as
plain attributes. After each test `reset` puts back what a test may change: faults, market
status and rate windows (`POST /sim/reset` on both venues, which also cancels resting orders),
and the price pins. Accounts stay: each test registers its own.
"""
from __future__ import annotations

import asyncio
import threading
import time

import aiohttp

from hedge.sim.faults import restore_defaults
from hedge.sim.runner import RunningVenues, start_venues

SEED = 7
START_TIMEOUT_S = 30


# The real clock, taken before any test patches the module (held in a tuple: freezegun swaps
# every module attribute that is the real function, not what a container holds).
_REAL_CLOCK = (time.monotonic,)


class _RealClockLoop(asyncio.SelectorEventLoop):
    """An event loop on the real clock. A test that freezes or fakes `time.monotonic`
    (freezegun, monkeypatch) would otherwise have the venues' loop schedule its timers on the
    fake clock: ticks and the refusal watch would sleep for years after the test restored it."""

    def time(self) -> float:
        return _REAL_CLOCK[0]()


class VenueThread:
    """One pair of venues running in a daemon thread's event loop."""

    def __init__(self, hedge_exchange: str) -> None:
        self.loop = _RealClockLoop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                        name=f"venues-{hedge_exchange}")
        self._thread.start()
        self.running: RunningVenues = self._call(
            start_venues(seed=SEED, hedge_exchange=hedge_exchange))

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(START_TIMEOUT_S)

    def stop(self) -> None:
        try:
            self._call(self.running.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)


class VenuePool:
    """Venue pairs by hedge exchange, started on first use."""

    def __init__(self) -> None:
        self._pairs: dict[str, VenueThread] = {}
        self._lock = threading.Lock()

    def get(self, hedge_exchange: str = "binanceusdm") -> RunningVenues:
        with self._lock:
            pair = self._pairs.get(hedge_exchange)
            if pair is None:
                pair = self._pairs[hedge_exchange] = VenueThread(hedge_exchange)
            return pair.running

    def stop(self) -> None:
        for pair in self._pairs.values():
            pair.stop()
        self._pairs.clear()


async def reset(running: RunningVenues) -> None:
    """What a test may have changed on a shared pair, put back (accounts kept)."""
    running.prices.__dict__.pop("mid", None)         # freeze_prices pins an instance attribute
    restore_defaults(running.faults.hedge)            # a refusing venue cannot hear the route
    async with aiohttp.ClientSession() as http:
        for url in (running.lighter_url, running.hedge_url):
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                try:
                    async with http.post(f"{url}/sim/reset", json={}) as resp:
                        assert resp.status == 200, f"{url}/sim/reset: {resp.status} {await resp.text()}"
                        break
                except aiohttp.ClientConnectorError:
                    if time.monotonic() > deadline:    # the refusal watch reopens it at once
                        raise
                    await asyncio.sleep(0.02)


async def venue_pair(request, hedge_exchange: str = "binanceusdm"):
    """The shared pair for `hedge_exchange`, reset after the test; a fresh pair in the test's
    own loop for a test marked `fresh_venue` (one that needs the venue's history to itself:
    every fill, trade or request it ever saw, or a listener it closes)."""
    if request.node.get_closest_marker("fresh_venue") is not None:
        running = await start_venues(seed=SEED, hedge_exchange=hedge_exchange)
        try:
            yield running
        finally:
            await running.stop()
        return
    running = request.getfixturevalue("venue_pool").get(hedge_exchange)
    try:
        yield running
    finally:
        await reset(running)
