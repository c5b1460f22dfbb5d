"""Live on day one, the Lighter side against the local venue: paced subscribes that each reach
their account stream, replies the SDK cannot parse, and the venue's clock."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from loguru import logger

from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter import rest as rest_module
from hedge.adapters.lighter.rest import LighterRest
from hedge.adapters.lighter.server_clock import lighter_clock_offset_ms
from hedge.sim.lighter.accounts import Position
from tests.lighter.conftest import ETH
from tests.sim.lighter_helpers import poll, venue


async def _account_snapshots(ws, markets: set[int], timeout_s: float) -> set[int]:
    """Markets whose account_orders snapshot arrived within `timeout_s`."""
    seen: set[int] = set()

    async def scan():
        while seen != markets:
            msg = await ws.queue.get()
            if isinstance(msg, m.AccountOrders) and msg.is_snapshot and msg.market_id is not None:
                seen.add(msg.market_id)
    try:
        await asyncio.wait_for(scan(), timeout_s)
    except asyncio.TimeoutError:
        pass
    return seen


@pytest.mark.slow   # every subscribe waits 2 s for its acknowledgement: about 25 s
@pytest.mark.long   # ~22 s idle
async def test_every_market_reaches_its_account_stream_with_slow_acks_and_a_low_cap(venues,
                                                                                  account):
    """A burst of 2N+1 subscribes would meet the cap (8 a window) and lose the last markets'
    account streams; paced and acknowledged one by one, every market gets its snapshot."""
    markets = set(venue(venues).markets)
    faults = venue(venues).faults
    faults.ws_ack_delay_ms, faults.ws_messages_per_min, faults.rate_window_s = 2000, 8, 10.0
    ws = account.ws(markets=sorted(markets), subscribes_per_s=3.0)
    ws.start()
    try:
        assert await _account_snapshots(ws, markets, timeout_s=90) == markets
        await poll(lambda: ws.pacer.subscribed == set(ws.channels), timeout=10)
    finally:
        await ws.close()


@pytest.mark.slow   # seconds of work: the whole suite runs it
async def test_refused_subscribes_are_retried_until_every_channel_is_subscribed(venues, account):
    """A cap of 4 messages per 2 s window refuses most of an 11-channel start (30009): each
    refused subscribe is sent again after a backoff, and no market is left without its stream."""
    markets = set(venue(venues).markets)
    faults = venue(venues).faults
    faults.ws_messages_per_min, faults.rate_window_s = 4, 2.0
    ws = account.ws(markets=sorted(markets), subscribes_per_s=3.3)
    ws.pacer.backoff_first_s = 0.2
    ws.start()
    try:
        assert await _account_snapshots(ws, markets, timeout_s=60) == markets
        await poll(lambda: ws.pacer.subscribed == set(ws.channels), timeout=20)
        assert ws.pacer.refusals >= 1 and ws.counters.error_frames >= 1
    finally:
        await ws.close()


async def test_unknown_enum_values_keep_the_position_and_order_reads_alive(venues, account):
    """With every SDK-validated enum unknown (order status, type, time in force; asset margin
    mode), the position and the resting orders are still read, and each unknown field is
    warned about once. (lighter-sdk 1.1.8 builds its models without validating them, so its own
    parse passes too; the reads do not depend on that.)"""
    lighter = venue(venues)
    lighter.accounts[account.account_index].positions[ETH] = Position(ETH, lots=-250,
                                                                      entry_quote=Decimal(750))
    held = lighter.markets[ETH].size(250)
    result = await account.orders.create_post_only(ETH, False, Decimal("0.01"), Decimal("1000"), 77)
    assert result.accepted
    auth = await account.orders.mint_auth_token()
    await poll(lambda: lighter.accounts[account.account_index].live_orders(ETH), timeout=5)
    lighter.faults.unknown_enum_in_replies = True
    rest_module._warned_unknown.clear()
    lines: list[str] = []
    sink = logger.add(lambda msg: lines.append(str(msg)), level="WARNING")
    try:
        for _ in range(2):
            assert await account.rest.account_position(account.account_index, ETH) == -held
            orders = await account.rest.active_orders(account.account_index, ETH, auth)
            assert [o.client_order_index for o in orders] == [77]
    finally:
        logger.remove(sink)
        lighter.faults.unknown_enum_in_replies = False
    for endpoint, name in (("account", "margin_mode"), ("accountActiveOrders", "status")):
        warned = [line for line in lines if f"{endpoint} reply carries {name}=" in line]
        assert len(warned) == 1, lines


@pytest.mark.parametrize("offset_ms", [5000, 500, -500])
async def test_the_venue_clock_offset_is_read_to_the_millisecond(venues, offset_ms):
    venue(venues).faults.clock_offset_ms = offset_ms
    measured = await lighter_clock_offset_ms(venues.lighter_url, ETH)
    assert abs(measured - offset_ms) < 150, measured


async def test_account_tier_is_read_from_account_limits(venues, account):
    async with LighterRest(venues.lighter_url) as rest:
        auth = await account.orders.mint_auth_token()
        assert await rest.account_tier(account.account_index, auth) == "standard"


async def test_scheduled_cancel_all_lands_on_the_venue_clock(venues, account):
    """The venue's clock 30 s ahead: a schedule 5 min ahead of the host's clock is too close
    on the venue's; with the offset known, the same schedule is accepted."""
    venue(venues).faults.clock_offset_ms = 30_000
    refused = await account.orders.schedule_cancel_all(300_000 + 10_000)
    assert not refused.accepted
    await account.orders.abort_scheduled_cancel_all()
    account.orders.venue_clock_offset_ms = 30_000
    accepted = await account.orders.schedule_cancel_all(300_000 + 10_000)
    assert accepted.accepted, accepted.message
