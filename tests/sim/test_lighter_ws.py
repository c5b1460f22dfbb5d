"""The local Lighter venue's /stream WebSocket: book chaining, auth errors, fills, keepalive."""
from __future__ import annotations

import json
import time
from decimal import Decimal

import aiohttp
import pytest
from lighter.signer_client import SignerClient

from hedge.sim.lighter import market_life, stream
from tests.sim.ccxt_loopback import freeze_prices
from tests.sim.lighter_helpers import best_prices, frame_where, new_client, next_frame, poll, token, venue

ETH = 0


async def connect(http: aiohttp.ClientSession, venues):
    ws = await http.ws_connect(venues.lighter_url.replace("http", "ws") + "/stream")
    hello = await next_frame(ws)
    assert hello["type"] == "connected" and len(hello["session_id"]) == 36
    return ws


@pytest.mark.fresh_venue   # the exact book: no order another test left in flight
async def test_order_book_snapshot_then_chained_updates(venues):
    async with aiohttp.ClientSession() as http:
        ws = await connect(http, venues)
        await ws.send_json({"type": "subscribe", "channel": "order_book/0"})
        snap = await next_frame(ws)
        assert snap["type"] == "subscribed/order_book" and snap["channel"] == "order_book:0"
        book = snap["order_book"]
        assert len(book["asks"]) == 20 and len(book["bids"]) == 20
        assert Decimal(book["asks"][0]["price"]) > Decimal(book["bids"][0]["price"])
        assert all(len(level["size"].split(".")[1]) == 4 for level in book["asks"])
        prev_nonce, prev_offset = book["nonce"], snap["offset"]
        deletes = 0
        for _ in range(8):
            upd = await next_frame(ws)
            assert upd["type"] == "update/order_book" and upd["channel"] == "order_book:0"
            ob = upd["order_book"]
            assert ob["begin_nonce"] == prev_nonce and ob["nonce"] > prev_nonce
            assert upd["offset"] > prev_offset and ob["offset"] == upd["offset"]
            assert upd["last_updated_at"] > 10 ** 15 and 10 ** 12 < upd["timestamp"] < 10 ** 13
            deletes += sum(1 for lv in ob["asks"] + ob["bids"] if lv["size"] == "0.0000")
            prev_nonce, prev_offset = ob["nonce"], upd["offset"]
        assert deletes > 0
        await ws.send_json({"type": "unsubscribe", "channel": "order_book/0"})
        await frame_where(ws, lambda f: f.get("type") == "unsubscribed")
        await ws.close()


async def test_book_nonce_gap_fault_breaks_the_chain_once(venues):
    venue(venues).faults.book_nonce_gap_prob = 1.0
    async with aiohttp.ClientSession() as http:
        ws = await connect(http, venues)
        await ws.send_json({"type": "subscribe", "channel": "order_book/1"})
        snap = await next_frame(ws)
        upd = await next_frame(ws)
        assert upd["order_book"]["begin_nonce"] != snap["order_book"]["nonce"]
        await ws.close()


async def test_subscribe_errors(venues):
    client = await new_client(venues)
    acct = client.account_index
    try:
        async with aiohttp.ClientSession() as http:
            ws = await connect(http, venues)
            await ws.send_json({"type": "subscribe", "channel": f"account_all_orders/{acct}"})
            err = await next_frame(ws)
            assert err == {"error": {"code": 20001, "message":
                                     f"invalid param : auth field is required: account_all_orders:{acct}"}}
            expired = f"{int(time.time()) - 5}:{acct}:4:" + "ab" * 40
            await ws.send_json({"type": "subscribe", "channel": f"account_orders/0/{acct}", "auth": expired})
            err = await next_frame(ws)
            assert err["error"]["code"] == 20013
            assert err["error"]["message"].startswith("invalid auth: expired token: account_orders:0")
            await ws.send_str("{not json")
            assert (await next_frame(ws))["error"]["code"] == 30000
            await ws.send_json({"type": "subscribe", "channel": "order_book/77"})
            assert (await next_frame(ws))["error"]["code"] == 30005
            await ws.send_json({"type": "subscribe", "channel": "trade/0"})
            assert (await next_frame(ws))["type"] == "subscribed/trade"
            await ws.send_json({"type": "subscribe", "channel": "trade/0"})
            dup = await frame_where(ws, lambda f: "error" in f)
            assert dup["error"] == {"code": 30003, "message": "Already Subscribed to : trade:0"}
            venue(venues).faults.reject_auth = True
            await ws.send_json({"type": "subscribe", "channel": f"account_all_orders/{acct}",
                                "auth": token(client)})
            err = await frame_where(ws, lambda f: "error" in f)
            assert err["error"]["code"] == 20013
            await ws.close()
    finally:
        await client.close()


@pytest.mark.slow   # seconds of work: the whole suite runs it
@pytest.mark.fresh_venue   # no other test's resting bid ahead of ours at the touch
async def test_post_only_at_best_bid_fills_and_streams_cumulative_amounts(venues, monkeypatch):
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 12.0)   # the model's takers, faster
    freeze_prices(venues.prices)       # the bid stays at the touch until the takers fill it
    client = await new_client(venues)
    acct = client.account_index
    v = venue(venues)
    try:
        async with aiohttp.ClientSession() as http:
            ws = await connect(http, venues)
            auth = token(client)
            await ws.send_json({"type": "subscribe", "channel": f"account_orders/0/{acct}", "auth": auth})
            snap = await next_frame(ws)
            assert snap == {"account": acct, "channel": "account_orders:0", "nonce": snap["nonce"],
                            "orders": {}, "type": "subscribed/account_orders"}
            await ws.send_json({"type": "subscribe", "channel": f"account_all/{acct}", "auth": auth})
            assert (await frame_where(ws, lambda f: f["type"] == "subscribed/account_all"))["positions"] == {}

            lots = 400   # 0.04 ETH: several takers' worth, so partial fills show up
            for coi in range(101, 111):
                bid, _ = best_prices(venues)
                _, _, err = await client.create_order(ETH, coi, lots, bid, False, 0,
                                                      SignerClient.ORDER_TIME_IN_FORCE_POST_ONLY)
                assert err is None
                first = await frame_where(ws, lambda f: f["type"] == "update/account_orders")
                order = first["orders"]["0"][0]
                if order["status"] != "canceled-post-only":
                    break
            assert order["status"] in ("open", "filled") and order["client_order_index"] == coi
            seen: list[Decimal] = [Decimal(order["filled_base_amount"])]
            kinds: list[str] = []
            deadline = time.monotonic() + 30     # ~1 s idle; the venue's tick slips under load
            while (seen[-1] < Decimal("0.0400") or kinds[-1:] != ["position"]) and time.monotonic() < deadline:
                f = await next_frame(ws, timeout=deadline - time.monotonic())
                if f["type"] == "update/account_orders":
                    o = f["orders"]["0"][0]
                    assert o["order_index"] == order["order_index"]
                    seen.append(Decimal(o["filled_base_amount"]))
                    kinds.append("orders")
                elif f["type"] == "update/account_all":
                    kinds.append("trades" if f["trades"] else "position")
            assert seen[-1] == Decimal("0.0400"), seen
            assert seen == sorted(seen)
            assert kinds[:3] == ["orders", "trades", "position"], kinds
            assert kinds[-3:] == ["orders", "trades", "position"], kinds
            pos = v.accounts[acct].positions[ETH]
            assert pos.lots == lots
            filled = sum(f.lots for f in v.fills if f.account == acct)
            assert filled == lots and all(f.is_maker for f in v.fills if f.account == acct)
            await ws.close()
    finally:
        await client.close()


async def test_no_pong_closes_with_1008(venues, monkeypatch):
    monkeypatch.setattr(stream, "PING_INTERVAL_S", 0.2)
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(venues.lighter_url.replace("http", "ws") + "/stream")
        assert (await next_frame(ws))["type"] == "connected"
        assert (await next_frame(ws, skip_pings=False))["type"] == "ping"
        msg = await ws.receive(timeout=3)
        assert msg.type == aiohttp.WSMsgType.CLOSE and ws.close_code == 1008
        assert msg.extra == "no pong"


async def test_pong_keeps_the_connection(venues, monkeypatch):
    monkeypatch.setattr(stream, "PING_INTERVAL_S", 0.15)
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(venues.lighter_url.replace("http", "ws") + "/stream")
        pings = 0
        while pings < 4:
            f = await next_frame(ws, skip_pings=False)
            if f.get("type") == "ping":
                pings += 1
                await ws.send_json({"type": "pong"})
        assert not ws.closed
        await ws.close()


async def test_refuse_ws_and_periodic_disconnect(venues):
    v = venue(venues)
    v.faults.refuse_ws = True
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as exc:
            await http.ws_connect(venues.lighter_url.replace("http", "ws") + "/stream")
        assert exc.value.status == 503
        v.faults.refuse_ws = False
        v.faults.ws_disconnect_every_s = 0.3
        ws = await connect(http, venues)
        msg = await ws.receive(timeout=3)
        while msg.type == aiohttp.WSMsgType.TEXT:
            msg = await ws.receive(timeout=3)
        assert msg.type == aiohttp.WSMsgType.CLOSE


async def test_sendtx_over_websocket(venues):
    client = await new_client(venues)
    try:
        async with aiohttp.ClientSession() as http:
            ws = await connect(http, venues)
            bid, _ = best_prices(venues)
            _, info, _, err = client.sign_create_order(ETH, 201, 100, int(bid * 0.8), 0, 0, 2,
                                                       nonce=0, api_key_index=4)
            assert err is None
            await ws.send_json({"type": "jsonapi/sendtx",
                                "data": {"id": "a1", "tx_type": 14, "tx_info": json.loads(info)}})
            reply = await frame_where(ws, lambda f: f.get("type") == "jsonapi/sendtx")
            assert reply["code"] == 200 and reply["id"] == "a1" and len(reply["tx_hash"]) == 80
            await ws.send_json({"type": "jsonapi/sendtx",
                                "data": {"id": "a2", "tx_type": 14, "tx_info": info}})
            reply = await frame_where(ws, lambda f: f.get("type") == "jsonapi/sendtx")
            assert (reply["code"], reply["id"]) == (21104, "a2")      # same nonce again
            acct = venue(venues).accounts[client.account_index]
            await poll(lambda: any(o.client_order_index == 201 and o.status == "open"
                                   for o in acct.orders.values()))
            await ws.close()
    finally:
        await client.close()


async def test_sdk_ws_client_gets_book_and_account(venues):
    """lighter.WsClient (no auth on account_all) sees the book and the account snapshot."""
    import asyncio

    from lighter import WsClient

    client = await new_client(venues)
    books, accounts = [], []
    ws_client = WsClient(ws_url=venues.lighter_url.replace("http", "ws") + "/stream",
                         order_book_ids=[0], account_ids=[client.account_index],
                         on_order_book_update=lambda m, b: books.append((m, b)),
                         on_account_update=lambda a, s: accounts.append((a, s)))
    task = asyncio.create_task(ws_client.run_async())
    try:
        await poll(lambda: len(books) >= 3 and accounts)
        market, book = books[-1]
        assert market == "0" and book["asks"] and book["bids"]
        assert accounts[0][0] == str(client.account_index)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if ws_client.ws is not None:
            await ws_client.ws.close()
        await client.close()
