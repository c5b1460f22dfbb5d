"""LighterOrderClient (real SDK signer) against the local venue, outcomes read from our stream."""
from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from lighter.signer_client import create_api_key

from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.order_client import LighterKeyError, LighterOrderClient
from hedge.infra.secret import Secret
from hedge.sim.lighter.market_life import housekeeping
from tests.lighter.conftest import API_KEY_INDEX, ETH, next_message
from tests.sim.lighter_helpers import best_prices, poll, venue

SIZE = Decimal("0.0100")


def far_bid(venues) -> Decimal:
    bid, _ = best_prices(venues)
    return (Decimal(bid) * Decimal("0.8")).quantize(Decimal(1)) / 100


def order_seen(coi: int, status: str):
    def match(msg) -> bool:
        return isinstance(msg, m.AccountOrders) and any(
            o.client_order_index == coi and o.status == status for o in msg.all_orders())
    return match


def the_order(msg: m.AccountOrders, coi: int):
    return next(o for o in msg.all_orders() if o.client_order_index == coi)


async def test_check_key_accepts_the_registered_key_and_names_the_fix_otherwise(venues, account):
    await account.orders.check_key()
    stranger_key = create_api_key()[0]
    stranger = LighterOrderClient(account.url, account.account_index, 9, Secret(stranger_key), account.catalog)
    try:
        with pytest.raises(LighterKeyError) as exc:
            await stranger.check_key()
        text = str(exc.value)
        assert f"API key index 9 for account {account.account_index} is not registered on {account.url}" in text
        assert "LIGHTER_API_KEY_INDEX/LIGHTER_API_PRIVATE_KEY" in text and stranger_key not in text
        assert stranger_key not in repr(stranger)
    finally:
        await stranger.close()


async def test_create_modify_cancel_seen_on_account_orders(venues, account):
    ws = account.ws()
    ws.start()
    try:
        await next_message(ws.queue, lambda x: isinstance(x, m.AccountOrders) and x.is_snapshot)
        price = far_bid(venues)
        res = await account.orders.create_post_only(ETH, False, SIZE, price, client_order_index=11)
        assert res.accepted and res.code == 200 and len(res.tx_hash) == 80 and res.nonce == 0
        opened = the_order(await next_message(ws.queue, order_seen(11, "open")), 11)
        assert (opened.price, opened.initial_base, opened.is_ask) == (price, SIZE, False)

        new_price, new_size = price - Decimal("0.05"), Decimal("0.0150")
        res = await account.orders.modify(ETH, opened.order_index, new_size, new_price)
        assert res.accepted and res.nonce == 1
        modified = the_order(await next_message(
            ws.queue, lambda x: order_seen(11, "open")(x) and the_order(x, 11).price == new_price), 11)
        assert modified.order_index == opened.order_index and modified.initial_base == new_size

        res = await account.orders.cancel(ETH, opened.order_index)
        assert res.accepted
        await next_message(ws.queue, order_seen(11, "canceled"))
        assert await account.rest.active_orders(account.account_index, ETH,
                                                await account.orders.mint_auth_token()) == []
        c = account.orders.counters
        assert (c.orders_placed, c.orders_modified, c.orders_canceled, c.rejected) == (1, 1, 1, 0)
    finally:
        await ws.close()


async def test_cancel_all_immediate_and_scheduled(venues, account):
    token = await account.orders.mint_auth_token()
    for coi in (21, 22):
        assert (await account.orders.create_post_only(ETH, False, SIZE, far_bid(venues), coi)).accepted
    await poll(lambda: _count(account, token, 2))
    assert (await account.orders.cancel_all()).accepted
    await poll(lambda: _count(account, token, 0))

    assert (await account.orders.create_post_only(ETH, False, SIZE, far_bid(venues), 23)).accepted
    await poll(lambda: _count(account, token, 1))
    acct = venue(venues).accounts[account.account_index]
    assert (await account.orders.schedule_cancel_all(360_000)).accepted   # venue: >= 5 min ahead
    await poll(lambda: acct.cancel_all_time > time.time() * 1000 + 350_000)
    assert (await account.orders.abort_scheduled_cancel_all()).accepted
    await poll(lambda: acct.cancel_all_time == 0)
    assert (await account.orders.schedule_cancel_all(360_000)).accepted
    await poll(lambda: acct.cancel_all_time > 0)
    assert await _count(account, token, 1)         # still resting until the time comes
    housekeeping(venue(venues), acct.cancel_all_time)   # the venue's clock reaches the time
    await poll(lambda: _count(account, token, 0), timeout=3)
    assert acct.cancel_all_time == 0


async def _count(account, token: str, n: int) -> bool:
    return len(await account.rest.active_orders(account.account_index, ETH, token)) == n


async def test_invalid_nonce_hard_refreshes_and_the_order_lands(venues, account):
    assert (await account.orders.create_post_only(ETH, False, SIZE, far_bid(venues), 31)).accepted
    venue(venues).faults.nonce_error_next = 1
    res = await account.orders.create_post_only(ETH, False, SIZE, far_bid(venues), 32)
    assert res.accepted and res.nonce == 1
    assert account.orders.counters.nonce_refreshes == 2        # first fetch + the hard refresh
    key = venue(venues).accounts[account.account_index].api_keys[API_KEY_INDEX]
    await poll(lambda: key.next_nonce == 2)
    token = await account.orders.mint_auth_token()
    await poll(lambda: _count(account, token, 2))
    # a real rejection is reported, not retried forever, and consumes no nonce: the next tx
    # lands under the same nonce with no refresh (a refresh would hide a skipped nonce)
    refreshes = account.orders.counters.nonce_refreshes
    res = await account.orders.create_post_only(ETH, False, SIZE, far_bid(venues), 32)
    assert not res.accepted and res.code == 21728 and res.nonce == 2
    res = await account.orders.create_post_only(ETH, False, SIZE, far_bid(venues), 33)
    assert res.accepted and res.nonce == 2
    assert account.orders.counters.nonce_refreshes == refreshes
    await poll(lambda: key.next_nonce == 3)


async def test_rate_limited_send_backs_off_and_lands_under_the_same_nonce(venues, account):
    venue(venues).faults.rate_limit_next = 2
    res = await account.orders.create_post_only(ETH, False, SIZE, far_bid(venues), 41)
    assert res.accepted and res.nonce == 0
    assert account.orders.counters.rate_limited == 2
    key = venue(venues).accounts[account.account_index].api_keys[API_KEY_INDEX]
    await poll(lambda: key.next_nonce == 1)


@pytest.mark.slow   # waits through every backoff
async def test_a_rate_limit_that_persists_is_reported_not_retried_forever(venues, account):
    venue(venues).faults.rate_limit_next = 10
    res = await account.orders.create_post_only(ETH, False, SIZE, far_bid(venues), 42)
    assert not res.accepted and res.code in (429, 23000)
    assert account.orders.counters.rate_limited == 4        # the first try + max_rate_limit_retries
    venue(venues).faults.rate_limit_next = 0
    assert (await account.orders.create_post_only(ETH, False, SIZE, far_bid(venues), 43)).nonce == 0


async def test_signing_runs_off_the_event_loop(venues, account):
    """Every signature is made on the signer thread, never on the event loop's thread (what it
    costs is measured in bench/, not here)."""
    threads: list[str] = []
    signer = account.orders._client
    original = signer.sign_create_order

    def recording_sign(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return original(*args, **kwargs)

    signer.sign_create_order = recording_sign
    loop_thread = threading.current_thread().name
    price = far_bid(venues)
    for coi in range(41, 51):
        assert (await account.orders.create_post_only(ETH, False, SIZE, price, coi)).accepted
    assert len(threads) == 10
    assert all(name.startswith("lighter-signer") and name != loop_thread for name in threads)
    assert len(account.orders.counters.sign_ms) >= 10

async def test_every_accepted_transaction_is_counted_once(venues, account):
    orders, price = account.orders, far_bid(venues)
    for coi in (51, 52):
        assert (await orders.create_post_only(ETH, False, SIZE, price, coi)).accepted
    for coi in (51, 52):             # by client_order_index: the venue takes either index
        assert (await orders.modify(ETH, coi, SIZE, price - Decimal("0.01"))).accepted
    for coi in (51, 52):
        assert (await orders.cancel(ETH, coi)).accepted
    for _ in range(2):
        assert (await orders.cancel_all()).accepted
    c = orders.counters
    assert (c.orders_placed, c.orders_modified, c.orders_canceled, c.cancel_alls,
            c.rejected) == (2, 2, 2, 2, 0)


async def test_a_stalled_next_nonce_times_out_and_nothing_is_sent(venues, account):
    faults = venue(venues).faults
    faults.rest_stall_ms, faults.rest_stall_paths = 500, ["nextNonce"]   # answered late
    account.orders.call_timeout_s = 0.1
    res = await account.orders.create_post_only(ETH, False, SIZE, far_bid(venues), 53)
    assert (res.accepted, res.message) == (False, "nextNonce failed: timeout")
    c = account.orders.counters
    assert (c.timeouts, c.rejected, c.orders_placed, c.nonce_refreshes) == (1, 1, 0, 0)
    assert venue(venues).accounts[account.account_index].api_keys[API_KEY_INDEX].next_nonce == 0
