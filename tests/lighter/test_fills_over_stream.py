"""Fills detected from our stream client equal the venue's own fills, also across reconnects."""
from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from hedge.adapters.lighter import frame_log
from hedge.adapters.lighter import messages as m
from hedge.core.fill_detector import FillDetector
from hedge.sim.lighter import market_life
from tests.lighter.conftest import ETH
from tests.sim.ccxt_loopback import freeze_prices
from tests.sim.lighter_helpers import best_prices, poll, venue

pytestmark = pytest.mark.slow   # each test waits seconds for taker flow or reconnects


def venue_filled(venues, account_index: int) -> Decimal:
    lots = sum(f.lots for f in venue(venues).fills if f.account == account_index and f.market == ETH)
    return Decimal(lots).scaleb(-4)


async def drain_fills(ws, detector: FillDetector, deltas: list, until) -> None:
    """Feed account order frames to the detector until `until()` or the queue idles."""
    while not until():
        try:
            msg = await asyncio.wait_for(ws.queue.get(), 0.5)
        except TimeoutError:
            continue
        if isinstance(msg, m.AccountOrders):
            for delta in detector.on_updates(msg.all_orders()):
                frame_log.log_fill(delta)
                deltas.append(delta)


async def place_at_best_bid(account, venues, coi: int, size: Decimal):
    bid, _ = best_prices(venues)
    return await account.orders.create_post_only(ETH, False, size, Decimal(bid).scaleb(-2), coi)


@pytest.mark.long   # ~30 s idle: the takers fill it a step at a time
async def test_post_only_at_best_bid_fills_partially_then_fully(venues, account, monkeypatch):
    """Alone one tick above the best bid, with the mid pinned, the order is the first a selling
    taker meets; takers trade at most 6 x 0.005 at once, so 0.04 fills in two steps or more."""
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 12.0)
    freeze_prices(venues.prices)
    ws = account.ws()
    ws.start()
    detector, deltas = FillDetector(), []
    try:
        await ws.wait_book(ETH)
        await poll(lambda: best_prices(venues)[0] < 300_000 < best_prices(venues)[1])  # at 3000
        size = Decimal("0.2000")
        bid, ask = best_prices(venues)
        assert ask - bid > 1
        assert (await account.orders.create_post_only(ETH, False, size, Decimal(bid + 1).scaleb(-2),
                                                      101)).accepted
        deadline = time.monotonic() + 60
        await drain_fills(ws, detector, deltas,
                          lambda: sum(d.size for d in deltas) >= size or time.monotonic() > deadline)
        assert sum(d.size for d in deltas) == size == venue_filled(venues, account.account_index)
        assert len(deltas) >= 2
        assert [d.status for d in deltas] == ["open"] * (len(deltas) - 1) + ["filled"]
        assert deltas[-1].cum_filled_base == size
        assert all(d.size > 0 for d in deltas) and len({d.key for d in deltas}) == len(deltas)
        position = await account.rest.account_position(account.account_index, ETH)
        assert position == size                                  # bought: signed long
    finally:
        await ws.close()


@pytest.mark.fresh_venue   # its orders at the best bid fill only with no other test's bid ahead
async def test_reconnects_mid_stream_lose_no_fill(venues, account, monkeypatch):
    """Frames sent while disconnected are gone; the Connected cue + REST reconcile recovers them."""
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 12.0)
    v = venue(venues)
    v.faults.ws_disconnect_every_s = 1.0
    v.faults.duplicate_account_frame_prob = 0.3
    ws = account.ws()
    ws.start()
    detector, deltas = FillDetector(), []
    try:
        await ws.wait_book(ETH)
        cois = list(range(201, 209))
        for coi in cois:
            assert (await place_at_best_bid(account, venues, coi, Decimal("0.0200"))).accepted
            deadline = time.monotonic() + 0.6
            await drain_fills(ws, detector, deltas, lambda: time.monotonic() > deadline)
        deadline = time.monotonic() + 2
        await drain_fills(ws, detector, deltas, lambda: time.monotonic() > deadline)
        v.faults.ws_disconnect_every_s = 0.0
        await account.orders.cancel_all()
        await ws.wait_book(ETH)
        deadline = time.monotonic() + 0.5
        await drain_fills(ws, detector, deltas, lambda: time.monotonic() > deadline)
        from_stream = sum(d.size for d in deltas)
        token = await account.orders.mint_auth_token()
        for order in await account.rest.orders_by_client_index(account.account_index, cois, token):
            deltas.extend(detector.on_updates([order]))
        total = sum(d.size for d in deltas)
        print(f"\nreconnects={ws.counters.reconnects} fills={len(deltas)} stream={from_stream} "
              f"after_reconcile={total} reconnect_ms={ws.counters.reconnect_ms.stats()}")
        assert ws.counters.reconnects >= 3
        assert total > 0 and total == venue_filled(venues, account.account_index)
        assert len({d.key for d in deltas}) == len(deltas)
    finally:
        await ws.close()
