"""LighterWsClient against the local venue: book, keepalive, resync, auth errors."""
from __future__ import annotations

from decimal import Decimal

import pytest

from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.ws_client import LighterWsClient
from hedge.core.order_book import BookState
from hedge.sim.lighter import stream
from tests.lighter.conftest import ETH, next_message
from tests.sim.lighter_helpers import best_prices, poll, venue


async def test_book_snapshot_chained_updates_and_best_prices(venues):
    ws = LighterWsClient(venues.lighter_url, markets=[ETH, 1])
    ws.start()
    try:
        snap = await next_message(ws.queue, lambda x: isinstance(x, m.OrderBookSnapshot))
        assert snap.recv_ns > 0 and snap.nonce is not None
        book = await ws.wait_book(ETH)
        await poll(lambda: book.updates_applied >= 5, timeout=5)
        assert book.state is BookState.LIVE and book.resync_count == 0
        bid, ask = ws.best_bid_ask(ETH)
        assert bid.price < ask.price
        venue_bid, venue_ask = best_prices(venues)
        spec_scale = Decimal(100)     # ETH prices have 2 decimals on the venue
        assert abs(bid.price * spec_scale - venue_bid) <= 500 and abs(ask.price * spec_scale - venue_ask) <= 500
        assert (await ws.wait_book(1)).is_live
        assert ws.counters.frames_in > 5 and ws.counters.book_resyncs == 0
    finally:
        await ws.close()


async def test_answers_server_pings_and_sends_keepalive(venues, monkeypatch):
    monkeypatch.setattr(stream, "PING_INTERVAL_S", 0.1)
    ws = LighterWsClient(venues.lighter_url, markets=[], keepalive_s=0.15)
    ws.start()
    try:
        await poll(lambda: ws.counters.pings_answered >= 5, timeout=5)
        pongs = await next_message(ws.queue, lambda x: isinstance(x, m.Pong))   # reply to our ping
        assert pongs.type == "pong"
        assert ws.counters.reconnects == 0 and ws.connected.is_set()
    finally:
        await ws.close()


async def test_book_gap_is_resynced_and_book_healthy_again(venues):
    ws = LighterWsClient(venues.lighter_url, markets=[ETH])
    ws.start()
    try:
        book = await ws.wait_book(ETH)
        snapshots = book.snapshots_applied
        venue(venues).faults.book_nonce_gap_prob = 1.0
        await poll(lambda: ws.counters.book_resyncs >= 1, timeout=5)
        venue(venues).faults.book_nonce_gap_prob = 0.0
        assert book.resync_count >= 1
        await poll(lambda: book.snapshots_applied > snapshots and book.is_live, timeout=5)
        applied = book.updates_applied
        await poll(lambda: book.updates_applied >= applied + 3, timeout=5)
        assert book.is_live and ws.counters.reconnects == 0
        bid, ask = ws.best_bid_ask(ETH)
        assert bid.price < ask.price
    finally:
        await ws.close()


@pytest.mark.slow   # waits through reconnects
async def test_periodic_disconnects_reconnect_and_resubscribe(venues):
    venue(venues).faults.ws_disconnect_every_s = 0.4
    ws = LighterWsClient(venues.lighter_url, markets=[ETH])
    ws.start()
    try:
        await poll(lambda: ws.counters.reconnects >= 3, timeout=8)
        venue(venues).faults.ws_disconnect_every_s = 0.0
        await ws.wait_book(ETH)
        assert len(ws.counters.reconnect_ms) >= 3 and ws.counters.reconnect_ms.max < 1000
    finally:
        await ws.close()


@pytest.mark.slow   # waits for the silence watchdog
async def test_silence_watchdog_reconnects(venues):
    ws = LighterWsClient(venues.lighter_url, markets=[ETH], silence_timeout_s=0.4)
    ws.start()
    try:
        await ws.wait_book(ETH)
        assert ws.connected.is_set() and ws.counters.reconnects == 0
        venue(venues).faults.ws_silent = True     # not even a greeting gets through now
        await poll(lambda: not ws.connected.is_set(), timeout=5)    # the watchdog hung up
        venue(venues).faults.ws_silent = False
        await poll(lambda: ws.counters.reconnects >= 1, timeout=5)
        await ws.wait_book(ETH)
    finally:
        await ws.close()


@pytest.mark.slow   # waits through auth retries
async def test_rejected_auth_is_an_error_frame_20013_and_retried(venues, account):
    venue(venues).faults.reject_auth = True
    ws = account.ws(auth_retry_min_s=0.2)
    ws.start()
    try:
        err = await next_message(ws.queue, lambda x: isinstance(x, m.ErrorFrame))
        assert err.code == 20013 and "invalid auth" in err.message
        await poll(lambda: ws.counters.token_refreshes >= 1, timeout=5)
        venue(venues).faults.reject_auth = False
        snap = await next_message(ws.queue, lambda x: isinstance(x, m.AccountOrders) and x.is_snapshot)
        assert snap.account == account.account_index
    finally:
        await ws.close()


async def test_a_book_gap_on_one_market_resyncs_that_market_only(venues):
    """book_gap_markets breaks one market's chain: SOL resyncs, ETH's book is never touched."""
    sol = 2
    ws = LighterWsClient(venues.lighter_url, markets=[ETH, sol])
    ws.start()
    try:
        eth_book, sol_book = await ws.wait_book(ETH), await ws.wait_book(sol)
        venue(venues).faults.book_gap_markets = ["SOL"]
        await poll(lambda: sol_book.resync_count >= 1, timeout=5)
        applied = eth_book.updates_applied
        await poll(lambda: eth_book.updates_applied >= applied + 3, timeout=5)
        assert eth_book.resync_count == 0 and eth_book.is_live
        bid, ask = ws.best_bid_ask(ETH)
        assert bid is not None and ask is not None
        venue(venues).faults.book_gap_markets = []
        await poll(lambda: sol_book.is_live, timeout=5)
        assert ws.counters.reconnects == 0
    finally:
        await ws.close()
