"""ccxt's own bybit class against the local bybit venue: every call a hedge path makes."""
from __future__ import annotations

from decimal import Decimal

import aiohttp
import pytest
from ccxt.base import errors as ccxt_errors

from hedge.adapters.hedging.urls import url_leaves
from tests.sim.bybit_loopback import (API_KEY, BTC, ETH, SECRET, bybit_client,  # noqa: F401
                                      bybit_ex, bybit_venue, loopback_bybit)
from tests.sim.ccxt_loopback import freeze_prices, post_faults, register_account
from tests.sim.ccxt_loopback import wait_until_refused

# ETH mid pinned at 3000: venue mid 3000.60 (+2 bps), best bid 3000.44, best ask 3000.76,
# levels 0.15 apart, sizes 0.8, 1.2, 1.6, ...
BEST_BID, BEST_ASK, GAP = 3000.44, 3000.76, 0.15


def account(venue):
    return venue.state.accounts[API_KEY]


def record_paths(ex) -> list[tuple[str, str]]:
    """Every (method, path?query) ccxt sends from now on."""
    sent: list[tuple[str, str]] = []
    original = ex.fetch

    async def recording(url, method="GET", headers=None, body=None):
        sent.append((method, url.split("://", 1)[1].split("/", 1)[1]))
        return await original(url, method, headers, body)

    ex.fetch = recording
    return sent


async def test_every_url_is_loopback(bybit_venue):
    ex = loopback_bybit(bybit_venue.url)
    try:
        leaves = list(url_leaves(ex.urls["api"]))
        assert leaves and all(u.startswith(("http://127.0.0.1", "ws://127.0.0.1")) for u in leaves)
    finally:
        await ex.close()


async def test_load_markets_calls_with_linear_only(bybit_venue):
    await register_account(bybit_venue.url, API_KEY, SECRET)
    ex = loopback_bybit(bybit_venue.url)
    sent = record_paths(ex)
    try:
        markets = await ex.load_markets()
    finally:
        await ex.close()
    assert sorted(sent) == [
        ("GET", "v5/asset/coin/query-info?"),
        ("GET", "v5/market/instruments-info?category=linear&limit=1000"),
        ("GET", "v5/market/instruments-info?category=linear&limit=1000&status=PreLaunch")]
    assert sorted(markets) == [BTC, ETH]


async def test_default_options_ask_every_category_and_get_empty_lists(bybit_venue):
    await register_account(bybit_venue.url, API_KEY, SECRET)
    ex = loopback_bybit(bybit_venue.url, options={})
    sent = record_paths(ex)
    try:
        markets = await ex.load_markets()
    finally:
        await ex.close()
    instrument_calls = sorted(p for _, p in sent if "instruments-info" in p)
    assert instrument_calls == [
        "v5/market/instruments-info?category=inverse&limit=1000",
        "v5/market/instruments-info?category=inverse&limit=1000&status=PreLaunch",
        "v5/market/instruments-info?category=linear&limit=1000",
        "v5/market/instruments-info?category=linear&limit=1000&status=PreLaunch",
        *(f"v5/market/instruments-info?category=option&baseCoin={coin}"
          for coin in ("BTC", "DOGE", "ETH", "MNT", "SOL", "XRP")),
        "v5/market/instruments-info?category=spot"]
    assert sorted(markets) == [BTC, ETH]


async def test_markets_precision_and_limits(bybit_ex):
    eth, btc = bybit_ex.market(ETH), bybit_ex.market(BTC)
    assert (eth["swap"], eth["linear"], eth["settle"], eth["id"]) == (True, True, "USDT", "ETHUSDT")
    assert eth["contractSize"] == 1
    assert eth["precision"] == {"amount": 0.01, "price": 0.01}
    assert eth["limits"]["amount"]["min"] == 0.01
    assert btc["precision"]["amount"] == 0.001 and btc["precision"]["price"] == 0.1
    # ccxt leaves bybit's minNotionalValue out of limits.cost; it is only in `info`.
    assert eth["limits"]["cost"]["min"] is None
    assert eth["info"]["lotSizeFilter"]["minNotionalValue"] == "5"


async def test_order_book_follows_the_mid(bybit_ex, bybit_venue):
    book = await bybit_ex.fetch_order_book(ETH, 5)
    assert book["asks"][0] == [BEST_ASK, 0.8] and book["bids"][0] == [BEST_BID, 0.8]
    assert [a[1] for a in book["asks"]] == [0.8, 1.2, 1.6, 2.0, 2.4]
    assert [b[0] for b in book["bids"]] == pytest.approx([BEST_BID - GAP * i for i in range(5)])
    freeze_prices(bybit_venue.prices, eth=3100.0)
    moved = await bybit_ex.fetch_order_book(ETH, 1)
    assert 3100 < moved["bids"][0][0] < moved["asks"][0][0] < 3100 * 1.0004


async def test_create_is_an_ack_and_lookups_by_link_id_see_the_fill(bybit_ex, bybit_venue):
    sent = record_paths(bybit_ex)
    ack = await bybit_ex.create_order(ETH, "limit", "buy", 0.5, BEST_ASK,
                                      {"timeInForce": "IOC", "clientOrderId": "lh-1-0_5"})
    assert ack["clientOrderId"] == "lh-1-0_5" and ack["id"]
    assert (ack["status"], ack["filled"], ack["side"]) == (None, None, None)
    assert ("GET", "v5/user/query-api?") in sent and ("GET", "v5/account/info?") in sent
    [live] = await bybit_ex.fetch_open_orders(ETH, params={"orderLinkId": "lh-1-0_5"})
    [closed] = await bybit_ex.fetch_canceled_and_closed_orders(
        ETH, params={"orderLinkId": "lh-1-0_5"})
    for order in (live, closed):
        assert (order["id"], order["status"], order["filled"], order["average"], order["side"]) \
            == (ack["id"], "closed", 0.5, BEST_ASK, "buy")
    by_id = await bybit_ex.fetch_order(ack["id"], ETH, {"acknowledged": True})
    assert by_id["clientOrderId"] == "lh-1-0_5" and by_id["filled"] == 0.5
    assert await bybit_ex.fetch_open_orders(ETH) == []     # no link id: open orders only
    assert account(bybit_venue).position("ETHUSDT").amount == Decimal("0.5")


async def test_fetch_order_without_id_cannot_find_by_link_id(bybit_ex):
    """ccxt sends orderId=None, which bybit matches before orderLinkId: nothing is found."""
    await bybit_ex.create_order(ETH, "limit", "buy", 0.1, BEST_ASK,
                                {"timeInForce": "IOC", "clientOrderId": "lh-2-0_1"})
    with pytest.raises(ccxt_errors.OrderNotFound):
        await bybit_ex.fetch_order(None, ETH, {"acknowledged": True, "orderLinkId": "lh-2-0_1"})


async def test_ioc_partial_against_a_thin_book(bybit_ex, bybit_venue):
    ack = await bybit_ex.create_order(ETH, "limit", "buy", 2.5, BEST_ASK + GAP,
                                      {"timeInForce": "IOC", "clientOrderId": "thin-1"})
    [order] = await bybit_ex.fetch_open_orders(ETH, params={"orderLinkId": "thin-1"})
    # On bybit derivatives an IOC remainder ends `Cancelled`, keeping what it executed.
    assert (order["id"], order["status"], order["filled"], order["remaining"]) == \
        (ack["id"], "canceled", 2.0, 0.0)
    assert order["average"] == pytest.approx((0.8 * BEST_ASK + 1.2 * (BEST_ASK + GAP)) / 2.0)
    assert account(bybit_venue).position("ETHUSDT").amount == Decimal("2.0")


async def test_resting_order_is_listed_then_canceled(bybit_ex, bybit_venue):
    rest = await bybit_ex.create_order(ETH, "limit", "buy", 0.01, 2950.0,
                                       {"clientOrderId": "rest-1"})
    [listed] = await bybit_ex.fetch_open_orders(ETH)
    assert (listed["id"], listed["status"], listed["remaining"]) == (rest["id"], "open", 0.01)
    await bybit_ex.cancel_order(rest["id"], ETH)
    assert await bybit_ex.fetch_open_orders(ETH) == []
    [gone] = await bybit_ex.fetch_canceled_and_closed_orders(ETH, params={"orderLinkId": "rest-1"})
    assert (gone["status"], gone["filled"]) == ("canceled", 0.0)
    with pytest.raises(ccxt_errors.OrderNotFound):
        await bybit_ex.cancel_order(rest["id"], ETH)


async def test_cancel_by_link_id(bybit_ex):
    rest = await bybit_ex.create_order(ETH, "limit", "sell", 0.02, 3100.0,
                                       {"clientOrderId": "rest-2"})
    answer = await bybit_ex.cancel_order(None, ETH, {"orderLinkId": "rest-2"})
    assert (answer["id"], answer["clientOrderId"]) == (rest["id"], "rest-2")
    [gone] = await bybit_ex.fetch_open_orders(ETH, params={"orderLinkId": "rest-2"})
    assert gone["status"] == "canceled"


async def test_ticker_bid_ask(bybit_ex):
    ticker = await bybit_ex.fetch_ticker(ETH)
    assert (ticker["bid"], ticker["ask"]) == (BEST_BID, BEST_ASK)


async def test_unified_account_options_skip_detection(bybit_venue):
    """With the account type given, the first order sends no query-api / account/info."""
    freeze_prices(bybit_venue.prices)
    options = {"fetchMarkets": {"types": ["linear"]}, "enableUnifiedAccount": True,
               "enableUnifiedMargin": False}
    ex = await bybit_client(bybit_venue, options=options)
    sent = record_paths(ex)
    try:
        await ex.create_order(ETH, "limit", "buy", 0.1, BEST_ASK, {"timeInForce": "IOC"})
        assert (await ex.fetch_balance())["USDT"]["total"] < 10000
    finally:
        await ex.close()
    assert [p.split("?")[0] for _, p in sent] == ["v5/order/create", "v5/account/wallet-balance"]


async def test_reduce_only_rules(bybit_ex, bybit_venue):
    with pytest.raises(ccxt_errors.InvalidOrder, match="110017"):
        await bybit_ex.create_order(ETH, "limit", "sell", 0.01, BEST_BID,
                                    {"timeInForce": "IOC", "reduceOnly": True})
    with pytest.raises(ccxt_errors.InvalidOrder, match="110094"):   # 0.01 ETH ~ 30 USDT > 5
        await bybit_ex.create_order(ETH, "limit", "buy", 0.01, 400.0, {"timeInForce": "IOC"})
    await bybit_ex.create_order(ETH, "limit", "buy", 0.05, BEST_ASK, {"timeInForce": "IOC"})
    with pytest.raises(ccxt_errors.InvalidOrder, match="110017"):   # would grow the long
        await bybit_ex.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                                    {"timeInForce": "IOC", "reduceOnly": True})
    # A closing order below minNotionalValue is accepted (price far through the book).
    close = await bybit_ex.create_order(ETH, "limit", "sell", 0.01, 400.0,
                                        {"timeInForce": "IOC", "reduceOnly": True,
                                         "clientOrderId": "ro-1"})
    [seen] = await bybit_ex.fetch_open_orders(ETH, params={"orderLinkId": "ro-1"})
    assert (seen["id"], seen["filled"], seen["reduceOnly"]) == (close["id"], 0.01, True)
    # An oversized reduce-only order is capped at the position.
    await bybit_ex.create_order(ETH, "limit", "sell", 1.0, BEST_BID,
                                {"timeInForce": "IOC", "reduceOnly": True, "clientOrderId": "ro-2"})
    [capped] = await bybit_ex.fetch_open_orders(ETH, params={"orderLinkId": "ro-2"})
    assert capped["filled"] == 0.04
    assert account(bybit_venue).position("ETHUSDT").amount == 0


async def test_order_link_id_rules(bybit_ex, bybit_venue):
    await bybit_ex.create_order(ETH, "limit", "buy", 0.01, 2950.0, {"clientOrderId": "dup-1"})
    with pytest.raises(ccxt_errors.InvalidOrder, match="110072"):   # live duplicate
        await bybit_ex.create_order(ETH, "limit", "buy", 0.01, 2950.0, {"clientOrderId": "dup-1"})
    await bybit_ex.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                                {"timeInForce": "IOC", "clientOrderId": "dup-2"})
    with pytest.raises(ccxt_errors.InvalidOrder, match="110072"):   # closed: still unique
        await bybit_ex.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                                    {"timeInForce": "IOC", "clientOrderId": "dup-2"})
    with pytest.raises(ccxt_errors.BadRequest, match="orderLinkId"):
        await bybit_ex.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                                    {"timeInForce": "IOC", "clientOrderId": "lh-1-0.01"})
    with pytest.raises(ccxt_errors.BadRequest, match="orderLinkId"):
        await bybit_ex.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                                    {"timeInForce": "IOC", "clientOrderId": "x" * 37})
    assert account(bybit_venue).position("ETHUSDT").amount == Decimal("0.01")
    bybit_venue.state.link_ids_reusable_after_close = True   # the older, weaker rule
    await bybit_ex.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                                {"timeInForce": "IOC", "clientOrderId": "dup-2"})
    assert account(bybit_venue).position("ETHUSDT").amount == Decimal("0.02")


async def test_positions_and_balance(bybit_ex, bybit_venue):
    before = await bybit_ex.fetch_balance()
    assert before["USDT"]["total"] == 10000 and before["USDT"]["free"] == 10000
    [flat] = await bybit_ex.fetch_positions([ETH])    # bybit answers a flat row when asked
    assert (flat["side"], flat["contracts"]) == (None, 0.0)
    assert await bybit_ex.fetch_positions() == []
    await bybit_ex.create_order(ETH, "limit", "sell", 0.3, BEST_BID, {"timeInForce": "IOC"})
    [short] = await bybit_ex.fetch_positions([ETH])
    assert (short["symbol"], short["side"], short["contracts"], short["entryPrice"]) == \
        (ETH, "short", 0.3, BEST_BID)
    assert [p["symbol"] for p in await bybit_ex.fetch_positions()] == [ETH]
    after = await bybit_ex.fetch_balance()
    fee = 0.3 * BEST_BID * 0.0004
    assert after["USDT"]["used"] == pytest.approx(0.3 * 3000.60 / 20)
    assert after["USDT"]["total"] == pytest.approx(10000 - fee)


async def test_sim_state_lists_positions_orders_and_fills(bybit_ex, bybit_venue):
    await bybit_ex.create_order(ETH, "limit", "buy", 1.0, BEST_ASK + GAP,
                                {"timeInForce": "IOC", "clientOrderId": "st-1"})
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{bybit_venue.url}/sim/state") as resp:
            state = (await resp.json())["accounts"][API_KEY]
    assert Decimal(state["positions"]["ETHUSDT"]["amount"]) == 1
    assert [o["orderLinkId"] for o in state["order_list"]] == ["st-1"]
    assert [(Decimal(f["qty"]), Decimal(f["price"])) for f in state["fills"]] == [
        (Decimal("0.8"), Decimal("3000.76")), (Decimal("0.2"), Decimal("3000.91"))]


# --- auth -------------------------------------------------------------------------------------

async def test_wrong_secret_and_unknown_key_are_authentication_errors(bybit_venue):
    await register_account(bybit_venue.url, API_KEY, SECRET)
    for key, secret, code in ((API_KEY, "not-the-secret", "10004"),
                              ("nobody", SECRET, "10003")):
        ex = loopback_bybit(bybit_venue.url, api_key=key, secret=secret)
        try:
            with pytest.raises(ccxt_errors.AuthenticationError, match=code):
                await ex.load_markets()
        finally:
            await ex.close()


async def test_stale_timestamp_is_invalid_nonce(bybit_ex):
    bybit_ex.options["timeDifference"] = 60_000     # the client clock a minute behind
    with pytest.raises(ccxt_errors.InvalidNonce, match="10002"):
        await bybit_ex.fetch_balance()


# --- faults -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fault, error", [
    ("429", ccxt_errors.RateLimitExceeded),       # retCode 10006
    ("418", ccxt_errors.RateLimitExceeded),       # HTTP 403 access too frequent
    ("502", ccxt_errors.ExchangeNotAvailable),
    ("503", ccxt_errors.ExchangeNotAvailable),
    ("-1001", ccxt_errors.ExchangeError),         # retCode 10016
])
async def test_faults_before_matching_execute_nothing(bybit_ex, bybit_venue, fault, error):
    await bybit_ex.fetch_balance()      # unified-account detection done before the fault
    status, _ = await post_faults(bybit_venue.url, {"next": [fault]})
    assert status == 200
    with pytest.raises(error):
        await bybit_ex.create_order(ETH, "limit", "buy", 0.1, BEST_ASK,
                                    {"timeInForce": "IOC", "clientOrderId": f"f{fault}"})
    assert bybit_venue.state.order_posts == 1 and bybit_venue.state.executed_order_posts == 0
    assert await bybit_ex.fetch_open_orders(ETH, params={"orderLinkId": f"f{fault}"}) == []


@pytest.mark.parametrize("fault, error", [
    ("drop", ccxt_errors.NetworkError),
    ("late", ccxt_errors.RequestTimeout),
    ("-1007", ccxt_errors.RequestTimeout),        # 504 gateway timeout
])
async def test_faults_after_matching_leave_the_order_findable(bybit_venue, fault, error):
    freeze_prices(bybit_venue.prices)
    ex = await bybit_client(bybit_venue, timeout_ms=500)
    try:
        await ex.fetch_balance()
        await post_faults(bybit_venue.url, {"next": [fault], "late_ms": 1500})
        with pytest.raises(error):
            await ex.create_order(ETH, "limit", "sell", 0.2, BEST_BID,
                                  {"timeInForce": "IOC", "clientOrderId": "amb-1"})
        [order] = await ex.fetch_open_orders(ETH, params={"orderLinkId": "amb-1"})
        assert (order["status"], order["filled"], order["side"]) == ("closed", 0.2, "sell")
        with pytest.raises(ccxt_errors.InvalidOrder, match="110072"):   # a blind resend
            await ex.create_order(ETH, "limit", "sell", 0.2, BEST_BID,
                                  {"timeInForce": "IOC", "clientOrderId": "amb-1"})
        assert account(bybit_venue).position("ETHUSDT").amount == Decimal("-0.2")
    finally:
        await ex.close()


async def test_reject_hedges_is_insufficient_funds(bybit_ex, bybit_venue):
    await post_faults(bybit_venue.url, {"reject_hedges": True})
    with pytest.raises(ccxt_errors.InsufficientFunds, match="110007"):
        await bybit_ex.create_order(ETH, "limit", "buy", 0.1, BEST_ASK, {"timeInForce": "IOC"})
    assert bybit_venue.state.executed_order_posts == 0


async def test_refused_connections_then_reopened(bybit_ex, bybit_venue):
    await bybit_ex.fetch_balance()
    posts_before = bybit_venue.state.order_posts
    await post_faults(bybit_venue.url, {"refuse_connections": True})
    await wait_until_refused(bybit_venue.listener.port)
    for _ in range(5):   # a pooled connection closed by the venue may fail first
        with pytest.raises(ccxt_errors.ExchangeNotAvailable) as caught:
            await bybit_ex.create_order(ETH, "limit", "buy", 0.1, BEST_ASK, {"timeInForce": "IOC"})
        if isinstance(caught.value.__cause__, aiohttp.ClientConnectorError):
            break
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)
    assert bybit_venue.state.order_posts == posts_before
    bybit_venue.faults.refuse_connections = False
    await wait_until_refused(bybit_venue.listener.port, refused=False, within_s=3.0)
    order = await bybit_ex.create_order(ETH, "limit", "buy", 0.1, BEST_ASK,
                                        {"timeInForce": "IOC", "clientOrderId": "after"})
    assert order["clientOrderId"] == "after"
    assert account(bybit_venue).position("ETHUSDT").amount == Decimal("0.1")


async def test_unknown_path_is_an_exchange_error_not_retryable(bybit_ex):
    with pytest.raises(ccxt_errors.ExchangeError) as caught:
        await bybit_ex.fetch(f"{bybit_ex.urls['api']['public']}/v5/nowhere", "GET", {}, None)
    assert not isinstance(caught.value, ccxt_errors.ExchangeNotAvailable)
