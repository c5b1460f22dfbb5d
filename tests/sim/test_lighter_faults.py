"""Fault knobs, queue priority, latency, skip-nonce and the /sim/ control routes of the
Lighter venue."""
from __future__ import annotations

import time
from decimal import Decimal

import aiohttp
from lighter.signer_client import SignerClient

from hedge.sim.lighter import stream
from hedge.sim.lighter.accounts import Order, now_us
from tests.sim.lighter_helpers import best_prices, frame_where, new_client, next_frame, poll, token, venue

ETH = 0


async def connect(http, venues):
    ws = await http.ws_connect(venues.lighter_url.replace("http", "ws") + "/stream")
    assert (await next_frame(ws))["type"] == "connected"
    return ws


async def place_far_bid(client, venues, coi: int):
    bid, _ = best_prices(venues)
    _, _, err = await client.create_order(ETH, coi, 100, int(bid * 0.8), False, 0,
                                          SignerClient.ORDER_TIME_IN_FORCE_POST_ONLY)
    assert err is None


async def test_duplicate_and_muted_account_frames(venues):
    client = await new_client(venues)
    v = venue(venues)
    try:
        async with aiohttp.ClientSession() as http:
            ws = await connect(http, venues)
            await ws.send_json({"type": "subscribe", "channel": f"account_all_orders/{client.account_index}",
                                "auth": token(client)})
            assert (await next_frame(ws))["type"] == "subscribed/account_all_orders"
            v.faults.duplicate_account_frame_prob = 1.0
            await place_far_bid(client, venues, 1)
            a = await frame_where(ws, lambda f: f["type"] == "update/account_all_orders")
            b = await next_frame(ws)
            assert a == b
            v.faults.duplicate_account_frame_prob = 0.0
            v.faults.mute_account_orders = True
            await place_far_bid(client, venues, 2)
            acct = v.accounts[client.account_index]
            await poll(lambda: len(acct.live_orders()) == 2)
            await ws.send_json({"type": "ping"})
            assert (await next_frame(ws))["type"] == "pong"     # nothing about order 2 came first
            await ws.close()
    finally:
        await client.close()


async def test_late_frame_resends_an_older_frame(venues):
    client = await new_client(venues)
    v = venue(venues)
    try:
        async with aiohttp.ClientSession() as http:
            ws = await connect(http, venues)
            await ws.send_json({"type": "subscribe", "channel": f"account_all_orders/{client.account_index}",
                                "auth": token(client)})
            await next_frame(ws)
            await place_far_bid(client, venues, 1)
            first = await frame_where(ws, lambda f: f["type"] == "update/account_all_orders")
            v.faults.late_account_frame_prob = 1.0
            _, _, err = await client.cancel_order(ETH, 1)
            assert err is None
            second = await frame_where(ws, lambda f: f["type"] == "update/account_all_orders")
            assert second["orders"]["0"][0]["status"] == "canceled"
            late = await frame_where(ws, lambda f: f["type"] == "update/account_all_orders", timeout=3)
            assert late == first                                # the stale 'open' frame, again
            await ws.close()
    finally:
        await client.close()


async def test_ws_silent_and_idle_close(venues, monkeypatch):
    v = venue(venues)
    monkeypatch.setattr(stream, "IDLE_TIMEOUT_S", 0.4)
    async with aiohttp.ClientSession() as http:
        ws = await connect(http, venues)
        v.faults.ws_silent = True
        await ws.send_json({"type": "subscribe", "channel": "order_book/0"})
        msg = await ws.receive(timeout=3)
        assert msg.type == aiohttp.WSMsgType.CLOSE and msg.extra == "idle timeout"


async def test_no_taker_flow_and_tx_latency(venues):
    client = await new_client(venues)
    v = venue(venues)
    try:
        v.faults.no_taker_flow = True
        trades_before = len(v.recent_trades[ETH])
        v.faults.tx_latency_ms = 300
        bid, _ = best_prices(venues)
        sent = time.time() * 1000
        _, resp, err = await client.create_order(ETH, 5, 100, int(bid * 0.8), False, 0, 2)
        assert err is None and resp.predicted_execution_time_ms >= sent + 290
        acct = v.accounts[client.account_index]
        assert acct.live_orders() == []
        await poll(lambda: acct.live_orders(), timeout=2)
        assert time.time() * 1000 >= resp.predicted_execution_time_ms - 5
        # market moves can still trade through resting orders, but no taker prints appear
        # away from those: with no account orders near the touch the tape stays still
        assert len(v.recent_trades[ETH]) == trades_before
    finally:
        await client.close()


async def test_skip_nonce_tx_is_accepted_without_consuming_the_nonce(venues):
    client = await new_client(venues)
    try:
        bid, _ = best_prices(venues)
        _, resp, err = await client.create_order(ETH, 9, 100, int(bid * 0.8), False, 0, 2,
                                                 skip_nonce=1, nonce=int(time.time() * 1000), api_key_index=4)
        assert err is None and resp.code == 200
        assert venue(venues).accounts[client.account_index].api_keys[4].next_nonce == 0
    finally:
        await client.close()


def test_modify_keeps_queue_place_only_when_shrinking_at_same_price(venues):
    v = venue(venues)
    acct = v.register(42, 4, "ab", Decimal(1000))
    v.faults.no_taker_flow = True
    book = v.books[ETH]
    price = book.best(False) - 3000          # far below: only our orders at this level
    orders = []
    for coi in (1, 2):
        o = Order(v._new_index(False), coi, ETH, 42, False, price, 100, 100, 0, 2, False, 0, 0, now_us())
        acct.orders[o.order_index] = o
        v._place(acct, o)
        orders.append(o)
    first_index = orders[0].order_index
    info = {"MarketIndex": ETH, "Index": 1, "BaseAmount": 50, "Price": price}
    v._exec_modify(acct, info, None)
    assert list(book.bids[price]) == orders and orders[0].remaining == 50
    v._exec_modify(acct, {**info, "BaseAmount": 80}, None)        # size up: back of the queue
    assert list(book.bids[price]) == [orders[1], orders[0]]
    assert orders[0].initial == 80 and acct.find_live(ETH, 1).order_index == first_index
    v._exec_modify(acct, {**info, "Index": first_index, "Price": price - 1}, None)  # new price
    assert orders[0].price == price - 1 and list(book.bids[price]) == [orders[1]]


async def test_control_routes(venues):
    client = await new_client(venues)
    try:
        await place_far_bid(client, venues, 3)
        url = venues.lighter_url
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{url}/sim/faults", json={"tx_latency_ms": 5, "reject_auth": True}) as r:
                assert r.status == 200 and (await r.json())["faults"]["tx_latency_ms"] == 5
            assert venue(venues).faults.reject_auth is True
            async with http.post(f"{url}/sim/faults", json={"profile": "none"}) as r:
                assert r.status == 200
            assert venue(venues).faults.reject_auth is False and venue(venues).faults.tx_latency_ms == 0
            async with http.post(f"{url}/sim/faults", json={"bogus": 1}) as r:
                assert r.status == 400 and "ws_silent" in (await r.json())["message"]
            await poll(lambda: venue(venues).accounts[client.account_index].live_orders())
            async with http.get(f"{url}/sim/state") as r:
                state = (await r.json())["accounts"][str(client.account_index)]
            assert state["api_keys"]["4"]["next_nonce"] == 1
            assert [o["client_order_index"] for o in state["resting_orders"]] == [3]
    finally:
        await client.close()
