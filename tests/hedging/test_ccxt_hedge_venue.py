"""CcxtHedgeVenue against the local binanceusdm venue: timing, lookups, setup refusals.

The fault table (429, 5xx, lost and late answers, refusals, partials, minimums, residuals)
runs on every supported venue in test_hedge_fault_table.py.
"""
from __future__ import annotations

import contextlib
import itertools
import time
from decimal import Decimal as D

import aiohttp
import ccxt
import pytest

from hedge.adapters.hedging.ccxt_venue import (NOT_FOUND, CcxtHedgeVenue, CcxtVenueSettings,
                                                 UnknownExchangeError)
from hedge.adapters.hedging import ccxt_venue
from hedge.adapters.hedging.venue import HedgeRequest, HedgeStatus, OrderLookup
from hedge.infra.secret import Secret
from tests.sim.ccxt_loopback import freeze_prices, register_account

ETH = "ETH/USDT:USDT"
KEY, SECRET = "hedge-venue-test-key", "hedge-venue-test-secret"


async def _venue_state(base_url: str) -> dict:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base_url}/sim/state") as resp:
            return await resp.json()


async def _venue_position(base_url: str) -> D:
    account = (await _venue_state(base_url))["accounts"][KEY]
    return D(account["positions"].get("ETHUSDT", {}).get("amount", "0"))


@pytest.fixture
async def hedge_venue(venues):
    freeze_prices(venues.prices)
    await register_account(venues.hedge_url, KEY, SECRET, balance="100000")
    async with _started(CcxtVenueSettings(
            base_url=venues.hedge_url, api_key=Secret(KEY), api_secret=Secret(SECRET),
            timeout_ms=600, lookup_grace_ms=50, backoff_base_ms=20, backoff_max_ms=300,
            max_slippage_bps=D("10"))) as venue:
        yield venue


@contextlib.asynccontextmanager
async def _started(settings: CcxtVenueSettings):
    venue = CcxtHedgeVenue(settings)
    await venue.start()
    try:
        yield venue
    finally:
        await venue.close()


def _request(amount: str, order_index: int = 281474976710700, cum: str = "1") -> HedgeRequest:
    return HedgeRequest(ETH, D(amount), (order_index, D(cum)))


async def test_clean_hedge_fills_and_is_timed(venues, hedge_venue):
    seen_ns = time.perf_counter_ns()
    outcome = await hedge_venue.submit_hedge(HedgeRequest(ETH, D("-0.05"), (1, D("1")), seen_ns))
    assert outcome.status is HedgeStatus.FILLED and outcome.filled == D("-0.05")
    assert outcome.lookups == 0 and len(outcome.client_ids) == 1
    assert outcome.timings and outcome.timings[0].submit_ns <= outcome.timings[0].ack_ns
    assert 0 < outcome.fill_to_submit_ms <= outcome.fill_to_ack_ms
    assert await _venue_position(venues.hedge_url) == D("-0.05")
    assert await hedge_venue.position(ETH) == D("-0.05")
    found = await hedge_venue.find_order(ETH, outcome.client_ids[0])
    assert (found.status, found.filled, found.average_price) == ("closed", D("-0.05"),
                                                                  outcome.average_price)


async def test_the_same_fill_key_resolves_to_the_same_client_id(venues, hedge_venue):
    first = await hedge_venue.submit_hedge(_request("0.05", cum="7"))
    found = await hedge_venue.find_order(ETH, first.client_ids[0])
    assert found is not None and found.filled == D("0.05")


async def test_unknown_exchange_id_lists_what_exists():
    with pytest.raises(UnknownExchangeError, match="ccxt knows: .*binanceusdm"):
        CcxtHedgeVenue(CcxtVenueSettings(exchange_id="binanceusdn"))


async def test_credentials_never_show_in_the_venue_repr(hedge_venue):
    assert SECRET not in repr(hedge_venue) and SECRET not in repr(hedge_venue.settings)


async def test_executable_price_reads_the_cached_book(venues, hedge_venue):
    await hedge_venue.refresh_book(ETH)
    # Asks 3000.76 x 0.8, 3000.91 x 1.2: one ETH averages (0.8*3000.76 + 0.2*3000.91).
    assert hedge_venue.executable_price(ETH, D("1"), True) == (D("0.8") * D("3000.76") + D("0.2") * D("3000.91"))
    assert hedge_venue.executable_price(ETH, D("1000"), False) is None


async def test_an_unverified_venue_is_refused_with_the_supported_list():
    with pytest.raises(UnknownExchangeError, match="supported: .*binanceusdm.*okx"):
        CcxtHedgeVenue(CcxtVenueSettings(exchange_id="kraken"))


async def test_an_unverified_venue_runs_on_generic_rules_when_allowed():
    venue = CcxtHedgeVenue(CcxtVenueSettings(exchange_id="kraken", allow_untested_venue=True))
    try:
        assert venue.venue_rules.exchange_id == "kraken"
        assert not venue.venue_rules.pad_small_hedges_ok
    finally:
        await venue.close()


async def test_every_credential_the_venue_uses_is_redacted():
    from hedge.infra.redact import redact_text
    passphrase, key = "okx-PLANTED-passphrase", "0x" + "ab" * 32
    okx = CcxtHedgeVenue(CcxtVenueSettings(exchange_id="okx", api_key=Secret("okx-PLANTED-key"),
                                           api_secret=Secret("okx-PLANTED-secret"),
                                           passphrase=Secret(passphrase)))
    hl = CcxtHedgeVenue(CcxtVenueSettings(exchange_id="hyperliquid", private_key=Secret(key),
                                          wallet_address=Secret("0x" + "12" * 20)))
    try:
        text = redact_text(f"okx-PLANTED-secret {passphrase} okx-PLANTED-key {key}")
        assert "PLANTED" not in text and key not in text
        assert okx.exchange.password == passphrase and hl.exchange.privateKey == key
    finally:
        await okx.close()
        await hl.close()


_accounts = itertools.count(1)


@pytest.fixture
async def own_account_venue(venues):
    """The venue on an account of this test's own: balance 12345.5 USDT, taker fee 3.5 bps."""
    freeze_prices(venues.prices)
    key = f"hedge-venue-own-{next(_accounts)}"   # accounts outlive a test on the shared pair
    await register_account(venues.hedge_url, key, SECRET, balance="12345.5", taker_fee_bps="3.5")
    async with _started(CcxtVenueSettings(
            base_url=venues.hedge_url, api_key=Secret(key), api_secret=Secret(SECRET),
            timeout_ms=2000, book_max_age_ms=60_000)) as venue:
        yield venue


async def test_the_repr_names_the_exchange_and_where_it_points(venues, own_account_venue):
    assert repr(own_account_venue) == f"CcxtHedgeVenue(binanceusdm, url={venues.hedge_url})"
    real = CcxtHedgeVenue(CcxtVenueSettings(api_key=Secret(KEY), api_secret=Secret(SECRET)))
    try:                                   # made, never started: nothing is sent anywhere
        assert repr(real) == "CcxtHedgeVenue(binanceusdm, url=real)"
    finally:
        await real.close()


async def test_the_accounts_balance_and_taker_fee_are_read_as_the_venue_keeps_them(
        own_account_venue):
    assert await own_account_venue.balance("USDT") == D("12345.5")
    assert await own_account_venue.balance("BTC") == 0            # an asset the account lacks
    assert await own_account_venue.taker_fee_bps(ETH) == D("3.5")


async def test_the_depth_is_read_on_the_side_a_trade_takes(own_account_venue):
    assert own_account_venue.depth_base(ETH, True, D(5)) is None    # no book read yet
    await own_account_venue.refresh_book(ETH)
    # Asks 3000.76, 3000.91, ...; bids 3000.44, 3000.29, ... (0.8, then 1.2 each side): one
    # 0.15 step is 0.49987 bps of the best ask but 0.49993 bps of the best bid.
    assert own_account_venue.depth_base(ETH, True, D("0.4999")) == D("2.00")
    assert own_account_venue.depth_base(ETH, False, D("0.4999")) == D("0.80")
    assert own_account_venue.depth_base(ETH, False, D("0.5")) == D("2.00")


async def test_a_lookup_names_its_client_id_and_no_price_for_an_order_that_did_not_trade(
        own_account_venue):
    venue = own_account_venue
    unfilled, filled = "own-lookup-unfilled", "own-lookup-filled"
    await venue.exchange.create_order(ETH, "limit", "buy", "0.05", "2900",
                                      venue.venue_rules.order_params(unfilled, False))
    await venue.exchange.create_order(ETH, "limit", "sell", "0.05", "2990",
                                      venue.venue_rules.order_params(filled, False))
    assert await venue.find_order(ETH, unfilled) == OrderLookup(unfilled, "expired", D(0), None)
    assert await venue.find_order(ETH, filled) == OrderLookup(filled, "closed", D("-0.05"),
                                                              D("3000.44"))


async def test_a_lookup_finds_a_final_order_at_once_and_says_not_found_after_two_asks(
        hedge_venue):
    asks: list[str] = []
    find = hedge_venue.find_order

    async def counting_find(symbol, client_id):
        asks.append(client_id)
        return await find(symbol, client_id)

    hedge_venue.find_order = counting_find            # this venue object only
    await hedge_venue.exchange.create_order(ETH, "limit", "sell", "0.05", "2990",
                                            hedge_venue.venue_rules.order_params("lk-done", False))
    assert await hedge_venue._look_up(ETH, "lk-done") == OrderLookup("lk-done", "closed",
                                                                     D("-0.05"), D("3000.44"))
    assert asks == ["lk-done"]
    assert await hedge_venue._look_up(ETH, "lk-never-sent") is NOT_FOUND
    assert asks == ["lk-done", "lk-never-sent", "lk-never-sent"]


async def test_the_position_settles_what_lookups_could_not(hedge_venue):
    hedge_venue.lookup_lag_ms = 0                     # nothing is in flight on this account
    now = await hedge_venue.position(ETH)
    with pytest.raises(ccxt_venue._SendAgain) as resend:      # the position never moved
        await hedge_venue._settle(ETH, "st-1", True, D("0.05"), now, "timeout; not found")
    assert str(resend.value).startswith("timeout; not found; ")
    executed = await hedge_venue._settle(ETH, "st-2", True, D("0.05"), now - D("0.05"), "x")
    assert executed == OrderLookup("st-2", "closed", D("0.05"), None)   # it moved by the order


@pytest.mark.parametrize("first_answers", [
    [ccxt.NetworkError("reset by peer"), ccxt.RequestTimeout("timed out")],     # failed asks
    [OrderLookup("lk-flaky", "open", D(0), None)] * 2])                          # not final yet
async def test_a_lookup_asks_again_after_a_backoff_by_count(hedge_venue, monkeypatch,
                                                            first_answers):
    find, waits, answers = hedge_venue.find_order, [], list(first_answers)

    async def flaky_find(symbol, client_id):
        if answers:
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return await find(symbol, client_id)

    def backoff(*args):                 # recorded where computed, never the process's sleep
        waits.append(args)
        return 0
    hedge_venue.find_order = flaky_find
    monkeypatch.setattr(ccxt_venue, "backoff_s", backoff)
    await hedge_venue.exchange.create_order(ETH, "limit", "sell", "0.05", "2990",
                                            hedge_venue.venue_rules.order_params("lk-flaky", False))
    assert (await hedge_venue._look_up(ETH, "lk-flaky")).filled == D("-0.05")
    assert waits == [(1, 0.02, 0.3), (2, 0.02, 0.3)]   # base: backoff_base_ms=20 / ack_poll_ms=20
