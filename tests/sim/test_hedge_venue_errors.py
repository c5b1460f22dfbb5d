"""Each refusal of the hedge venue surfaces as the ccxt error class a hedge path decides on."""
from __future__ import annotations

import ccxt.async_support as ccxt_async
import pytest

from hedge.sim.binance.app import HEDGE_STATE_KEY
from tests.sim.ccxt_loopback import (API_KEY, ETH, connected_client, freeze_prices,
                                     loopback_binanceusdm, register_account)


def executed(venues) -> int:
    return venues.hedge_app[HEDGE_STATE_KEY].executed_order_posts


@pytest.mark.fresh_venue   # counts what the venue saw, from its start
async def test_margin_insufficient_is_insufficient_funds(venues):
    freeze_prices(venues.prices)
    poor = await connected_client(venues.hedge_url, "poor-key", "poor-secret", balance="10")
    try:
        with pytest.raises(ccxt_async.InsufficientFunds, match="-2019"):
            await poor.create_order(ETH, "market", "buy", 0.1, None)   # needs ~15 USDT margin
        assert executed(venues) == 0
    finally:
        await poor.close()


@pytest.mark.fresh_venue   # counts what the venue saw, from its start
async def test_reject_hedges_knob_rejects_every_order(ex, venues):
    venues.faults.hedge.reject_hedges = True
    with pytest.raises(ccxt_async.InsufficientFunds):
        await ex.create_order(ETH, "market", "buy", 0.01, None)
    assert executed(venues) == 0


@pytest.mark.fresh_venue   # counts what the venue saw, from its start
async def test_min_notional_is_invalid_order(ex, venues):
    with pytest.raises(ccxt_async.InvalidOrder, match="-4164"):
        await ex.create_order(ETH, "market", "buy", 0.005, None)   # 15 USDT < 20
    assert executed(venues) == 0


async def test_reduce_only_that_would_open_is_invalid_order(ex):
    with pytest.raises(ccxt_async.InvalidOrder, match="-2022"):
        await ex.create_order(ETH, "market", "sell", 0.01, None, {"reduceOnly": True})


async def test_duplicate_client_id_only_while_the_first_is_open(ex):
    first = await ex.create_order(ETH, "limit", "buy", 0.01, 2900.0, {"clientOrderId": "dup-1"})
    with pytest.raises(ccxt_async.InvalidOrder, match="-4116"):
        await ex.create_order(ETH, "limit", "buy", 0.01, 2900.0, {"clientOrderId": "dup-1"})
    await ex.cancel_order(first["id"], ETH)
    again = await ex.create_order(ETH, "limit", "buy", 0.01, 2900.0, {"clientOrderId": "dup-1"})
    assert again["id"] != first["id"] and again["status"] == "open"


async def test_post_only_that_would_cross_is_order_not_fillable(ex):
    with pytest.raises(ccxt_async.OrderNotFillable, match="-5022"):
        await ex.create_order(ETH, "limit", "buy", 0.01, 3001.0, {"postOnly": True})


async def test_unknown_order_is_order_not_found(ex):
    with pytest.raises(ccxt_async.OrderNotFound, match="-2013"):
        await ex.fetch_order("12345", ETH)
    with pytest.raises(ccxt_async.OrderNotFound, match="-2013"):
        await ex.fetch_order(None, ETH, {"clientOrderId": "never-sent"})
    with pytest.raises(ccxt_async.OrderNotFound, match="-2011"):
        await ex.cancel_order("12345", ETH)


async def test_unknown_key_and_bad_signature_are_authentication_errors(venues):
    await register_account(venues.hedge_url, API_KEY, "right-secret")
    stranger = loopback_binanceusdm(venues.hedge_url, "nobody", "x")
    forger = loopback_binanceusdm(venues.hedge_url, API_KEY, "wrong-secret")
    try:
        with pytest.raises(ccxt_async.AuthenticationError, match="-2015"):
            await stranger.fetch_balance()
        with pytest.raises(ccxt_async.AuthenticationError, match="-1022"):
            await forger.fetch_balance()
    finally:
        await stranger.close()
        await forger.close()


async def test_stale_timestamp_is_invalid_nonce(ex):
    ex.nonce = lambda: ex.milliseconds() - 30_000   # recvWindow sent by ccxt is 10 s
    with pytest.raises(ccxt_async.InvalidNonce, match="-1021"):
        await ex.fetch_balance()


@pytest.mark.fresh_venue   # counts what the venue saw, from its start
async def test_off_tick_price_and_off_step_quantity_are_refused(ex, venues):
    """ccxt rounds before sending, so send the raw request to see the venue's own checks."""
    base = {"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    with pytest.raises(ccxt_async.BadRequest, match="-4014"):
        await ex.fapiPrivatePostOrder({**base, "quantity": "0.01", "price": "2900.005"})
    with pytest.raises(ccxt_async.BadRequest, match="-1111"):
        await ex.fapiPrivatePostOrder({**base, "quantity": "0.0105", "price": "2900"})
    with pytest.raises(ccxt_async.BadRequest, match="-1100"):
        await ex.fapiPrivatePostOrder({**base, "quantity": "0.01", "price": "2900",
                                       "newClientOrderId": "has space"})
    assert executed(venues) == 0


async def test_unknown_route_is_a_json_error_not_a_bare_404(ex, venues):
    with pytest.raises(ccxt_async.ExchangeError) as caught:
        await ex.fapiPublicGetFundingInfo()
    assert not isinstance(caught.value, ccxt_async.NetworkError)
    assert '"code": -5000' in str(caught.value)
    async with ex.session.get(f"{venues.hedge_url}/nope/at/all") as resp:
        body = await resp.json()
        assert resp.status == 404 and body["code"] == -5000
    async with ex.session.put(f"{venues.hedge_url}/fapi/v1/order") as resp:
        assert resp.status == 405 and (await resp.json())["code"] == -1000
