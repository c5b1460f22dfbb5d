"""Each hedge fault knob of the local Hyperliquid venue, as ccxt's hyperliquid class sees it:
which ones executed the order, and whether a lookup by cloid then finds it."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp
import ccxt.async_support as ccxt_async
import pytest

from tests.sim.ccxt_loopback import wait_until_refused
from tests.sim.hyperliquid_loopback import (ETH, connected, freeze_prices, hl, hl_venue,
                                            post_json, szi, wallet)

__all__ = ["hl", "hl_venue", "wallet"]   # fixtures

BEST_BID, BEST_ASK = 3000.4, 3000.8   # ETH pinned at 3000 (see test_hyperliquid_ccxt.py)


def cloid(n: int) -> str:
    return f"0x{n:032x}"


@pytest.mark.parametrize("fault, error", [
    ("429", ccxt_async.RateLimitExceeded),
    ("502", ccxt_async.ExchangeNotAvailable),
    ("503", ccxt_async.ExchangeNotAvailable),
])
async def test_faults_before_matching_leave_no_order(hl, hl_venue, wallet, fault, error):
    status, _ = await post_json(hl_venue.url, "/sim/faults", {"next": [fault]})
    assert status == 200
    with pytest.raises(error):
        await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                              {"timeInForce": "Ioc", "clientOrderId": cloid(7)})
    assert hl_venue.state.executed_order_actions == 0 and szi(hl_venue, wallet) == 0
    with pytest.raises(ccxt_async.OrderNotFound):
        await hl.fetch_order(None, ETH, {"clientOrderId": cloid(7)})
    retry = await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                                  {"timeInForce": "Ioc", "clientOrderId": cloid(7)})
    assert retry["filled"] == 0.01 and szi(hl_venue, wallet) == Decimal("0.01")


async def test_drop_after_execute_the_order_exists_by_cloid(hl, hl_venue, wallet):
    hl_venue.faults.next = ["drop"]
    with pytest.raises(ccxt_async.ExchangeNotAvailable) as caught:
        await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                              {"timeInForce": "Ioc", "clientOrderId": cloid(8)})
    assert isinstance(caught.value.__cause__, aiohttp.ServerDisconnectedError)
    assert szi(hl_venue, wallet) == Decimal("0.01")
    found = await hl.fetch_order(None, ETH, {"clientOrderId": cloid(8)})
    assert (found["status"], found["filled"]) == ("closed", 0.01)


async def test_gateway_timeout_after_execute_is_request_timeout(hl, hl_venue, wallet):
    hl_venue.faults.next = ["-1007"]
    with pytest.raises(ccxt_async.RequestTimeout):
        await hl.create_order(ETH, "limit", "sell", 0.01, BEST_BID,
                              {"timeInForce": "Ioc", "clientOrderId": cloid(9)})
    assert szi(hl_venue, wallet) == Decimal("-0.01")
    assert (await hl.fetch_order(None, ETH, {"clientOrderId": cloid(9)}))["filled"] == 0.01


async def test_late_answer_beyond_the_timeout_executed(hl_venue, wallet):
    freeze_prices(hl_venue.prices)
    impatient = await connected(hl_venue, wallet, timeout_ms=150)
    try:
        hl_venue.faults.next, hl_venue.faults.late_ms = ["late"], 400
        with pytest.raises(ccxt_async.RequestTimeout):
            await impatient.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                                         {"timeInForce": "Ioc", "clientOrderId": cloid(10)})
        assert szi(hl_venue, wallet) == Decimal("0.01")
        found = await impatient.fetch_order(None, ETH, {"clientOrderId": cloid(10)})
        assert found["status"] == "closed"
    finally:
        await impatient.close()


async def test_refused_connection_never_executes(hl, hl_venue):
    status, _ = await post_json(hl_venue.url, "/sim/faults", {"next": ["refuse:1.5"]})
    assert status == 200
    await wait_until_refused(hl_venue.listener.port)
    await asyncio.sleep(0.05)
    with pytest.raises(ccxt_async.ExchangeNotAvailable) as caught:
        await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK, {"timeInForce": "Ioc"})
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)
    assert hl_venue.state.order_actions == 0
    await wait_until_refused(hl_venue.listener.port, refused=False, within_s=3.0)
    assert (await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK,
                                  {"timeInForce": "Ioc"}))["filled"] == 0.01


async def test_refuse_connections_knob_holds_until_cleared(hl, hl_venue):
    hl_venue.faults.refuse_connections = True
    await wait_until_refused(hl_venue.listener.port)
    await asyncio.sleep(0.05)
    with pytest.raises(ccxt_async.ExchangeNotAvailable):
        await hl.fetch_balance()
    hl_venue.faults.refuse_connections = False
    await wait_until_refused(hl_venue.listener.port, refused=False)
    assert (await hl.fetch_balance())["USDC"]["total"] == 10000


async def test_reject_hedges_is_insufficient_margin(hl, hl_venue, wallet):
    status, _ = await post_json(hl_venue.url, "/sim/faults", {"profile": "reject_hedges"})
    assert status == 200
    with pytest.raises(ccxt_async.InsufficientFunds):
        await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK, {"timeInForce": "Ioc"})
    assert szi(hl_venue, wallet) == 0


async def test_margin_is_checked(hl_venue, wallet):
    freeze_prices(hl_venue.prices)
    ex = await connected(hl_venue, wallet, balance="100")
    try:
        with pytest.raises(ccxt_async.InsufficientFunds):   # $3000 at 20x needs ~$150
            await ex.create_order(ETH, "limit", "buy", 1.0, BEST_ASK + 1, {"timeInForce": "Ioc"})
    finally:
        await ex.close()


async def test_probabilistic_faults_are_seeded(hl, hl_venue):
    hl_venue.faults.http_429_prob = 0.5
    outcomes = []
    for _ in range(10):
        try:
            await hl.create_order(ETH, "limit", "buy", 0.01, BEST_ASK, {"timeInForce": "Ioc"})
            outcomes.append("ok")
        except ccxt_async.RateLimitExceeded:
            outcomes.append("429")
    assert "ok" in outcomes and "429" in outcomes
    assert hl_venue.state.executed_order_actions == outcomes.count("ok")


async def test_control_api_validates_input(hl_venue):
    status, body = await post_json(hl_venue.url, "/sim/accounts", {"wallet_address": "nope"})
    assert status == 400 and "wallet_address" in body["error"]
    status, body = await post_json(hl_venue.url, "/sim/faults", {"bogus_knob": 1})
    assert status == 400 and "http_429_prob" in body["error"]
    status, body = await post_json(hl_venue.url, "/sim/faults", {"next": ["explode"]})
    assert status == 400 and "refuse:<seconds>" in body["error"]


async def test_state_endpoint_and_unknown_requests(hl, hl_venue, wallet):
    await hl.create_order(ETH, "limit", "sell", 0.02, BEST_BID, {"timeInForce": "Ioc"})
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{hl_venue.url}/sim/state") as resp:
            snapshot = await resp.json()
        async with session.post(f"{hl_venue.url}/info", json={"type": "noSuchThing"}) as resp:
            assert resp.status == 422
    mine = snapshot["accounts"][wallet.address.lower()]
    assert mine["positions"]["ETH"]["szi"] == "-0.02" and len(mine["fills"]) == 1
    assert (snapshot["order_actions"], snapshot["executed_order_actions"]) == (1, 1)
