"""CcxtHedgeVenue against the local hedge venue, through the real ccxt binanceusdm class.

Every fault case ends with the same question, asked of the venue itself: is the hedge
position exactly what we meant to hedge, not doubled, not missing?
"""
from __future__ import annotations

import asyncio
import time
from decimal import Decimal as D
from urllib.parse import urlsplit

import aiohttp
import pytest

from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue, CcxtVenueSettings, UnknownExchangeError
from hedge.adapters.hedging.venue import HedgeRequest, HedgeStatus
from hedge.core.hedge_order import ExposureLedger
from hedge.infra.secret import Secret
from hedge.sim.binance.keys import HEDGE_STATE_KEY
from tests.sim.ccxt_loopback import freeze_prices, post_faults, register_account
from tests.sim.lighter_helpers import poll

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
    venue = CcxtHedgeVenue(CcxtVenueSettings(
        base_url=venues.hedge_url, api_key=Secret(KEY), api_secret=Secret(SECRET),
        timeout_ms=600, lookup_grace_ms=50, backoff_base_ms=20, backoff_max_ms=300,
        max_slippage_bps=D("10")))
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


FAULT_CASES = [
    # one-shot faults, expected lookups, expected executed order POSTs
    (["429"], 0, 1),
    (["418"], 0, 1),
    (["502"], 1, 1),
    (["503"], 1, 1),
    (["-1001"], 1, 1),
    (["drop"], 1, 1),
    (["-1007"], 1, 1),
    (["late"], 1, 1),
    (["502", "drop"], 2, 1),
    (["429", "429", "503", "late"], 2, 1),
]


@pytest.mark.parametrize("faults,lookups,executed", FAULT_CASES,
                         ids=["+".join(c[0]) for c in FAULT_CASES])
async def test_fault_never_doubles_nor_loses_the_hedge(venues, hedge_venue, faults, lookups, executed):
    status, _ = await post_faults(venues.hedge_url, {"next": faults, "late_ms": 1500})
    assert status == 200
    outcome = await hedge_venue.submit_hedge(_request("0.1"))
    assert outcome.status is HedgeStatus.FILLED, outcome.reason
    assert outcome.filled == D("0.1")
    assert outcome.lookups == lookups
    state = await _venue_state(venues.hedge_url)
    assert state["executed_order_posts"] == executed
    assert await _venue_position(venues.hedge_url) == D("0.1")


async def _refuses_connections(base_url: str) -> bool:
    url = urlsplit(base_url)
    try:
        _, writer = await asyncio.open_connection(url.hostname, url.port)
    except ConnectionRefusedError:
        return True
    writer.close()
    return False


async def _accepts_connections(base_url: str) -> bool:
    return not await _refuses_connections(base_url)


async def test_refused_connections_are_retried_until_the_venue_is_back(venues, hedge_venue):
    """The book is read first and kept, and the refusal is in force before the hedge starts:
    it is the order itself that meets the closed port (not the book read, nor nothing). The
    port stays closed 0.3 s, well inside the client's ~0.9 s of backoff (20 ms doubling to
    300 ms, 7 tries)."""
    hedge_venue.settings.__dict__["book_max_age_ms"] = 60_000
    await hedge_venue.refresh_book(ETH)
    await post_faults(venues.hedge_url, {"next": ["refuse:0.3"]})
    await poll(lambda: _refuses_connections(venues.hedge_url))
    outcome = await hedge_venue.submit_hedge(_request("-0.2"))
    assert outcome.status is HedgeStatus.FILLED, outcome.reason
    assert await _venue_position(venues.hedge_url) == D("-0.2")
    assert (await _venue_state(venues.hedge_url))["executed_order_posts"] == 1


async def test_insufficient_margin_is_rejected_once_and_not_retried(venues, hedge_venue):
    await post_faults(venues.hedge_url, {"reject_hedges": True})
    outcome = await hedge_venue.submit_hedge(_request("0.1"))
    assert outcome.status is HedgeStatus.REJECTED
    assert "InsufficientFunds" in outcome.reason
    state = await _venue_state(venues.hedge_url)
    assert state["order_posts"] == 1
    assert await _venue_position(venues.hedge_url) == 0


async def test_below_min_notional_is_refused_before_sending(venues, hedge_venue):
    outcome = await hedge_venue.submit_hedge(_request("0.005"))  # ~15 USDT < 20
    assert outcome.status is HedgeStatus.REJECTED and "minimum notional" in outcome.reason
    assert (await _venue_state(venues.hedge_url))["order_posts"] == 0
    assert outcome.client_ids == ()


async def test_partial_fills_hedge_the_remainder_under_new_ids(venues, hedge_venue):
    # About 2 ETH is offered within 0.6 bp of the best ask; three IOCs cover 5 ETH.
    hedge_venue.settings.__dict__["max_slippage_bps"] = D("0.6")
    outcome = await hedge_venue.submit_hedge(_request("5"))
    assert outcome.status is HedgeStatus.FILLED, outcome.reason
    assert len(outcome.client_ids) == 3 and len(set(outcome.client_ids)) == 3
    assert await _venue_position(venues.hedge_url) == D("5")


async def test_partial_fill_is_reported_when_attempts_run_out(venues, hedge_venue):
    hedge_venue.settings.__dict__["max_slippage_bps"] = D("0.6")
    outcome = await hedge_venue.submit_hedge(_request("-9"))
    assert outcome.status is HedgeStatus.PARTIAL
    assert D("-9") < outcome.filled < 0 and outcome.unfilled == D("-9") - outcome.filled
    assert await _venue_position(venues.hedge_url) == outcome.filled


async def test_residual_below_one_step_waits_for_the_next_fill(venues, hedge_venue):
    ledger = ExposureLedger(step=D("0.001"), min_amount=D("0.001"))
    total_maker = D(0)
    for cum, maker_buy in enumerate([D("0.0106"), D("0.0074")], start=1):
        ledger.add_maker_fill(maker_buy)
        total_maker += maker_buy
        amount = ledger.next_order_amount()
        outcome = await hedge_venue.submit_hedge(_request(str(amount), cum=str(cum)))
        assert outcome.status is HedgeStatus.FILLED, outcome.reason
        ledger.add_hedge_fill(outcome.filled)
    assert await _venue_position(venues.hedge_url) == D("-0.018") == -total_maker
    assert ledger.owed == 0


async def test_the_same_fill_key_resolves_to_the_same_client_id(venues, hedge_venue):
    first = await hedge_venue.submit_hedge(_request("0.05", cum="7"))
    found = await hedge_venue.find_order(ETH, first.client_ids[0])
    assert found is not None and found.filled == D("0.05")


async def test_unknown_exchange_id_lists_what_exists():
    with pytest.raises(UnknownExchangeError, match="ccxt knows: .*binanceusdm"):
        CcxtHedgeVenue(CcxtVenueSettings(exchange_id="binanceusdn"))


async def test_credentials_never_show_in_the_venue_repr(hedge_venue):
    assert SECRET not in repr(hedge_venue) and SECRET not in repr(hedge_venue.settings)


async def test_venue_down_past_the_lookup_deadline_is_unresolved_not_resent(venues, hedge_venue):
    hedge_venue.settings.__dict__["lookup_deadline_ms"] = 400
    faults = venues.hedge_app[HEDGE_STATE_KEY].faults
    await post_faults(venues.hedge_url, {"next": ["late"], "late_ms": 1500})

    async def venue_goes_down():
        state = venues.hedge_app[HEDGE_STATE_KEY]
        await poll(lambda: state.executed_order_posts == 1)   # executed, its answer held back
        faults.refuse_connections = True

    outage = asyncio.create_task(venue_goes_down())
    outcome = await hedge_venue.submit_hedge(_request("0.3"))
    await outage
    assert outcome.status is HedgeStatus.UNRESOLVED, outcome.reason
    assert outcome.filled == 0 and outcome.lookups == 1
    faults.refuse_connections = False
    await poll(lambda: _accepts_connections(venues.hedge_url))
    state = await _venue_state(venues.hedge_url)
    assert state["executed_order_posts"] == 1          # never resent
    assert await _venue_position(venues.hedge_url) == D("0.3")
    found = await hedge_venue.find_order(ETH, outcome.client_ids[0])
    assert found is not None and found.filled == D("0.3")  # resolvable once the venue is back


async def test_reduce_only_hedge_below_min_notional_is_sent(venues, hedge_venue):
    opened = await hedge_venue.submit_hedge(_request("0.02", cum="1"))
    assert opened.status is HedgeStatus.FILLED
    small = HedgeRequest(ETH, D("-0.005"), (281474976710700, D("2")), reduce_only=True)
    outcome = await hedge_venue.submit_hedge(small)    # ~15 USDT, under the 20 minimum
    assert outcome.status is HedgeStatus.FILLED, outcome.reason
    assert await _venue_position(venues.hedge_url) == D("0.015")


async def test_executable_price_reads_the_cached_book(venues, hedge_venue):
    await hedge_venue.refresh_book(ETH)
    # Asks 3000.76 x 0.8, 3000.91 x 1.2: one ETH averages (0.8*3000.76 + 0.2*3000.91).
    assert hedge_venue.executable_price(ETH, D("1"), True) == (D("0.8") * D("3000.76") + D("0.2") * D("3000.91"))
    assert hedge_venue.executable_price(ETH, D("1000"), False) is None
