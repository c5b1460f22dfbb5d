"""The real ccxt binanceusdm class against the local hedge venue: the calls a hedge path makes."""
from __future__ import annotations

from decimal import Decimal

import pytest

from hedge.adapters.hedging.urls import url_leaves
from hedge.sim.binance.app import HEDGE_STATE_KEY
from tests.sim.ccxt_loopback import (API_KEY, BTC, ETH, connected_client, freeze_prices,
                                     loopback_binanceusdm)

# With ETH mid pinned at 3000: venue mid 3000.60 (+2 bps), best bid 3000.44, best ask 3000.76,
# levels 0.15 apart, sizes 0.8, 1.2, 1.6, ...
BEST_BID, BEST_ASK, GAP = 3000.44, 3000.76, 0.15


def account(venues):
    return venues.hedge_app[HEDGE_STATE_KEY].accounts[API_KEY]


async def test_every_url_is_loopback(venues):
    client = loopback_binanceusdm(venues.hedge_url, API_KEY, "s")
    try:
        leaves = list(url_leaves(client.urls["api"]))
        assert leaves and all(u.startswith(("http://127.0.0.1", "ws://127.0.0.1")) for u in leaves)
    finally:
        await client.close()


async def test_markets_precision_and_limits(ex):
    eth, btc = ex.market(ETH), ex.market(BTC)
    assert (eth["swap"], eth["linear"], eth["settle"], eth["id"]) == (True, True, "USDT", "ETHUSDT")
    assert eth["precision"]["amount"] == 0.001 and eth["precision"]["price"] == 0.01
    assert eth["limits"]["amount"]["min"] == 0.001 and eth["limits"]["cost"]["min"] == 20
    assert btc["precision"]["price"] == 0.1 and btc["limits"]["cost"]["min"] == 100
    assert ex.amount_to_precision(ETH, 0.0123456) == "0.012"


async def test_order_book_and_bids_asks_follow_the_mid(ex, venues):
    book = await ex.fetch_order_book(ETH, 5)
    assert [b[0] for b in book["bids"]] == pytest.approx([BEST_BID - GAP * i for i in range(5)])
    assert [a[1] for a in book["asks"]] == [0.8, 1.2, 1.6, 2.0, 2.4]
    assert book["asks"][0] == [BEST_ASK, 0.8] and book["bids"][0] == [BEST_BID, 0.8]
    assert len(book["bids"]) == 5 and book["bids"][0][0] > book["bids"][1][0]
    assert book["asks"][1][0] > book["asks"][0][0]
    freeze_prices(venues.prices, eth=3100.0)
    quotes = await ex.fetch_bids_asks([ETH])
    assert 3100 < quotes[ETH]["bid"] < quotes[ETH]["ask"] < 3100 * 1.0004


async def test_market_and_ioc_orders_fill_and_position_is_their_sum(ex, venues):
    buy = await ex.create_order(ETH, "market", "buy", 0.05, None, {"clientOrderId": "m-1"})
    assert (buy["status"], buy["filled"], buy["average"]) == ("closed", 0.05, BEST_ASK)
    assert buy["clientOrderId"] == "m-1" and buy["cost"] == pytest.approx(0.05 * BEST_ASK)
    # IOC through two levels: 0.8 + 1.2 fill, the remaining 0.5 expires.
    ioc = await ex.create_order(ETH, "limit", "buy", 2.5, BEST_ASK + GAP, {"timeInForce": "IOC"})
    assert (ioc["status"], ioc["filled"], ioc["remaining"]) == ("expired", 2.0, 0.5)
    sell = await ex.create_order(ETH, "limit", "sell", 2.2, BEST_BID, {"timeInForce": "IOC"})
    assert (sell["status"], sell["filled"]) == ("expired", 0.8)
    positions = await ex.fetch_positions([ETH])
    expected = Decimal("0.05") + Decimal("2.0") - Decimal("0.8")
    assert len(positions) == 1
    assert (positions[0]["side"], positions[0]["contracts"]) == ("long", float(expected))
    assert account(venues).position("ETHUSDT").amount == expected
    flip = await ex.create_order(ETH, "market", "sell", 2.0, None)
    assert flip["filled"] == 2.0
    [short] = await ex.fetch_positions([ETH])
    assert (short["side"], short["contracts"]) == ("short", 0.75)
    assert short["entryPrice"] < BEST_BID   # walked below the best bid


async def test_balance_reflects_fees(ex, venues):
    before = await ex.fetch_balance()
    assert before["USDT"]["total"] == 10000 and before["USDT"]["free"] == 10000
    await ex.create_order(ETH, "market", "buy", 0.1, None)
    after = await ex.fetch_balance()
    fee = 0.1 * BEST_ASK * 0.0004
    assert after["USDT"]["used"] == pytest.approx(0.1 * 3000.60 / 20)
    assert after["USDT"]["total"] == pytest.approx(10000 - fee + 0.1 * (3000.60 - BEST_ASK))


async def test_fetch_order_by_id_and_by_client_order_id(ex):
    placed = await ex.create_order(ETH, "market", "sell", 0.01, None, {"clientOrderId": "hedge.1:a"})
    by_id = await ex.fetch_order(placed["id"], ETH)
    by_cid = await ex.fetch_order(None, ETH, {"clientOrderId": "hedge.1:a"})
    assert by_id["id"] == by_cid["id"] == placed["id"]
    assert (by_cid["status"], by_cid["filled"], by_cid["side"]) == ("closed", 0.01, "sell")


async def test_resting_gtc_is_listed_then_canceled(ex, venues):
    rest = await ex.create_order(ETH, "limit", "buy", 0.01, 2950.0, {"clientOrderId": "rest-1"})
    assert (rest["status"], rest["filled"]) == ("open", 0.0)
    assert [o["id"] for o in await ex.fetch_open_orders(ETH)] == [rest["id"]]
    canceled = await ex.cancel_order(rest["id"], ETH)
    assert canceled["status"] == "canceled"
    assert await ex.fetch_open_orders(ETH) == []
    assert account(venues).position("ETHUSDT").amount == 0


async def test_post_only_rests_when_it_does_not_cross(ex):
    maker = await ex.create_order(ETH, "limit", "sell", 0.01, BEST_ASK, {"postOnly": True})
    assert maker["status"] == "open" and maker["timeInForce"] == "PO"


async def test_set_leverage_changes_margin(ex, venues):
    answer = await ex.set_leverage(5, ETH)
    assert answer["leverage"] == 5 and account(venues).leverage_of("ETHUSDT") == 5
    await ex.create_order(ETH, "market", "buy", 0.1, None)
    balance = await ex.fetch_balance()
    assert balance["USDT"]["used"] == pytest.approx(0.1 * 3000.60 / 5)


async def test_reduce_only_is_exempt_from_min_notional(ex, venues):
    await ex.create_order(ETH, "market", "buy", 0.01, None)
    close = await ex.create_order(ETH, "market", "sell", 0.001, None, {"reduceOnly": True})
    assert close["filled"] == 0.001 and close["reduceOnly"] is True
    assert account(venues).position("ETHUSDT").amount == Decimal("0.009")


async def test_gtc_that_crosses_fills_the_crossing_part_and_rests(ex, venues):
    order = await ex.create_order(ETH, "limit", "buy", 1.0, BEST_ASK, {"clientOrderId": "gtc-x"})
    assert (order["status"], order["filled"], order["remaining"]) == ("open", 0.8, 0.2)
    assert order["info"]["status"] == "PARTIALLY_FILLED"
    assert account(venues).position("ETHUSDT").amount == Decimal("0.8")


async def test_unfrozen_book_tracks_the_shared_price_process(venues):
    client = await connected_client(venues.hedge_url)
    try:
        book = await client.fetch_order_book(BTC, 5)
        mid = venues.prices.mid("BTC") * 1.0002
        assert book["bids"][0][0] < book["asks"][0][0]
        assert abs((book["bids"][0][0] + book["asks"][0][0]) / 2 - mid) / mid < 0.002
        assert book["nonce"] >= 1
    finally:
        await client.close()
