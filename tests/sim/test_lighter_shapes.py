"""Frames and bodies from the local venue carry every field the real captures carry."""
from __future__ import annotations

import aiohttp

from tests.conftest import load_sample
from tests.sim.lighter_helpers import best_prices, frame_where, new_client, next_frame, poll, token, venue


ZERO_FEES = {"maker_fee", "taker_fee"}   # omitted when zero (research §2.6); the sim charges none


def missing(sample: dict, ours: dict) -> set[str]:
    return set(sample) - set(ours)


async def test_frames_have_the_captured_field_sets(venues):
    client = await new_client(venues)
    acct = client.account_index
    try:
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(venues.lighter_url.replace("http", "ws") + "/stream")
            await next_frame(ws)
            auth = token(client)
            await ws.send_json({"type": "subscribe", "channel": "order_book/0"})
            book_snap = await frame_where(ws, lambda f: f["type"] == "subscribed/order_book")
            fixture = load_sample("nautilus_docfixture_ws_order_book_subscribed.json")
            assert not missing(fixture, book_snap) and not missing(fixture["order_book"], book_snap["order_book"])
            update = await frame_where(ws, lambda f: f["type"] == "update/order_book")
            fixture = load_sample("nautilus_docfixture_ws_order_book_update.json")
            assert not missing(fixture, update) and not missing(fixture["order_book"], update["order_book"])
            await ws.send_json({"type": "unsubscribe", "channel": "order_book/0"})
            await frame_where(ws, lambda f: f.get("type") == "unsubscribed")
            for channel in (f"account_all_orders/{acct}", f"account_all/{acct}"):
                await ws.send_json({"type": "subscribe", "channel": channel, "auth": auth})
            account_snap = await frame_where(ws, lambda f: f["type"] == "subscribed/account_all")
            assert not missing(load_sample("qubx_account_all_sample01.json"), account_snap)

            _, ask = best_prices(venues)
            _, _, err = await client.create_market_order(0, 7, 100, ask + 1000, False)
            assert err is None
            orders = await frame_where(ws, lambda f: f["type"] == "update/account_all_orders"
                                       and f["orders"]["0"][0]["status"] == "filled")
            sample = load_sample("qubx_account_all_orders_sample02.json")
            assert not missing(sample, orders)
            assert not missing(sample["orders"]["24"][0], orders["orders"]["0"][0])
            assert orders["orders"]["0"][0]["type"] == "market"
            trades = await frame_where(ws, lambda f: f["type"] == "update/account_all" and f["trades"])
            sample = load_sample("qubx_account_all_sample02.json")
            assert not missing(sample, trades)
            assert not missing(sample["trades"]["24"][0], trades["trades"]["0"][0]) - ZERO_FEES
            position = await next_frame(ws)
            sample = load_sample("qubx_account_all_sample03.json")
            assert position["type"] == "update/account_all" and position["trades"] == {}
            assert not missing(sample["positions"]["24"], position["positions"]["0"])
            assert (position["positions"]["0"]["sign"], position["positions"]["0"]["position"]) == (1, "0.0100")
            await ws.close()
        rest_trade = load_sample("nautilus_http_recent_trades_mainnet.json")["trades"][0]
        await poll(lambda: venue(venues).recent_trades[0])
        assert not missing(rest_trade, venue(venues).recent_trades[0][-1]) - ZERO_FEES
    finally:
        await client.close()
