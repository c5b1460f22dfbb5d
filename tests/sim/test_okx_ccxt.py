"""ccxt's own okx class against the local okx venue: every call the hedge path makes.

Sizes cross the wire in contracts of 0.1 ETH (ETH-USDT-SWAP's ctVal); the venue keeps base.
"""
from __future__ import annotations

from decimal import Decimal

import aiohttp
import ccxt.async_support as ccxt_async
import pytest

from hedge.adapters.hedging.urls import point_at
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY
from hedge.sim.runner import start_venues
from tests.sim.ccxt_loopback import freeze_prices, post_faults

ETH = "ETH/USDT:USDT"
KEY, SECRET, PASSPHRASE = "okx-test-key", "okx-test-secret", "OkxTestPass1"


def okx_client(base_url: str, password: str = PASSPHRASE, secret: str = SECRET):
    ex = ccxt_async.okx({"apiKey": KEY, "secret": secret, "password": password,
                         "enableRateLimit": False, "timeout": 3000})
    point_at(ex, base_url)
    return ex


@pytest.fixture
async def okx_venues():
    running = await start_venues(seed=7, hedge_exchange="okx")
    freeze_prices(running.prices)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{running.hedge_url}/sim/accounts", json={
                "api_key": KEY, "secret": SECRET, "passphrase": PASSPHRASE,
                "balance": "100000"}) as resp:
            assert resp.status == 200, await resp.text()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def ex(okx_venues):
    client = okx_client(okx_venues.hedge_url)
    await client.load_markets()     # ccxt's defaults: spot, futures, swap and option requests
    yield client
    await client.close()


def state(venues):
    return venues.hedge_app[HEDGE_STATE_KEY]


async def test_markets_give_contracts_of_a_tenth_of_an_eth(ex):
    market = ex.market(ETH)
    assert (market["id"], market["swap"], market["linear"]) == ("ETH-USDT-SWAP", True, True)
    assert market["contractSize"] == 0.1
    assert market["precision"] == {"amount": 0.01, "price": 0.01}
    assert market["limits"]["amount"]["min"] == 0.01
    assert (await ex.fetch_time()) > 0


async def test_order_book_sizes_are_contracts(ex, okx_venues):
    book = await ex.fetch_order_book(ETH, 5)
    venue_book = state(okx_venues).book("ETH-USDT-SWAP")
    assert len(book["bids"]) == 5 and book["bids"][0][0] < book["asks"][0][0]
    assert book["asks"][0][0] == float(venue_book.asks[0].price)
    assert book["asks"][0][1] == float(venue_book.asks[0].qty * 10)   # 0.8 ETH = 8 contracts


async def test_ioc_by_client_id_then_lookup_positions_and_balance(ex, okx_venues):
    ask = (await ex.fetch_order_book(ETH, 5))["asks"][0][0]
    placed = await ex.create_order(ETH, "limit", "buy", 0.5, ask, {
        "timeInForce": "IOC", "clientOrderId": "lhioc1"})
    assert placed["status"] is None and placed["filled"] is None     # okx answers an ack only
    sent = state(okx_venues).received_orders[-1]
    assert (sent["ordType"], sent["sz"], sent["clOrdId"], sent["tdMode"]) == (
        "ioc", "0.5", "lhioc1", "cross")
    found = await ex.fetch_order(None, ETH, {"clientOrderId": "lhioc1"})
    assert (found["status"], found["filled"], found["side"], found["average"]) == (
        "closed", 0.5, "buy", ask)
    account = state(okx_venues).accounts[KEY]
    assert account.position("ETH-USDT-SWAP").amount == Decimal("0.05")   # base units
    positions = await ex.fetch_positions([ETH])
    assert [(p["contracts"], p["side"], p["contractSize"]) for p in positions] == [
        (0.5, "long", 0.1)]
    balance = await ex.fetch_balance()
    assert 0 < balance["USDT"]["free"] < balance["USDT"]["total"] <= 100000


async def test_reduce_only_and_optimal_limit_ioc(ex, okx_venues):
    await ex.create_order(ETH, "market", "sell", 1, None, {"clientOrderId": "lhopen"})
    assert state(okx_venues).received_orders[-1]["ordType"] == "market"
    bid = (await ex.fetch_order_book(ETH, 5))["asks"][0][0]
    await ex.create_order(ETH, "optimal_limit_ioc", "buy", 0.4, None, {
        "clientOrderId": "lhclose", "reduceOnly": True})
    sent = state(okx_venues).received_orders[-1]
    assert sent["ordType"] == "optimal_limit_ioc" and sent["reduceOnly"] is True
    assert bid > 0
    positions = await ex.fetch_positions([ETH])
    assert [(p["contracts"], p["side"]) for p in positions] == [(0.6, "short")]
    with pytest.raises(ccxt_async.ExchangeError, match="51169"):   # nothing long to reduce
        await ex.create_order(ETH, "limit", "sell", 0.1, 2000, {
            "timeInForce": "IOC", "clientOrderId": "lhbad", "reduceOnly": True})


async def test_resting_order_is_listed_and_canceled_by_client_id(ex):
    ask = (await ex.fetch_order_book(ETH, 5))["asks"][0][0]
    await ex.create_order(ETH, "limit", "sell", 0.2, ask + 50, {"clientOrderId": "lhrest"})
    open_orders = await ex.fetch_open_orders(ETH)
    assert [(o["clientOrderId"], o["status"], o["amount"]) for o in open_orders] == [
        ("lhrest", "open", 0.2)]
    await ex.cancel_order(None, ETH, {"clientOrderId": "lhrest"})
    assert await ex.fetch_open_orders(ETH) == []
    assert (await ex.fetch_order(None, ETH, {"clientOrderId": "lhrest"}))["status"] == "canceled"
    with pytest.raises(ccxt_async.OrderNotFound):
        await ex.cancel_order(None, ETH, {"clientOrderId": "lhrest"})


async def test_unknown_client_id_is_order_not_found(ex):
    with pytest.raises(ccxt_async.OrderNotFound, match="51603"):
        await ex.fetch_order(None, ETH, {"clientOrderId": "lhnever"})


async def test_venue_refusals_map_to_ccxt_classes(ex, okx_venues):
    with pytest.raises(ccxt_async.InvalidOrder, match="51121"):    # 0.015 is not a lot multiple
        await ex.private_post_trade_order({"instId": "ETH-USDT-SWAP", "tdMode": "cross",
                                           "side": "buy", "ordType": "ioc", "sz": "0.015",
                                           "px": "3000", "clOrdId": "lhlot"})
    with pytest.raises(ccxt_async.BadRequest, match="clOrdId"):      # a '-' is not allowed
        await ex.create_order(ETH, "limit", "buy", 0.1, 3000, {"clientOrderId": "lh-1-0.01"})
    await post_faults(okx_venues.hedge_url, {"reject_hedges": True})
    with pytest.raises(ccxt_async.InsufficientFunds, match="51008"):
        await ex.create_order(ETH, "limit", "buy", 0.1, 3000, {"clientOrderId": "lhmargin"})
    assert state(okx_venues).executed_order_posts == 0


@pytest.mark.parametrize("fault, error", [
    ("429", ccxt_async.RateLimitExceeded),
    ("502", ccxt_async.ExchangeNotAvailable),
    ("-1001", ccxt_async.ExchangeNotAvailable),
])
async def test_faults_before_matching_leave_no_order(ex, okx_venues, fault, error):
    await post_faults(okx_venues.hedge_url, {"next": [fault]})
    with pytest.raises(error):
        await ex.create_order(ETH, "market", "buy", 0.1, None, {"clientOrderId": "lhpre"})
    assert state(okx_venues).executed_order_posts == 0
    with pytest.raises(ccxt_async.OrderNotFound):
        await ex.fetch_order(None, ETH, {"clientOrderId": "lhpre"})


async def test_status_unknown_executed_the_order(ex, okx_venues):
    await post_faults(okx_venues.hedge_url, {"next": ["-1007"]})
    with pytest.raises(ccxt_async.RequestTimeout, match="50004"):
        await ex.create_order(ETH, "market", "buy", 0.1, None, {"clientOrderId": "lhunknown"})
    found = await ex.fetch_order(None, ETH, {"clientOrderId": "lhunknown"})
    assert (found["status"], found["filled"]) == ("closed", 0.1)


@pytest.mark.parametrize("password, secret, code", [
    ("WrongPass1", SECRET, "50105"),
    (PASSPHRASE, "wrong-secret", "50113"),
])
async def test_auth_is_checked(okx_venues, password, secret, code):
    client = okx_client(okx_venues.hedge_url, password=password, secret=secret)
    try:
        with pytest.raises(ccxt_async.AuthenticationError, match=code):
            await client.fetch_balance()
        with pytest.raises(ccxt_async.AuthenticationError, match=code):
            await client.create_order(ETH, "market", "buy", 0.1, None, {"clientOrderId": "lhx"})
    finally:
        await client.close()
    assert state(okx_venues).executed_order_posts == 0
