"""The hedge fault table on every supported venue, through that venue's own ccxt class.

Every case ends with the same question, asked of the venue itself: is the hedge position
exactly what we meant to hedge, not doubled, not missing?
"""
from __future__ import annotations

import asyncio
from decimal import Decimal as D
from urllib.parse import urlsplit

import pytest

from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue, CcxtVenueSettings
from hedge.adapters.hedging.venue import HedgeRequest, HedgeStatus
from hedge.core.hedge_order import ExposureLedger
from tests.hedging.venue_cases import LOOKUP_LAG_MS
from tests.sim.ccxt_loopback import freeze_prices, post_faults
from tests.sim.lighter_helpers import poll


@pytest.fixture
async def hedge_venue(case, case_venues):
    freeze_prices(case_venues.prices)
    await case.register(case_venues.hedge_url)
    venue = CcxtHedgeVenue(CcxtVenueSettings(
        exchange_id=case.exchange_id, base_url=case_venues.hedge_url, **case.settings(),
        timeout_ms=600, lookup_grace_ms=50, backoff_base_ms=20, backoff_max_ms=300,
        max_slippage_bps=D("10"), book_max_age_ms=60_000, lookup_lag_ms=LOOKUP_LAG_MS))
    await venue.start()
    try:
        yield venue
    finally:
        await venue.close()


def _request(case, amount: str, order_index: int = 281474976710700, cum: str = "1",
             reduce_only: bool = False) -> HedgeRequest:
    return HedgeRequest(case.symbol, D(amount), (order_index, D(cum)), reduce_only=reduce_only)


async def _assert_position(case, venues, expected: D) -> None:
    assert await case.venue_position(venues.hedge_url) == expected
    assert await case.ccxt_position(venues.hedge_url) == expected


async def test_clean_hedge_fills(case, case_venues, hedge_venue):
    outcome = await hedge_venue.submit_hedge(_request(case, "-0.05"))
    assert outcome.status is HedgeStatus.FILLED and outcome.filled == D("-0.05"), outcome.reason
    assert outcome.lookups == 0 and len(outcome.client_ids) == 1
    await _assert_position(case, case_venues, D("-0.05"))
    assert await hedge_venue.position(case.symbol) == D("-0.05")
    found = await hedge_venue.find_order(case.symbol, outcome.client_ids[0])
    assert found is not None and found.filled == D("-0.05")


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


# A late answer waits 1.5 s on purpose: those cases run with the slow tests.
@pytest.mark.parametrize("faults,lookups,executed", [
    pytest.param(*c, id="+".join(c[0]), marks=[pytest.mark.slow] if "late" in c[0] else [])
    for c in FAULT_CASES])
async def test_fault_never_doubles_nor_loses_the_hedge(case, case_venues, hedge_venue, faults,
                                                       lookups, executed, counted):
    await hedge_venue.refresh_book(case.symbol)   # the faults hit the order, not the book
    status, _ = await post_faults(case_venues.hedge_url, {"next": faults, "late_ms": 1500})
    assert status == 200
    outcome = await hedge_venue.submit_hedge(_request(case, "0.1"))
    assert outcome.status is HedgeStatus.FILLED, outcome.reason
    assert outcome.filled == D("0.1")
    assert outcome.lookups == lookups
    assert (await counted())[1] == executed
    await _assert_position(case, case_venues, D("0.1"))


async def _executed_once(counted) -> bool:
    return (await counted())[1] == 1


async def _refuses_connections(base_url: str) -> bool:
    url = urlsplit(base_url)
    try:
        _, writer = await asyncio.open_connection(url.hostname, url.port)
    except OSError:          # refused, or reset by a venue that closes each new connection
        return True
    writer.close()
    return False


async def _accepts_connections(base_url: str) -> bool:
    return not await _refuses_connections(base_url)


async def test_refused_connections_are_retried_until_the_venue_is_back(case, case_venues,
                                                                      hedge_venue, counted):
    """The book is read first and kept, and the refusal is in force before the hedge starts:
    it is the order itself that meets the closed port (not the book read, nor nothing). The
    port stays closed 0.3 s, well inside the client's backoff (20 ms doubling to 300 ms; 40
    tries, so that a loaded machine's slow tries still outlast it)."""
    hedge_venue.settings.__dict__["retry_limit"] = 40
    await hedge_venue.refresh_book(case.symbol)
    await post_faults(case_venues.hedge_url, {"next": ["refuse:0.3"]})
    await poll(lambda: _refuses_connections(case_venues.hedge_url))
    outcome = await hedge_venue.submit_hedge(_request(case, "-0.2"))
    assert outcome.status is HedgeStatus.FILLED, outcome.reason
    assert (await counted())[1] == 1
    await _assert_position(case, case_venues, D("-0.2"))


async def test_insufficient_margin_is_rejected_once_and_not_retried(case, case_venues, hedge_venue,
                                                                   counted):
    await post_faults(case_venues.hedge_url, {"reject_hedges": True})
    outcome = await hedge_venue.submit_hedge(_request(case, "0.1"))
    assert outcome.status is HedgeStatus.REJECTED
    assert "InsufficientFunds" in outcome.reason
    assert (await counted())[0] == 1
    await _assert_position(case, case_venues, D(0))


async def test_minimum_notional_is_the_venues_rule(case, case_venues, hedge_venue, counted):
    """The smallest tradable amount: refused before sending where it is under the venue's
    minimum notional (binanceusdm: 20 USDT), sent where there is none (okx)."""
    rules = hedge_venue.rules(case.symbol)
    smallest = max(rules.min_amount, rules.amount_step)
    if 0 < rules.min_notional < smallest * D(3000):
        pytest.skip(f"every tradable amount on {case} clears its {rules.min_notional} minimum")
    outcome = await hedge_venue.submit_hedge(_request(case, str(smallest)))
    if rules.min_notional:
        assert outcome.status is HedgeStatus.REJECTED and "minimum notional" in outcome.reason
        assert (await counted())[0] == 0
        assert outcome.client_ids == ()
        await _assert_position(case, case_venues, D(0))
    else:
        assert outcome.status is HedgeStatus.FILLED, outcome.reason
        await _assert_position(case, case_venues, smallest)


async def test_reduce_only_hedge_below_min_notional_is_the_venues_rule(case, case_venues,
                                                                      hedge_venue):
    """Sent where the venue exempts reduce-only orders (binanceusdm, bybit) or has no minimum
    (okx); refused before sending where the exemption is unverified (hyperliquid)."""
    rules = hedge_venue.rules(case.symbol)
    smallest = max(rules.min_amount, rules.amount_step)   # under binanceusdm's minimum
    size = max(smallest * 4, D("0.02"))                   # 60 USDT: clears every minimum
    opened = await hedge_venue.submit_hedge(_request(case, str(size), cum="1"))
    assert opened.status is HedgeStatus.FILLED, opened.reason
    outcome = await hedge_venue.submit_hedge(_request(case, str(-smallest), cum="2",
                                                      reduce_only=True))
    if hedge_venue.venue_rules.pad_small_hedges_ok or smallest * D(3000) >= rules.min_notional:
        assert outcome.status is HedgeStatus.FILLED, outcome.reason
        await _assert_position(case, case_venues, size - smallest)
    else:
        assert outcome.status is HedgeStatus.REJECTED and "minimum notional" in outcome.reason
        assert outcome.client_ids == ()
        await _assert_position(case, case_venues, size)


async def test_partial_fills_hedge_the_remainder_under_new_ids(case, case_venues, hedge_venue):
    # About 2 ETH is offered within 0.6 bp of the best ask; three IOCs cover 5 ETH.
    hedge_venue.settings.__dict__["max_slippage_bps"] = D("0.6")
    outcome = await hedge_venue.submit_hedge(_request(case, "5"))
    assert outcome.status is HedgeStatus.FILLED, outcome.reason
    assert len(outcome.client_ids) == 3 and len(set(outcome.client_ids)) == 3
    await _assert_position(case, case_venues, D("5"))


async def test_partial_fill_is_reported_when_attempts_run_out(case, case_venues, hedge_venue):
    hedge_venue.settings.__dict__["max_slippage_bps"] = D("0.6")
    outcome = await hedge_venue.submit_hedge(_request(case, "-9"))
    assert outcome.status is HedgeStatus.PARTIAL
    assert D("-9") < outcome.filled < 0 and outcome.unfilled == D("-9") - outcome.filled
    await _assert_position(case, case_venues, outcome.filled)


async def test_residual_below_one_step_waits_for_the_next_fill(case, case_venues, hedge_venue):
    rules = hedge_venue.rules(case.symbol)
    ledger = ExposureLedger(step=rules.amount_step, min_amount=rules.min_amount)
    total_maker = D(0)
    step = rules.amount_step
    k = 1                                     # binanceusdm: maker fills of 0.0106 and 0.0074
    while step * 7 * k * 3000 < rules.min_notional * D("1.2"):
        k *= 10                               # each hedge must clear the minimum notional
    for cum, maker_buy in enumerate([step * (10 * k + D("0.6")), step * (7 * k + D("0.4"))],
                                    start=1):
        ledger.add_maker_fill(maker_buy)
        total_maker += maker_buy
        amount = ledger.next_order_amount()
        outcome = await hedge_venue.submit_hedge(_request(case, str(amount), cum=str(cum)))
        assert outcome.status is HedgeStatus.FILLED, outcome.reason
        ledger.add_hedge_fill(outcome.filled)
    assert total_maker == step * (17 * k + 1) and ledger.owed == 0
    await _assert_position(case, case_venues, -total_maker)


@pytest.mark.slow   # waits out a 1.5 s late answer
async def test_venue_down_past_the_lookup_deadline_is_unresolved_not_resent(case, case_venues,
                                                                           hedge_venue, counted):
    hedge_venue.settings.__dict__["lookup_deadline_ms"] = 400
    await hedge_venue.refresh_book(case.symbol)
    faults = case_venues.faults.hedge    # the live knobs the hedge venue reads
    await post_faults(case_venues.hedge_url, {"next": ["late"], "late_ms": 1500})

    async def venue_goes_down():   # after the order executed, before its late answer
        await poll(lambda: _executed_once(counted), timeout=10)
        faults.refuse_connections = True
        await poll(lambda: _refuses_connections(case_venues.hedge_url))

    outage = asyncio.create_task(venue_goes_down())
    outcome = await hedge_venue.submit_hedge(_request(case, "0.3"))
    await outage
    assert outcome.status is HedgeStatus.UNRESOLVED, outcome.reason
    assert outcome.filled == 0 and outcome.lookups == 1
    faults.refuse_connections = False
    await poll(lambda: _accepts_connections(case_venues.hedge_url))
    assert (await counted())[1] == 1  # never resent
    await _assert_position(case, case_venues, D("0.3"))
    found = await hedge_venue.find_order(case.symbol, outcome.client_ids[0])
    assert found is not None and found.filled == D("0.3")  # resolvable once the venue is back
