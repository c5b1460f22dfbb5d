"""Injected faults: which ones executed the order, and what ccxt makes of each."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp
import ccxt.async_support as ccxt_async
import pytest

from hedge.sim.binance.app import HEDGE_STATE_KEY
from tests.sim.ccxt_loopback import (API_KEY, ETH, connected_client, freeze_prices,
                                     post_faults, wait_until_refused)


def state(venues):
    return venues.hedge_app[HEDGE_STATE_KEY]


def eth_position(venues) -> Decimal:
    return state(venues).accounts[API_KEY].position("ETHUSDT").amount


@pytest.mark.parametrize("fault, error", [
    ("429", ccxt_async.DDoSProtection),
    ("418", ccxt_async.DDoSProtection),
    ("502", ccxt_async.ExchangeNotAvailable),
    ("503", ccxt_async.ExchangeNotAvailable),
    ("-1001", ccxt_async.OperationFailed),
])
@pytest.mark.fresh_venue   # counts what the venue saw, from its start
async def test_faults_before_matching_leave_no_order(ex, venues, fault, error):
    status, _ = await post_faults(venues.hedge_url, {"next": [fault]})
    assert status == 200
    with pytest.raises(error):
        await ex.create_order(ETH, "market", "buy", 0.01, None, {"clientOrderId": "pre-1"})
    assert state(venues).executed_order_posts == 0 and eth_position(venues) == 0
    with pytest.raises(ccxt_async.OrderNotFound):
        await ex.fetch_order(None, ETH, {"clientOrderId": "pre-1"})
    retry = await ex.create_order(ETH, "market", "buy", 0.01, None, {"clientOrderId": "pre-1"})
    assert retry["filled"] == 0.01 and eth_position(venues) == Decimal("0.01")


async def test_lookups_do_not_consume_order_faults(ex, venues):
    placed = await ex.create_order(ETH, "market", "buy", 0.01, None)
    venues.faults.hedge.next = ["429"]
    assert (await ex.fetch_order(placed["id"], ETH))["status"] == "closed"
    assert venues.faults.hedge.next == ["429"]


async def test_execute_then_drop_executes_and_a_blind_resend_fills_twice(ex, venues):
    venues.faults.hedge.next = ["drop"]
    with pytest.raises(ccxt_async.ExchangeNotAvailable) as caught:
        await ex.create_order(ETH, "market", "buy", 0.01, None, {"clientOrderId": "hedge-7"})
    assert isinstance(caught.value.__cause__, aiohttp.ServerDisconnectedError)
    assert eth_position(venues) == Decimal("0.01")          # it really executed
    found = await ex.fetch_order(None, ETH, {"clientOrderId": "hedge-7"})
    assert (found["status"], found["filled"]) == ("closed", 0.01)
    # The trap: the id of a filled order is free again, so a blind resend trades again.
    resent = await ex.create_order(ETH, "market", "buy", 0.01, None, {"clientOrderId": "hedge-7"})
    assert resent["id"] != found["id"] and resent["filled"] == 0.01
    assert eth_position(venues) == Decimal("0.02")


async def test_unknown_status_1007_executed_the_order(ex, venues):
    venues.faults.hedge.next = ["-1007"]
    with pytest.raises(ccxt_async.RequestTimeout, match="-1007"):
        await ex.create_order(ETH, "market", "sell", 0.01, None, {"clientOrderId": "u-1"})
    assert eth_position(venues) == Decimal("-0.01")


async def test_late_answer_beyond_timeout_is_request_timeout_but_executed(venues):
    freeze_prices(venues.prices)
    impatient = await connected_client(venues.hedge_url, timeout_ms=150)
    try:
        venues.faults.hedge.next = ["late"]
        venues.faults.hedge.late_ms = 400
        with pytest.raises(ccxt_async.RequestTimeout):
            await impatient.create_order(ETH, "market", "buy", 0.01, None,
                                         {"clientOrderId": "late-1"})
        assert eth_position(venues) == Decimal("0.01")
        found = await impatient.fetch_order(None, ETH, {"clientOrderId": "late-1"})
        assert found["status"] == "closed"
    finally:
        await impatient.close()


@pytest.mark.fresh_venue   # counts what the venue saw, from its start
@pytest.mark.slow   # the venue refuses connections for 1.5 s
async def test_refused_connection_is_network_error_and_never_executes(ex, venues):
    status, _ = await post_faults(venues.hedge_url, {"next": ["refuse:1.5"]})
    assert status == 200
    await wait_until_refused(venues.hedge.port)
    await asyncio.sleep(0.05)   # let the client notice its pooled connection was closed
    with pytest.raises(ccxt_async.NetworkError) as caught:
        await ex.create_order(ETH, "market", "buy", 0.01, None)
    assert isinstance(caught.value, ccxt_async.ExchangeNotAvailable)
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)
    assert state(venues).order_posts == 0
    await wait_until_refused(venues.hedge.port, refused=False, within_s=3.0)
    assert (await ex.create_order(ETH, "market", "buy", 0.01, None))["filled"] == 0.01


async def test_refuse_connections_knob_holds_until_cleared(ex, venues):
    venues.faults.hedge.refuse_connections = True
    await wait_until_refused(venues.hedge.port)
    await asyncio.sleep(0.05)
    with pytest.raises(ccxt_async.ExchangeNotAvailable):
        await ex.fetch_balance()
    venues.faults.hedge.refuse_connections = False
    await wait_until_refused(venues.hedge.port, refused=False)
    assert (await ex.fetch_balance())["USDT"]["total"] == 10000


@pytest.mark.fresh_venue   # counts what the venue saw, from its start
async def test_probabilistic_faults_are_seeded(ex, venues):
    venues.faults.hedge.http_429_prob = 0.5
    outcomes = []
    for _ in range(12):
        try:
            await ex.create_order(ETH, "market", "buy", 0.01, None)
            outcomes.append("ok")
        except ccxt_async.DDoSProtection:
            outcomes.append("429")
    assert "ok" in outcomes and "429" in outcomes
    assert state(venues).executed_order_posts == outcomes.count("ok")


async def test_control_api_validates_profiles_and_knobs(venues):
    status, body = await post_faults(venues.hedge_url, {"profile": "nope"})
    assert status == 400 and "reject_hedges" in body["error"]
    status, body = await post_faults(venues.hedge_url, {"bogus_knob": 1})
    assert status == 400 and "http_429_prob" in body["error"]
    status, body = await post_faults(venues.hedge_url, {"next": ["explode"]})
    assert status == 400 and "refuse:<seconds>" in body["error"]
    status, body = await post_faults(venues.hedge_url, {"profile": "reject_hedges"})
    assert status == 200 and venues.faults.hedge.reject_hedges is True
    status, _ = await post_faults(venues.hedge_url, {"profile": "none"})
    assert status == 200 and venues.faults.hedge.reject_hedges is False


@pytest.mark.fresh_venue   # counts what the venue saw, from its start
async def test_state_endpoint_reports_positions_and_counters(ex, venues):
    await ex.create_order(ETH, "market", "sell", 0.02, None)
    venues.faults.hedge.next = ["503"]
    with pytest.raises(ccxt_async.ExchangeNotAvailable):
        await ex.create_order(ETH, "market", "sell", 0.02, None)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{venues.hedge_url}/sim/state") as resp:
            snapshot = await resp.json()
    mine = snapshot["accounts"][API_KEY]
    assert mine["positions"]["ETHUSDT"]["amount"] == "-0.02"
    assert (snapshot["order_posts"], snapshot["executed_order_posts"]) == (2, 1)
    assert mine["orders"] == 1 and len(mine["fills"]) == 1
