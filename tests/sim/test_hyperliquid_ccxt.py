"""ccxt's own hyperliquid class against the local Hyperliquid venue: the calls a hedge makes, and
Hyperliquid's checks (signer, price figures, $10 minimum, reduce-only, builder approval).
The fault knobs are in test_hyperliquid_faults.py."""
from __future__ import annotations

from decimal import Decimal

import ccxt.async_support as ccxt_async
import pytest

from hedge.adapters.hedging.urls import point_at, url_leaves
from hedge.sim.hyperliquid.markets import PERPS, price_is_valid
from tests.sim.hyperliquid_loopback import (BTC, ETH, connected, freeze_prices, hl, hl_venue,
                                            loopback_hyperliquid, new_wallet, register_wallet,
                                            szi, wallet)

__all__ = ["hl", "hl_venue", "wallet"]   # fixtures

# With ETH pinned at 3000: venue mid 3000.6 (+2 bps), tick 0.1, best bid 3000.4, best ask
# 3000.8, levels 0.1 apart, sizes 0.8, 1.2, 1.6, ...
BEST_BID, BEST_ASK, GAP = 3000.4, 3000.8, 0.1


def cloid(n: int) -> str:
    return f"0x{n:032x}"


async def test_every_url_is_loopback(hl_venue, wallet):
    ex = loopback_hyperliquid(hl_venue.url, wallet)
    try:
        leaves = [u for u in url_leaves(ex.urls["api"]) if "://" in u]
        assert leaves and all(u.startswith("http://127.0.0.1") for u in leaves)
    finally:
        await ex.close()


async def test_load_markets_asks_for_perps_and_approves_a_zero_builder_fee(hl_venue, wallet):
    ex = await connected(hl_venue, wallet)
    try:
        seen = set(hl_venue.state.requests)
        assert {"info:metaAndAssetCtxs", "info:spotMeta", "info:userAbstraction",
                "exchange:approveBuilderFee"} <= seen
        assert "exchange:setReferrer" not in seen and "info:perpDexs" not in seen
        approvals = hl_venue.state.accounts[wallet.address.lower()].builder_max_fee
        assert list(approvals.values()) == [Decimal(0)]
        eth, btc = ex.market(ETH), ex.market(BTC)
        assert (eth["id"], eth["baseName"], eth["settle"], eth["swap"]) == ("1", "ETH", "USDC", True)
        assert eth["precision"] == {"amount": 0.0001, "price": 0.1}
        assert btc["precision"]["amount"] == 0.00001 and btc["precision"]["price"] == 1
        assert eth["limits"]["cost"]["min"] == 10 and eth["limits"]["leverage"]["max"] == 25
    finally:
        await ex.close()


async def test_ccxt_defaults_set_a_referrer_and_pay_a_builder_fee(hl_venue, wallet):
    """Why the bot sets builderFee False and refSet True: with ccxt's defaults every hedge pays
    ccxt's builder 0.01% on top of the taker fee, after two actions sent at load_markets."""
    freeze_prices(hl_venue.prices)
    await register_wallet(hl_venue.url, wallet)
    ex = ccxt_async.hyperliquid({"walletAddress": wallet.address,
                                 "privateKey": wallet.private_key, "enableRateLimit": False})
    point_at(ex, hl_venue.url)
    try:
        await ex.load_markets()
        assert {"exchange:approveBuilderFee", "exchange:setReferrer", "info:perpDexs",
                "info:spotMetaAndAssetCtxs"} <= set(hl_venue.state.requests)
        assert set(ex.markets) == {ETH, BTC}
        await ex.create_order(ETH, "limit", "buy", 0.01, BEST_ASK, {"timeInForce": "Ioc"})
    finally:
        await ex.close()
    account = hl_venue.state.accounts[wallet.address.lower()]
    assert account.referrer == "CCXT1"
    taker_and_builder = Decimal("0.01") * Decimal(str(BEST_ASK)) * Decimal("0.00055")
    assert account.fills[-1].fee == taker_and_builder.quantize(Decimal("0.000001"))


async def test_order_book_follows_the_shared_mid(hl, hl_venue):
    book = await hl.fetch_order_book(ETH)
    assert book["bids"][0] == [BEST_BID, 0.8] and book["asks"][0] == [BEST_ASK, 0.8]
    assert [a[1] for a in book["asks"][:3]] == [0.8, 1.2, 1.6]
    assert book["asks"][1][0] == pytest.approx(BEST_ASK + GAP)
    freeze_prices(hl_venue.prices, eth=3100.0)
    assert 3100 < (await hl.fetch_order_book(ETH))["bids"][0][0] < 3101


@pytest.mark.parametrize("eth, btc", [(9995.0, 99_990.0), (999.95, 9_999.9), (3000.0, 100_000.0)])
async def test_every_book_price_is_a_valid_hyperliquid_price(hl_venue, eth, btc):
    """Also where the levels straddle a power of ten, and the tick changes with it."""
    freeze_prices(hl_venue.prices, eth=eth, btc=btc)
    for coin in ("ETH", "BTC"):
        book = hl_venue.state.book(coin)
        prices = [level.price for level in book.bids + book.asks] + [book.mid]
        assert [p for p in prices if not price_is_valid(p, PERPS[coin])] == []


async def test_ioc_fills_and_is_found_by_cloid(hl, hl_venue, wallet):
    placed = await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK + 1,
                                   {"timeInForce": "Ioc", "clientOrderId": cloid(1)})
    # Hyperliquid answers an order with ids and fill totals only: ccxt leaves status None.
    assert (placed["filled"], placed["average"], placed["status"]) == (0.01, BEST_ASK, None)
    assert placed["clientOrderId"] == cloid(1)
    found = await hl.fetch_order(None, ETH, {"clientOrderId": cloid(1)})
    assert (found["id"], found["status"], found["filled"], found["side"]) == (
        placed["id"], "closed", 0.01, "buy")
    assert found["symbol"] == ETH and found["timeInForce"] == "IOC"
    assert szi(hl_venue, wallet) == Decimal("0.01")
    [position] = await hl.fetch_positions([ETH])
    assert (position["side"], position["contracts"], position["entryPrice"]) == (
        "long", 0.01, BEST_ASK)


async def test_the_average_price_of_a_found_order_comes_from_its_fills(hl):
    """orderStatus has no average price (as on Hyperliquid); the fills carry oid and cloid."""
    await hl.create_order(ETH, "limit", "buy", 1.0, BEST_ASK + GAP,
                          {"timeInForce": "Ioc", "clientOrderId": cloid(11)})
    found = await hl.fetch_order(None, ETH, {"clientOrderId": cloid(11)})
    assert found["average"] is None and found["filled"] == 1.0
    trades = [t for t in await hl.fetch_my_trades(ETH, since=found["timestamp"])
              if t["order"] == found["id"]]
    assert [(t["price"], t["amount"]) for t in trades] == [(BEST_ASK, 0.8),
                                                          (pytest.approx(BEST_ASK + GAP), 0.2)]


async def test_ioc_against_a_thin_book_fills_part_and_cancels_the_rest(hl, hl_venue, wallet):
    partial = await hl.create_order(ETH, "limit", "buy", 2.5, BEST_ASK + GAP,
                                    {"timeInForce": "Ioc", "clientOrderId": cloid(2)})
    assert partial["filled"] == 2.0 and partial["amount"] == 2.0   # totalSz is the filled size
    found = await hl.fetch_order(None, ETH, {"clientOrderId": cloid(2)})
    assert (found["status"], found["filled"], found["amount"], found["remaining"]) == (
        "canceled", 2.0, 2.5, 0.5)
    assert szi(hl_venue, wallet) == Decimal("2.0")


async def test_ioc_that_cannot_match_is_refused_and_recorded_rejected(hl, hl_venue, wallet):
    with pytest.raises(ccxt_async.InvalidOrder, match="could not immediately match"):
        await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK - GAP,
                              {"timeInForce": "Ioc", "clientOrderId": cloid(3)})
    found = await hl.fetch_order(None, ETH, {"clientOrderId": cloid(3)})
    assert (found["status"], found["filled"]) == ("rejected", 0.0)
    assert szi(hl_venue, wallet) == 0


async def test_unknown_cloid_is_order_not_found(hl):
    with pytest.raises(ccxt_async.OrderNotFound):
        await hl.fetch_order(None, ETH, {"clientOrderId": cloid(404)})


async def test_price_with_six_significant_figures_is_refused(hl, hl_venue, wallet):
    hl.price_to_precision = lambda symbol, price: str(price)   # send the raw price
    with pytest.raises(ccxt_async.InvalidOrder, match="divisible by tick size"):
        await hl.create_order(ETH, "limit", "buy", 0.01, 3000.85,
                              {"timeInForce": "Ioc", "clientOrderId": cloid(4)})
    assert (await hl.fetch_order(None, ETH, {"clientOrderId": cloid(4)}))["status"] == "rejected"
    placed = await hl.create_order(ETH, "limit", "buy", 0.01, 3000.9, {"timeInForce": "Ioc"})
    assert placed["filled"] == 0.01 and szi(hl_venue, wallet) == Decimal("0.01")


async def test_size_past_sz_decimals_is_refused(hl):
    hl.amount_to_precision = lambda symbol, amount: str(amount)
    with pytest.raises(ccxt_async.InvalidOrder, match="invalid size"):
        await hl.create_order(ETH, "limit", "buy", 0.00501, BEST_ASK, {"timeInForce": "Ioc"})


async def test_order_under_ten_dollars_is_refused_even_reduce_only(hl, hl_venue, wallet):
    with pytest.raises(ccxt_async.InvalidOrder, match=r"minimum value of \$10"):
        await hl.create_order(ETH, "limit", "buy", 0.0033, BEST_ASK, {"timeInForce": "Ioc"})
    await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK, {"timeInForce": "Ioc"})
    with pytest.raises(ccxt_async.InvalidOrder, match=r"minimum value of \$10"):
        await hl.create_order(ETH, "limit", "sell", 0.003, BEST_BID,
                              {"timeInForce": "Ioc", "reduceOnly": True, "clientOrderId": cloid(5)})
    assert (await hl.fetch_order(None, ETH, {"clientOrderId": cloid(5)}))["status"] == "rejected"
    assert szi(hl_venue, wallet) == Decimal("0.01")


async def test_the_reduce_only_exemption_can_be_switched_on(hl, hl_venue, wallet):
    hl_venue.state.reduce_only_exempt_from_min_value = True
    await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK, {"timeInForce": "Ioc"})
    close = await hl.create_order(ETH, "limit", "sell", 0.003, BEST_BID,
                                  {"timeInForce": "Ioc", "reduceOnly": True})
    assert close["filled"] == 0.003 and szi(hl_venue, wallet) == Decimal("0.007")
    with pytest.raises(ccxt_async.InvalidOrder, match=r"minimum value of \$10"):
        await hl.create_order(ETH, "limit", "sell", 0.003, BEST_BID, {"timeInForce": "Ioc"})


async def test_reduce_only_reduces_and_never_increases(hl, hl_venue, wallet):
    with pytest.raises(ccxt_async.InvalidOrder, match="would increase position"):
        await hl.create_order(ETH, "limit", "sell", 0.01, BEST_BID,
                              {"timeInForce": "Ioc", "reduceOnly": True})
    await hl.create_order(ETH, "limit", "buy", 0.02, BEST_ASK, {"timeInForce": "Ioc"})
    close = await hl.create_order(ETH, "limit", "sell", 0.005, BEST_BID,
                                  {"timeInForce": "Ioc", "reduceOnly": True})
    assert close["filled"] == 0.005 and szi(hl_venue, wallet) == Decimal("0.015")
    # Larger than the position: fills the position only, never flips it.
    capped = await hl.create_order(ETH, "limit", "sell", 0.05, BEST_BID,
                                   {"timeInForce": "Ioc", "reduceOnly": True})
    assert capped["filled"] == 0.015 and szi(hl_venue, wallet) == 0
    found = await hl.fetch_order(capped["id"], ETH)
    assert found["reduceOnly"] is True and found["status"] == "canceled"


async def test_resting_order_is_listed_then_canceled_by_cloid(hl, hl_venue, wallet):
    rest = await hl.create_order(ETH, "limit", "buy", 0.01, 2950, {"clientOrderId": cloid(6)})
    assert rest["id"] and rest["filled"] is None or rest["filled"] == 0
    [listed] = await hl.fetch_open_orders(ETH)
    assert (listed["id"], listed["clientOrderId"], listed["status"]) == (rest["id"], cloid(6), "open")
    [short] = await hl.fetch_open_orders(ETH, params={"method": "openOrders"})
    assert short["id"] == rest["id"]
    canceled = await hl.cancel_order(None, ETH, {"clientOrderId": cloid(6)})
    assert canceled["status"] == "success"
    assert await hl.fetch_open_orders(ETH) == []
    assert (await hl.fetch_order(rest["id"], ETH))["status"] == "canceled"
    with pytest.raises(ccxt_async.OrderNotFound):
        await hl.cancel_order(rest["id"], ETH)


async def test_balance_and_leverage(hl, hl_venue):
    before = await hl.fetch_balance()
    assert before["USDC"]["total"] == 10000 and before["USDC"]["used"] == 0
    await hl.set_leverage(5, ETH)
    await hl.create_order(ETH, "limit", "buy", 0.1, BEST_ASK, {"timeInForce": "Ioc"})
    after = await hl.fetch_balance()
    fee = 0.1 * BEST_ASK * 0.00045
    assert after["USDC"]["used"] == pytest.approx(0.1 * 3000.6 / 5)
    assert after["USDC"]["total"] == pytest.approx(10000 - fee + 0.1 * (3000.6 - BEST_ASK))
    [position] = await hl.fetch_positions([ETH])
    assert position["leverage"] == 5 and position["marginMode"] == "cross"
    with pytest.raises(ccxt_async.ExchangeError, match="Invalid leverage"):
        await hl.set_leverage(30, ETH)


async def test_action_signed_by_another_key_is_refused(hl_venue, wallet):
    freeze_prices(hl_venue.prices)
    await register_wallet(hl_venue.url, wallet)
    stranger = new_wallet()
    ex = loopback_hyperliquid(hl_venue.url, wallet, private_key=stranger.private_key)
    try:
        await ex.load_markets()
        with pytest.raises(ccxt_async.InvalidOrder, match=f"(?i)User or API Wallet "
                                                          f"{stranger.address} does not exist"):
            await ex.create_order(ETH, "limit", "buy", 0.01, BEST_ASK, {"timeInForce": "Ioc"})
    finally:
        await ex.close()
    account = hl_venue.state.accounts[wallet.address.lower()]
    assert account.orders == {} and szi(hl_venue, wallet) == 0
    assert hl_venue.state.executed_order_actions == 0


async def test_an_agent_key_trades_for_its_wallet(hl_venue, wallet):
    freeze_prices(hl_venue.prices)
    agent = new_wallet()
    await register_wallet(hl_venue.url, wallet, agent=agent.address)
    ex = loopback_hyperliquid(hl_venue.url, wallet, private_key=agent.private_key)
    try:
        await ex.load_markets()   # the builder approval needs the main wallet: refused
        hl_venue.state.requests.clear()
        for _ in range(2):
            placed = await ex.create_order(ETH, "limit", "sell", 0.01, BEST_BID,
                                           {"timeInForce": "Ioc"})
            assert placed["filled"] == 0.01
    finally:
        await ex.close()
    assert szi(hl_venue, wallet) == Decimal("-0.02")
    assert hl_venue.state.accounts[wallet.address.lower()].builder_max_fee == {}
    # ccxt 4.5.64 retries the refused approval before every order: one more signed round trip.
    assert list(hl_venue.state.requests) == ["exchange:approveBuilderFee", "exchange:order"] * 2


async def test_an_agent_key_sends_orders_only_once_the_wallet_approved_the_builder(
        hl_venue, wallet):
    freeze_prices(hl_venue.prices)
    agent = new_wallet()
    await register_wallet(hl_venue.url, wallet, agent=agent.address)
    main = loopback_hyperliquid(hl_venue.url, wallet)   # one-time setup with the wallet's key
    await main.load_markets()
    await main.close()
    ex = loopback_hyperliquid(hl_venue.url, wallet, private_key=agent.private_key)
    ex.options["approvedBuilderFee"] = True
    try:
        await ex.load_markets()
        hl_venue.state.requests.clear()
        placed = await ex.create_order(ETH, "limit", "sell", 0.01, BEST_BID,
                                       {"timeInForce": "Ioc"})
    finally:
        await ex.close()
    assert placed["filled"] == 0.01
    assert list(hl_venue.state.requests) == ["exchange:order"]


async def test_vault_address_trades_the_account_its_signer_may_trade(hl, hl_venue, wallet):
    sub = new_wallet()
    await register_wallet(hl_venue.url, sub, agent=wallet.address)   # the wallet trades `sub`
    accounts = hl_venue.state.accounts   # the builder approval is the traded account's
    accounts[sub.address.lower()].builder_max_fee.update(
        accounts[wallet.address.lower()].builder_max_fee)
    placed = await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                                   {"timeInForce": "Ioc", "vaultAddress": sub.address})
    assert placed["filled"] == 0.01
    assert szi(hl_venue, sub) == Decimal("0.01") and szi(hl_venue, wallet) == 0
    stranger = new_wallet()
    await register_wallet(hl_venue.url, stranger)
    with pytest.raises(ccxt_async.ExchangeError, match="is not traded by"):
        await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                              {"timeInForce": "Ioc", "vaultAddress": stranger.address})
    assert szi(hl_venue, stranger) == 0


async def test_orders_tagged_with_an_unapproved_builder_are_refused(hl_venue, wallet):
    freeze_prices(hl_venue.prices)
    await register_wallet(hl_venue.url, wallet)
    ex = loopback_hyperliquid(hl_venue.url, wallet)
    ex.options["approvedBuilderFee"] = True   # skip the approval ccxt would send
    try:
        await ex.load_markets()
        with pytest.raises(ccxt_async.ExchangeError, match="Builder fee has not been approved"):
            await ex.create_order(ETH, "limit", "buy", 0.01, BEST_ASK, {"timeInForce": "Ioc"})
    finally:
        await ex.close()
    assert szi(hl_venue, wallet) == 0
