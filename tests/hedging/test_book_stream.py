"""The hedge book stream: ccxt's binanceusdm pro class on the local venue's depth stream, and the
feed that falls back to REST polling while the stream is down.

Prices move (the shared price process is not frozen here), so every book compared is the
venue's book of the exact step ccxt's nonce names.
"""
from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal as D
from urllib.parse import urlsplit

import ccxt
import ccxt.pro as ccxt_pro
import pytest

from hedge.adapters.hedging.book_feed import POLL, STREAM, FeedTimings
from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue, CcxtVenueSettings
from hedge.adapters.hedging.urls import point_at, url_leaves
from hedge.core.quoting import MarketView, QuoteParams, quote_target
from hedge.sim.binance.depth_stream import publish_once
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY
from hedge.sim.hedge_venue.streams import DEPTH_STREAMS_KEY, DepthStreams
from hedge.sim.price import STEP_MS
from hedge.sim.runner import start_venues
from tests.sim.ccxt_loopback import post_faults

ETH = "ETH/USDT:USDT"
SIZE = D("0.05")
FAST = FeedTimings(poll_interval_s=0.05, fallback_after_ms=300, silence_reconnect_s=2.0,
                   retry_base_s=0.05, retry_max_s=0.3)


def _pro(base_url: str) -> ccxt_pro.binanceusdm:
    ex = ccxt_pro.binanceusdm({"enableRateLimit": False, "options": {
        "fetchCurrencies": False, "adjustForTimeDifference": False,
        "fetchMarkets": {"types": ["linear"]}}})
    point_at(ex, base_url)
    return ex


def _levels(side) -> list[tuple[D, D]]:
    return [(D(str(p)), D(str(q))) for p, q, *_ in side]


def _assert_is_venue_book(venues, ob: dict) -> None:
    """ccxt's book (read right after its watch returned) is the venue's book of that nonce."""
    state = venues.hedge_app[HEDGE_STATE_KEY]
    expected = state.book("ETHUSDT", state.prices.origin_ms + (ob["nonce"] - 1) * STEP_MS)
    assert expected.nonce == ob["nonce"]
    assert _levels(ob["bids"]) == [(lv.price, lv.qty) for lv in expected.bids]
    assert _levels(ob["asks"]) == [(lv.price, lv.qty) for lv in expected.asks]


async def _until(condition, deadline_s: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.mark.fresh_venue   # counts what the venue saw, from its start
async def test_ccxt_pro_book_is_the_venue_book_and_stays_on_its_host(venues):
    ex = _pro(venues.hedge_url)
    try:
        nonces = []
        for _ in range(6):
            ob = await ex.watch_order_book(ETH, 20)
            nonces.append(ob["nonce"])
            _assert_is_venue_book(venues, ob)
            assert abs(time.time() * 1000 - ob["timestamp"]) < 5000   # the event time E
        assert nonces == sorted(nonces) and nonces[-1] > nonces[0]   # diffs applied
        assert venues.hedge_app[HEDGE_STATE_KEY].depth_requests == 1
        host = urlsplit(venues.hedge_url).netloc
        assert ex.clients and all(urlsplit(url).netloc == host for url in ex.clients)
        assert all(url.endswith("/public/ws/0") for url in ex.clients)
    finally:
        await ex.close()


@pytest.mark.parametrize("exchange_id", ["binanceusdm", "bybit", "okx", "hyperliquid"])
def test_stream_class_is_pointed_at_the_configured_host_only(exchange_id):
    venue = CcxtHedgeVenue(CcxtVenueSettings(exchange_id=exchange_id,
                                             base_url="http://127.0.0.1:9"))
    assert venue.stream_exchange is not None
    leaves = [u for u in url_leaves(venue.stream_exchange.urls["api"]) if "://" in u]
    assert leaves and all(urlsplit(u).hostname == "127.0.0.1" for u in leaves)
    assert any(u.startswith("ws://127.0.0.1:9/") for u in leaves)


@pytest.mark.fresh_venue   # counts what the venue saw, from its start
async def test_sequence_gap_makes_ccxt_resync_from_a_new_snapshot(venues):
    state = venues.hedge_app[HEDGE_STATE_KEY]
    ex = _pro(venues.hedge_url)
    try:
        await ex.watch_order_book(ETH, 20)
        assert state.depth_requests == 1
        state.faults.book_stream_gap = 1          # the next event is never sent: pu breaks
        with pytest.raises(ccxt.ChecksumError):
            for _ in range(30):
                await ex.watch_order_book(ETH, 20)
        assert state.faults.book_stream_gap == 0
        for _ in range(3):                         # resubscribes, fetches a snapshot, diffs on
            ob = await ex.watch_order_book(ETH, 20)
            _assert_is_venue_book(venues, ob)
        assert state.depth_requests == 2
    finally:
        await ex.close()


@pytest.fixture(params=["binanceusdm", "bybit"])
async def streamed(request):
    """(local venues, a CcxtHedgeVenue on them watching ETH): each venue that serves a stream."""
    running = await start_venues(seed=7, hedge_exchange=request.param)
    venue = CcxtHedgeVenue(CcxtVenueSettings(exchange_id=request.param,
                                             base_url=running.hedge_url, book_max_age_ms=400,
                                             timeout_ms=500, book_feed=FAST))
    task = None
    try:
        await venue.start()
        task = asyncio.create_task(venue.watch_book(ETH))
        yield running, venue
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await venue.close()
        await running.stop()


@pytest.fixture
async def feed_venue(venues):
    venue = CcxtHedgeVenue(CcxtVenueSettings(base_url=venues.hedge_url, book_max_age_ms=400,
                                             timeout_ms=500, book_feed=FAST))
    await venue.start()
    task = asyncio.create_task(venue.watch_book(ETH))
    try:
        yield venue
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await venue.close()


async def test_bybit_pro_book_is_the_venue_book():
    """orderbook.50: a snapshot, then deltas; ccxt's bybit class keeps the venue's book."""
    running = await start_venues(seed=7, hedge_exchange="bybit")
    venue = CcxtHedgeVenue(CcxtVenueSettings(exchange_id="bybit", base_url=running.hedge_url))
    try:
        await venue.start()
        state = running.hedge_app[HEDGE_STATE_KEY]
        stamps = []
        for _ in range(6):
            ob = await venue.stream_exchange.watch_order_book(ETH, 50)
            stamps.append(ob["timestamp"])
            expected = state.book("ETHUSDT", ob["timestamp"])   # ts: when the venue sent it
            assert _levels(ob["bids"]) == [(lv.price, lv.qty) for lv in expected.bids]
            assert _levels(ob["asks"]) == [(lv.price, lv.qty) for lv in expected.asks]
        assert stamps[-1] - stamps[0] >= 4 * STEP_MS - 50   # deltas, one a price step
        host = urlsplit(running.hedge_url).netloc
        assert [urlsplit(u).netloc for u in venue.stream_exchange.clients] == [host]
    finally:
        await venue.close()
        await running.stop()


@pytest.mark.slow   # seconds of work: the whole suite runs it
async def test_stream_drop_falls_back_to_polling_then_returns_to_the_stream(streamed):
    venues, feed_venue = streamed
    feed = feed_venue.feed(ETH)
    await _until(lambda: feed.book() is not None and feed.book().source == STREAM, what="stream")
    polls_before = feed.polls
    status, _ = await post_faults(venues.hedge_url, {"book_stream_drop": True,
                                                     "book_stream_refuse_s": 1.5})
    assert status == 200
    await _until(lambda: feed.book().source == POLL, what="REST fallback")
    assert not feed.stream_up and feed.stream_failures >= 1
    assert feed_venue.executable_price(ETH, SIZE, True) is not None   # polled book is fresh
    assert feed_venue.book_age_ms(ETH) <= 400
    await _until(lambda: feed.book().source == STREAM and feed.stream_up, what="stream back")
    assert feed.polls > polls_before
    polls_back = feed.polls
    await asyncio.sleep(0.5)   # the stream is fresh again: polling has stopped
    assert feed.polls <= polls_back + 1
    assert feed_venue.book_age_ms(ETH) < 400


def _quote_params() -> QuoteParams:
    return QuoteParams(pricing="join", order_size=SIZE, tick=D("0.01"), min_profit_bps=D(1),
                       join_max_loss_bps=D(0), maker_fee_bps=D(0), taker_fee_bps=D(0),
                       max_position=D(1))


def _target(venue: CcxtHedgeVenue):
    view = MarketView(lighter_bid=D("2999"), lighter_ask=D("3001"),
                      hedge_sell_price=venue.executable_price(ETH, SIZE, False),
                      hedge_buy_price=venue.executable_price(ETH, SIZE, True),
                      position=D(0), bid_hedge_in_flight=False, ask_hedge_in_flight=False,
                      can_see_fills=True)
    return quote_target(view, _quote_params())


async def test_quoting_pauses_when_neither_stream_nor_poll_is_fresh(venues, feed_venue):
    feed = feed_venue.feed(ETH)
    await _until(lambda: feed.stream_up and _target(feed_venue).bid is not None, what="quotes")
    await post_faults(venues.hedge_url, {"refuse_connections": True})  # stream and REST down
    await _until(lambda: _target(feed_venue).bid is None, what="quoting to pause")
    target = _target(feed_venue)
    assert target.bid is None and target.ask is None and target.bid_off and target.ask_off
    assert feed_venue.book_age_ms(ETH) > 400 and not feed.stream_up
    venues.hedge_app[HEDGE_STATE_KEY].faults.refuse_connections = False   # the API is closed too
    await _until(lambda: _target(feed_venue).bid is not None, what="quoting to resume")


async def test_a_venue_without_a_served_stream_is_polled():
    running = await start_venues(seed=7, hedge_exchange="okx")
    venue = CcxtHedgeVenue(CcxtVenueSettings(exchange_id="okx", base_url=running.hedge_url,
                                             book_feed=FAST))
    try:
        await venue.start()
        symbol = "ETH/USDT:USDT"
        task = asyncio.create_task(venue.watch_book(symbol))
        feed = venue.feed(symbol)
        await _until(lambda: feed.stream_failures >= 1 and feed.book() is not None, what="poll")
        assert feed.book().source == POLL and feed.polls >= 1 and feed.stream_updates == 0
        assert venue.executable_price(symbol, SIZE, True) is not None
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        await venue.close()
        await running.stop()



class _Socket:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send_str(self, text: str) -> None:
        self.sent.append(json.loads(text))


async def test_the_first_event_continues_a_snapshot_taken_before_it(venues):
    """A client of a venue that has not published yet: its snapshot's lastUpdateId is the
    first event's pu, not a gap."""
    state = venues.hedge_app[HEDGE_STATE_KEY]
    streams, socket = DepthStreams(), _Socket()
    streams.subscribers["ETHUSDT"] = {socket}
    at = state.now_ms()
    snapshot = state.book("ETHUSDT", at)
    await publish_once({HEDGE_STATE_KEY: state, DEPTH_STREAMS_KEY: streams}, at + STEP_MS)
    event = socket.sent[0]
    assert (event["e"], event["pu"], event["U"]) == ("depthUpdate", snapshot.nonce,
                                                      snapshot.nonce + 1)
    assert event["u"] == state.book("ETHUSDT", at + STEP_MS).nonce


# Where each streaming local venue serves its book stream, and a subscribe message for ETH.
STREAM_SUBSCRIBE = {
    "binanceusdm": ("/ws", {"method": "SUBSCRIBE", "params": ["ethusdt@depth@100ms"], "id": 1}),
    "bybit": ("/v5/public/linear", {"op": "subscribe", "args": ["orderbook.50.ETHUSDT"]}),
}


@pytest.mark.parametrize("exchange_id", sorted(STREAM_SUBSCRIBE))
async def test_a_venue_stops_at_once_with_a_stream_client_still_connected(exchange_id):
    """A stream handler ends only with its connection: the venue closes them (1001) when it
    stops, instead of holding its stop for aiohttp's 60 s graceful-shutdown wait."""
    import aiohttp

    running = await start_venues(seed=7, hedge_exchange=exchange_id)
    path, subscribe = STREAM_SUBSCRIBE[exchange_id]
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(running.hedge_url.replace("http", "ws") + path)
        await ws.send_str(json.dumps(subscribe))
        assert (await ws.receive(timeout=5)).type is aiohttp.WSMsgType.TEXT
        started = time.monotonic()
        stop = asyncio.create_task(running.stop())

        async def read_until_closed() -> None:     # a client reads on, as ccxt does
            while not ws.closed:
                await ws.receive()

        try:
            await asyncio.wait_for(read_until_closed(), timeout=20)
        finally:
            await asyncio.wait_for(stop, timeout=70)
        stopped_in_s = time.monotonic() - started
        assert ws.close_code == 1001
    assert stopped_in_s < 10, stopped_in_s
