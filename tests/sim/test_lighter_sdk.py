"""The official lighter-sdk, unchanged, against the local Lighter venue."""
from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import lighter
from lighter import AccountApi, OrderApi, TransactionApi
from lighter.models import (AccountApiKeys, NextNonce, OrderBookOrders, OrderBooks, Orders,
                            Trades)
from lighter.signer_client import SignerClient

from hedge.sim.lighter.market_life import housekeeping
from tests.sim.lighter_helpers import best_prices, new_client, poll, token, venue

ETH = 0
FAR_BELOW = 0.8     # a post-only bid at 80% of the market never fills


async def raw_get(url: str, path: str, headers: dict | None = None) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.get(url + path, headers=headers or {}) as r:
            return r.status, await r.json()


async def active(client: SignerClient, market: int = ETH) -> list:
    resp = await OrderApi(client.api_client).account_active_orders(
        account_index=client.account_index, market_id=market, authorization=token(client))
    return resp.orders


async def place_far_bid(client: SignerClient, venues, coi: int, lots: int = 100):
    bid, _ = best_prices(venues)
    return await client.create_order(ETH, coi, lots, int(bid * FAR_BELOW), False,
                                     SignerClient.ORDER_TYPE_LIMIT,
                                     SignerClient.ORDER_TIME_IN_FORCE_POST_ONLY)


async def test_check_client_accepts_registered_key_and_rejects_unknown(venues):
    client = await new_client(venues)
    try:
        assert await asyncio.to_thread(client.check_client) is None
        stranger = SignerClient(url=venues.lighter_url, account_index=client.account_index,
                                api_private_keys={9: lighter.signer_client.create_api_key()[0]})
        err = await asyncio.to_thread(stranger.check_client)
        assert err is not None and "api key 9" in err
        await stranger.close()
    finally:
        await client.close()


async def test_public_rest_parses_with_sdk_models(venues):
    client = await new_client(venues)
    try:
        api = OrderApi(client.api_client)
        books = await api.order_books()
        assert [(b.symbol, b.market_id, b.min_base_amount) for b in books.order_books] == [
            ("ETH", 0, "0.0050"), ("BTC", 1, "0.00020"), ("SOL", 2, "0.050"), ("DOGE", 3, "10"),
            ("1000PEPE", 4, "500")]
        details = await api.order_book_details(market_id=1)
        d = details.order_book_details[0]
        assert (d.size_decimals, d.price_decimals, d.min_quote_amount) == (5, 1, "10.000000")
        ob = await api.order_book_orders(market_id=ETH, limit=5)
        assert 0 < len(ob.asks) <= 5 and float(ob.asks[0].price) > float(ob.bids[0].price)
        assert all(a.order_index >= 2 ** 48 for a in ob.asks + ob.bids)
        keys = await AccountApi(client.api_client).apikeys(account_index=client.account_index)
        assert keys.api_keys[0].api_key_index == 4 and keys.api_keys[0].nonce == 0
        nonce = await TransactionApi(client.api_client).next_nonce(
            account_index=client.account_index, api_key_index=4)
        assert nonce.nonce == 0
        acct = await AccountApi(client.api_client).account(by="index", value=str(client.account_index))
        assert acct.accounts[0].index == client.account_index and acct.accounts[0].cancel_all_time == 0
        # strict validation of the raw bodies against the SDK's pydantic models
        url = venues.lighter_url
        for path, model in [("/api/v1/orderBooks", OrderBooks),
                            ("/api/v1/orderBookOrders?market_id=1&limit=3", OrderBookOrders),
                            (f"/api/v1/apikeys?account_index={client.account_index}", AccountApiKeys),
                            (f"/api/v1/nextNonce?account_index={client.account_index}&api_key_index=4", NextNonce)]:
            status, body = await raw_get(url, path)
            assert status == 200
            model.model_validate(body)
    finally:
        await client.close()


async def test_order_lifecycle_create_modify_cancel(venues):
    client = await new_client(venues)
    try:
        _, resp, err = await place_far_bid(client, venues, coi=11)
        assert err is None and resp.code == 200 and len(resp.tx_hash) == 80
        assert abs(resp.predicted_execution_time_ms - time.time() * 1000) < 5000
        orders = await poll(lambda: active(client))
        order = orders[0]
        assert (order.client_order_index, order.status, order.time_in_force, order.is_ask) == (
            11, "open", "post-only", False)
        assert order.order_index >= 2 ** 48 and order.initial_base_amount == "0.0100"
        status, raw = await raw_get(venues.lighter_url,
                                    f"/api/v1/accountActiveOrders?account_index={client.account_index}",
                                    {"authorization": token(client)})
        Orders.model_validate(raw)

        new_price = int(float(order.price) * 100) - 5
        _, resp, err = await client.modify_order(ETH, 11, 150, new_price)
        assert err is None, err
        modified = await poll(lambda: _first_if(active(client), lambda o: o.initial_base_amount == "0.0150"))
        assert modified.order_index == order.order_index and modified.base_price == new_price

        _, resp, err = await client.cancel_order(ETH, order.order_index)
        assert err is None
        await poll(lambda: _empty(active(client)))
        inactive = await OrderApi(client.api_client).account_inactive_orders(
            account_index=client.account_index, limit=10, authorization=token(client))
        assert [(o.order_index, o.status) for o in inactive.orders] == [(order.order_index, "canceled")]
        by_client = await OrderApi(client.api_client).account_orders(
            client_order_indexes="11", account_index=client.account_index, authorization=token(client))
        assert by_client.orders[0].status == "canceled"
        tx = await TransactionApi(client.api_client).tx(by="hash", value=resp.tx_hash)
        assert tx.status == 2 and tx.type == 15 and json.loads(tx.info)["Index"] == order.order_index
    finally:
        await client.close()


async def _first_if(coro, pred):
    return next((o for o in await coro if pred(o)), None)


async def _empty(coro):
    return len(await coro) == 0


async def test_cancel_all_immediate_scheduled_and_abort(venues):
    client = await new_client(venues, tier="premium")     # polls more than 60 times a minute
    try:
        for coi in (21, 22):
            assert (await place_far_bid(client, venues, coi))[2] is None
        await poll(lambda: _count(active(client), 2))
        _, _, err = await client.cancel_all_orders(SignerClient.CANCEL_ALL_TIF_IMMEDIATE, 0)
        assert err is None
        await poll(lambda: _empty(active(client)))

        assert (await place_far_bid(client, venues, 23))[2] is None
        await poll(lambda: _count(active(client), 1))
        at = int(time.time() * 1000) + 6 * 60_000      # the venue wants 5 min .. 15 days ahead
        _, _, err = await client.cancel_all_orders(SignerClient.CANCEL_ALL_TIF_SCHEDULED, at)
        assert err is None
        acct_api = AccountApi(client.api_client)
        await poll(lambda: _cancel_all_time(acct_api, client, at))
        _, _, err = await client.cancel_all_orders(SignerClient.CANCEL_ALL_TIF_ABORT, 0)
        assert err is None
        await poll(lambda: _cancel_all_time(acct_api, client, 0))

        at = int(time.time() * 1000) + 6 * 60_000
        _, _, err = await client.cancel_all_orders(SignerClient.CANCEL_ALL_TIF_SCHEDULED, at)
        assert err is None
        await poll(lambda: _cancel_all_time(acct_api, client, at))
        assert len(await active(client)) == 1
        housekeeping(venue(venues), at)                  # the venue's clock reaches the time
        await poll(lambda: _empty(active(client)), timeout=3)
        assert venue(venues).accounts[client.account_index].cancel_all_time == 0
    finally:
        await client.close()


async def _count(coro, n):
    return len(await coro) == n


async def _cancel_all_time(api, client, expected):
    resp = await api.account(by="index", value=str(client.account_index))
    return resp.accounts[0].cancel_all_time == expected


async def test_wrong_nonce_is_21104_and_sdk_recovers(venues):
    client = await new_client(venues)
    try:
        _, _, err = await place_far_bid(client, venues, 31)
        assert err is None
        key = venue(venues).accounts[client.account_index].api_keys[4]
        assert key.next_nonce == 1
        _, _, err = await client.create_order(ETH, 32, 100, 200000, False, 0, 2, nonce=7, api_key_index=4)
        assert "21104" in err and "invalid nonce" in err
        assert key.next_nonce == 1          # a refused tx consumes nothing
        venue(venues).faults.nonce_error_next = 1
        _, _, err = await place_far_bid(client, venues, 33)
        assert "invalid nonce" in err       # the SDK hard-refreshes its nonce from nextNonce
        _, resp, err = await place_far_bid(client, venues, 34)
        assert err is None and resp.code == 200 and key.next_nonce == 2
    finally:
        await client.close()


async def test_send_tx_rejections(venues):
    client = await new_client(venues)
    try:
        _, _, err = await client.create_order(ETH, 41, 10, 300000, False, 0, 2)
        assert "21706" in err                                    # below min base
        assert (await place_far_bid(client, venues, 42))[2] is None
        _, _, err = await place_far_bid(client, venues, 42)
        assert "21728" in err                                    # client index in use
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{venues.lighter_url}/api/v1/sendTx", data={"tx_type": "14"}) as r:
                assert r.status == 400 and (await r.json())["code"] == 20001
            async with http.post(f"{venues.lighter_url}/api/v1/nope") as r:
                assert r.status == 404 and (await r.json())["code"] == 29404
            async with http.post(f"{venues.lighter_url}/sim/faults", json={"profile": "nah"}) as r:
                body = await r.json()
                assert r.status == 400 and "reject_auth" in body["message"]
    finally:
        await client.close()


async def test_send_tx_batch_and_post_only_cross(venues):
    client = await new_client(venues)
    try:
        nonce = (await TransactionApi(client.api_client).next_nonce(
            account_index=client.account_index, api_key_index=4)).nonce
        bid, ask = best_prices(venues)
        infos = []
        for i, (price, coi) in enumerate([(int(bid * FAR_BELOW), 51), (ask + 500, 52)]):
            tx_type, info, _, err = client.sign_create_order(ETH, coi, 100, price, 0, 0, 2,
                                                             nonce=nonce + i, api_key_index=4)
            assert err is None
            infos.append(info)
        resp = await client.send_tx_batch([14, 14], infos)
        assert resp.code == 200 and len(resp.tx_hash) == 2
        acct = venue(venues).accounts[client.account_index]
        await poll(lambda: len(acct.orders) == 2)
        statuses = {o.client_order_index: o.status for o in acct.orders.values()}
        assert statuses == {51: "open", 52: "canceled-post-only"}
        assert acct.api_keys[4].next_nonce == nonce + 2
    finally:
        await client.close()


async def test_market_order_walks_the_book_and_moves_position(venues):
    client = await new_client(venues)
    try:
        _, ask = best_prices(venues)
        _, _, err = await client.create_market_order(ETH, 61, 200, ask + 2000, False)
        assert err is None
        acct = venue(venues).accounts[client.account_index]
        await poll(lambda: acct.positions.get(ETH) and acct.positions[ETH].lots == 200)
        order = next(iter(acct.orders.values()))
        assert order.status == "filled" and order.filled == 200 and order.filled_quote > 0
        trades = await OrderApi(client.api_client).recent_trades(market_id=ETH, limit=5)
        assert trades.trades[0].ask_id >= 2 ** 48
        _, raw = await raw_get(venues.lighter_url, "/api/v1/recentTrades?market_id=0&limit=3")
        Trades.model_validate(raw)
    finally:
        await client.close()
