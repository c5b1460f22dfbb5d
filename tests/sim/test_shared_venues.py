"""The shared venue pair outlives tests that freeze the clock, and a reset puts back what a
test changed (tests/shared_venues.py)."""
from __future__ import annotations

import asyncio
import time

from freezegun import freeze_time

from tests.sim.ccxt_loopback import freeze_prices
from tests.shared_venues import reset
from tests.sim.lighter_helpers import new_client, poll, venue


async def _refused(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except ConnectionRefusedError:
        return True
    writer.close()
    return False


async def test_the_shared_venues_keep_their_clock_through_a_frozen_test(venues):
    with freeze_time("2025-03-01 12:00:00"):     # what a freezegun test does meanwhile
        time.sleep(0.3)                           # the venues' loop schedules timers now
    venues.faults.hedge.refuse_connections = True  # the refusal watch still runs after it
    await poll(lambda: _refused(venues.hedge.port), timeout=5)


async def test_the_reset_puts_faults_and_pins_back_and_keeps_the_pair(venues, venue_pool):
    client = await new_client(venues)
    lighter = venue(venues)
    pins = freeze_prices(venues.prices)
    lighter.faults.market_status = {"ETH": "inactive"}
    lighter.faults.rate_window_s = 5
    venues.faults.hedge.reject_hedge_symbols = ["ETHUSDT"]
    try:
        await reset(venues)
    finally:
        await client.close()
    assert lighter.faults.market_status == {} and lighter.faults.rate_window_s == 60
    assert venues.faults.hedge.reject_hedge_symbols == []
    pins["ETH"] = 1.0
    assert venues.prices.mid("ETH") > 100          # the pin is gone: the walk is back
    assert venue_pool.get() is venues              # the same pair, not a new one
