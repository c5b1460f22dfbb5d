"""The Lighter venue's account tiers, through the official SDK: request caps (429 with
Lighter's body, weights, per IP), latency lanes, fees, volume quota, the tier in /sim/accounts
and /sim/state."""
from __future__ import annotations

import json
import time
from decimal import Decimal

import aiohttp
import pytest
from lighter import AccountApi, OrderApi, TransactionApi
from lighter.exceptions import ApiException
from lighter.signer_client import SignerClient

from hedge.cli.parser import build_parser
from hedge.sim.runner import start_venues
from tests.sim.ccxt_loopback import freeze_prices
from tests.sim.lighter_helpers import best_prices, frame_where, new_client, next_frame, poll, token, venue

ETH = 0
KEY = 4
POST_ONLY = SignerClient.ORDER_TIME_IN_FORCE_POST_ONLY
IOC = SignerClient.ORDER_TIME_IN_FORCE_IMMEDIATE_OR_CANCEL
TOO_MANY = {"code": 23000, "message": "Too Many Requests!"}


async def sim_state(venues, account: int | None = None) -> dict:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{venues.lighter_url}/sim/state") as r:
            state = await r.json()
    return state if account is None else state["accounts"][str(account)]


async def read_account(client: SignerClient):
    return await AccountApi(client.api_client).account(by="index", value=str(client.account_index))


async def assert_refused(call) -> None:
    with pytest.raises(ApiException) as caught:
        await call()
    assert caught.value.status == 429
    assert json.loads(caught.value.body) == TOO_MANY


def long_window(venues, seconds: float = 60.0) -> None:
    """A window no test run outlasts, so every request of the test stays in it."""
    venue(venues).faults.rate_window_s = seconds


async def test_standard_cap_is_60_requests_then_429_and_the_window_slides(venues):
    long_window(venues)
    client = await new_client(venues)
    try:
        for _ in range(60):
            await read_account(client)
        await assert_refused(lambda: read_account(client))
        state = await sim_state(venues, client.account_index)
        assert (state["tier"], state["requests_last_window"], state["rate_limited"]) == ("standard", 60, 1)
        venue(venues).faults.rate_window_s = 0.2          # the window slides past the burst
        await poll(lambda: _window_empty(venues, client.account_index), timeout=3)
        assert (await read_account(client)).accounts[0].index == client.account_index
    finally:
        await client.close()


async def _window_empty(venues, account: int) -> bool:
    return (await sim_state(venues, account))["requests_last_window"] == 0


async def test_premium_cap_is_weighted(venues):
    long_window(venues)
    client = await new_client(venues, tier="premium")
    try:
        tok = token(client)
        api, tx_api = AccountApi(client.api_client), TransactionApi(client.api_client)
        await tx_api.next_nonce(account_index=client.account_index, api_key_index=KEY)       # 6
        await api.apikeys(account_index=client.account_index, api_key_index=KEY)             # 150
        await OrderApi(client.api_client).account_inactive_orders(
            account_index=client.account_index, limit=10, authorization=tok)                 # 100
        state = await sim_state(venues, client.account_index)
        assert (state["requests_last_window"], state["weight_last_window"]) == (3, 256)
        for _ in range(79):                                  # 79 x 300 + 256 = 23,956 of 24,000
            await read_account(client)
        await assert_refused(lambda: read_account(client))  # 300 more would pass 24,000
        await tx_api.next_nonce(account_index=client.account_index, api_key_index=KEY)  # 6 still fits
        assert (await sim_state(venues, client.account_index))["weight_last_window"] == 23_962
    finally:
        await client.close()


@pytest.mark.parametrize("tier", ["standard", "premium"])
async def test_heavy_endpoint_cap_applies_to_both_tiers(venues, tier):
    """trades weighs 600: 24,000 / 600 = 40 a window, below standard's 60 too."""
    long_window(venues)
    client = await new_client(venues, tier=tier)
    try:
        tok, api = token(client), OrderApi(client.api_client)

        async def trades():
            return await api.trades(sort_by="timestamp", limit=10, account_index=client.account_index,
                                    authorization=tok)
        for _ in range(40):
            await trades()
        await assert_refused(trades)
        if tier == "standard":                   # other endpoints still have room under 60
            await read_account(client)
    finally:
        await client.close()


@pytest.mark.fresh_venue   # counts what the venue saw, from its start
async def test_ip_cap_counts_public_requests(venues):
    long_window(venues)
    venue(venues).faults.ip_requests_per_window = 5
    client = await new_client(venues)
    try:
        api = OrderApi(client.api_client)
        for _ in range(5):
            await api.order_books()
        await assert_refused(api.order_books)
        assert (await sim_state(venues))["ips"]["127.0.0.1"]["rate_limited"] == 1
    finally:
        await client.close()


async def test_sendtx_counts_against_the_account_in_tx_info(venues):
    long_window(venues)
    client = await new_client(venues)
    try:
        bid, _ = best_prices(venues)
        for _ in range(59):
            await read_account(client)
        _, resp, err = await client.create_order(ETH, 1, 100, int(bid * 0.8), False, 0, POST_ONLY,
                                                 nonce=0, api_key_index=KEY)
        assert err is None and resp.code == 200
        assert resp.volume_quota_remaining is None           # standard answers carry no quota
        await assert_refused(lambda: client.create_order(ETH, 2, 100, int(bid * 0.8), False, 0,
                                                         POST_ONLY, nonce=1, api_key_index=KEY))
    finally:
        await client.close()


def _lane_delay_ms(venues, tx_hash: str) -> int:
    rec = venue(venues).txs[tx_hash]
    return rec.due_ms - rec.queued_ms


@pytest.mark.parametrize("tier, maker_ms, cancel_ms, taker_ms",
                         [("standard", 200, 200, 300), ("premium", 0, 0, 200)])
async def test_tier_latency_per_lane(venues, tier, maker_ms, cancel_ms, taker_ms):
    client = await new_client(venues, tier=tier)
    try:
        bid, ask = best_prices(venues)
        _, made, _ = await client.create_order(ETH, 1, 100, int(bid * 0.8), False, 0, POST_ONLY)
        _, took, _ = await client.create_order(ETH, 2, 100, ask + 100, False, 0, IOC, order_expiry=0)
        _, cut, _ = await client.cancel_order(ETH, 1)
        assert [_lane_delay_ms(venues, r.tx_hash) for r in (made, took, cut)] == [maker_ms, taker_ms, cancel_ms]
        venue(venues).faults.tier_latency = False
        venue(venues).faults.tx_latency_ms = 7
        _, again, _ = await client.create_order(ETH, 3, 100, int(bid * 0.8), False, 0, POST_ONLY)
        assert _lane_delay_ms(venues, again.tx_hash) == 7
    finally:
        await client.close()


async def test_standard_order_frame_comes_after_the_answer_and_the_latency(venues):
    client = await new_client(venues)
    try:
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(venues.lighter_url.replace("http", "ws") + "/stream")
            assert (await next_frame(ws))["type"] == "connected"
            await ws.send_json({"type": "subscribe", "channel": f"account_all_orders/{client.account_index}",
                                "auth": token(client)})
            assert (await next_frame(ws))["type"] == "subscribed/account_all_orders"
            bid, _ = best_prices(venues)
            sent = time.monotonic()
            _, resp, err = await client.create_order(ETH, 1, 100, int(bid * 0.8), False, 0, POST_ONLY)
            answered = time.monotonic()
            assert err is None and resp.code == 200
            frame = await frame_where(ws, lambda f: f["type"] == "update/account_all_orders")
            arrived = time.monotonic()
            assert frame["orders"]["0"][0]["status"] == "open"
            assert arrived >= answered and arrived - sent >= 0.2
            await ws.close()
    finally:
        await client.close()


async def test_premium_trades_carry_fees_and_standard_ones_do_not(venues):
    freeze_prices(venues.prices)                     # a still book: bid + 1 tick stays inside
    venue(venues).faults.no_taker_flow = True        # our two orders meet each other only
    venue(venues).faults.tier_latency = False
    for tier, maker_fee, taker_fee in (("premium", 40, 280), ("standard", None, None)):
        maker, taker = await new_client(venues, tier=tier), await new_client(venues, tier=tier)
        try:
            bid, _ = best_prices(venues)
            price = bid + 1                             # inside the spread: the best bid alone
            await maker.create_order(ETH, 1, 100, price, False, 0, POST_ONLY)
            await poll(lambda: venue(venues).accounts[maker.account_index].live_orders())
            await taker.create_order(ETH, 1, 100, price, True, 0, IOC, order_expiry=0)
            trades = await poll(lambda: _own_trades(maker))
            assert (trades[0].maker_fee, trades[0].taker_fee) == (maker_fee, taker_fee)
            notional = Decimal(trades[0].usd_amount)
            collateral = venue(venues).accounts[taker.account_index].collateral
            assert collateral == Decimal(100000) - notional * (taker_fee or 0) / 1_000_000
            fills = (await sim_state(venues, maker.account_index))["fills"]["0"]
            assert Decimal(fills["fees"]) == notional * (maker_fee or 0) / 1_000_000
        finally:
            await maker.close()
            await taker.close()


async def _own_trades(client: SignerClient):
    resp = await OrderApi(client.api_client).trades(
        sort_by="timestamp", limit=10, account_index=client.account_index, authorization=token(client))
    return resp.trades


async def test_premium_volume_quota_is_spent_refused_at_zero_and_refilled(venues):
    v = venue(venues)
    v.faults.volume_quota_start = 3
    v.faults.volume_quota_refill_s = 3600.0
    client = await new_client(venues, tier="premium")
    try:
        bid, _ = best_prices(venues)
        far = int(bid * 0.8)
        _, resp, _ = await client.create_order(ETH, 1, 100, far, False, 0, POST_ONLY, nonce=0, api_key_index=KEY)
        assert resp.volume_quota_remaining == 2
        await poll(lambda: v.accounts[client.account_index].live_orders())
        _, resp, _ = await client.modify_order(ETH, 1, 100, far - 1, nonce=1, api_key_index=KEY)
        assert resp.volume_quota_remaining == 1
        _, resp, _ = await client.cancel_order(ETH, 1, nonce=2, api_key_index=KEY)
        assert resp.volume_quota_remaining == 1                 # cancels spend none
        _, resp, _ = await client.create_order(ETH, 2, 100, far, False, 0, POST_ONLY, nonce=3, api_key_index=KEY)
        assert resp.volume_quota_remaining == 0
        with pytest.raises(ApiException) as caught:
            await client.create_order(ETH, 3, 100, far, False, 0, POST_ONLY, nonce=4, api_key_index=KEY)
        body = json.loads(caught.value.body)
        assert caught.value.status == 429 and body["code"] == 23000
        assert "volume quota" in body["message"] and body["volume_quota_remaining"] == 0
        assert (await sim_state(venues, client.account_index))["volume_quota_remaining"] == 0
        _, resp, _ = await client.cancel_order(ETH, 2, nonce=4, api_key_index=KEY)   # nonce unspent
        assert resp.code == 200
        v.faults.volume_quota_refill_s = 0.05                   # one free unit every 50 ms
        await poll(lambda: _quota_at_least(venues, client.account_index, 1))
        _, resp, err = await client.create_order(ETH, 3, 100, far, False, 0, POST_ONLY, nonce=5, api_key_index=KEY)
        assert err is None and resp.code == 200
    finally:
        await client.close()


async def _quota_at_least(venues, account: int, n: int) -> bool:
    return (await sim_state(venues, account))["volume_quota_remaining"] >= n


async def test_tier_in_registration_state_and_account_limits(venues):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{venues.lighter_url}/sim/accounts", json={
                "account_index": 5, "api_key_index": 4, "public_key": "ab", "tier": "gold"}) as r:
            body = await r.json()
        assert r.status == 400 and "standard" in body["message"] and "premium" in body["message"]
        assert "5" not in (await sim_state(venues))["accounts"]
    standard, premium = await new_client(venues), await new_client(venues, tier="premium")
    try:
        s, p = await sim_state(venues, standard.account_index), await sim_state(venues, premium.account_index)
        assert (s["tier"], s["volume_quota_remaining"], s["queued_cancel_all"]) == ("standard", None, None)
        assert (p["tier"], p["volume_quota_remaining"]) == ("premium", 1000)
        limits = await AccountApi(premium.api_client).account_limits(
            account_index=premium.account_index, authorization=token(premium))
        assert limits.user_tier == "premium"
    finally:
        await standard.close()
        await premium.close()


async def test_default_tier_of_the_venue_and_the_sim_flag():
    assert build_parser().parse_args(["sim", "--tier", "premium"]).tier == "premium"
    assert build_parser().parse_args(["sim"]).tier == "standard"
    running = await start_venues(seed=7, default_tier="premium")
    try:
        client = await new_client(running)
        try:
            assert (await sim_state(running, client.account_index))["tier"] == "premium"
        finally:
            await client.close()
    finally:
        await running.stop()
