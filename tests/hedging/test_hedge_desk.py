"""The hedge desk with the real ccxt venue and a real journal: small fills, netting, carry."""
from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest

from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue, CcxtVenueSettings
from hedge.app.hedge_desk import HedgeDesk
from hedge.core.types import FillDelta
from hedge.infra.journal import Journal
from hedge.infra.secret import Secret
from hedge.sim.binance.app import HEDGE_STATE_KEY
from tests.sim.ccxt_loopback import freeze_prices, register_account
from tests.sim.lighter_helpers import poll

ETH = "ETH/USDT:USDT"
KEY, SECRET = "desk-test-key", "desk-test-secret"


def fill(order_index: int, size: str, is_ask: bool, cum: str | None = None) -> FillDelta:
    cum = cum or size
    return FillDelta(order_index=order_index, client_order_index=order_index, market_id=0,
                     is_ask=is_ask, size=D(size), price=D("3000"), cum_filled_base=D(cum),
                     cum_filled_quote=D(cum) * 3000, status="open", timestamp_ms=0)


@pytest.fixture
async def desk_parts(venues, tmp_path):
    freeze_prices(venues.prices)
    await register_account(venues.hedge_url, KEY, SECRET, balance="100000")
    venue = CcxtHedgeVenue(CcxtVenueSettings(base_url=venues.hedge_url, api_key=Secret(KEY),
                                             api_secret=Secret(SECRET)))
    await venue.start()
    await venue.refresh_book(ETH)
    journal = Journal(tmp_path / "journal.sqlite")
    try:
        yield venue, journal
    finally:
        journal.close()
        await venue.close()


async def _venue_position(venue) -> D:
    return await venue.position(ETH)


async def test_a_fill_below_the_minimum_notional_is_hedged_exactly_by_padding(desk_parts):
    venue, journal = desk_parts
    desk = HedgeDesk(venue, ETH, journal, None)
    assert desk.on_fill(fill(1, "0.004", is_ask=False), 0)        # ~12 USDT < 20
    await desk.hedge_now((1, D("0.004")))
    assert await _venue_position(venue) == D("-0.004")
    assert desk.ledger.owed == 0 and desk.carry == 0
    assert desk.stats.orders == 2                                  # the padded sell, the buy back
    maker, hedged = journal.signed_totals()
    assert maker == D("0.004") and hedged == D("-0.004")
    assert journal.intents_without_result() == []


async def test_without_padding_a_small_fill_is_carried_not_failed(desk_parts):
    venue, journal = desk_parts
    desk = HedgeDesk(venue, ETH, journal, None, pad_small_hedges=False)
    desk.on_fill(fill(2, "0.004", is_ask=True), 0)
    assert await desk.hedge_now((2, D("0.004"))) is None
    assert desk.carry == D("0.004") and desk.stats.failures == 0
    assert await _venue_position(venue) == 0
    desk.on_fill(fill(3, "0.004", is_ask=True), 0)                 # the same side completes it
    await desk.hedge_now((3, D("0.004")))
    assert await _venue_position(venue) == D("0.008") and desk.carry == 0


@pytest.mark.fresh_venue   # counts what the venue saw, from its start
async def test_fills_queued_during_a_hedge_are_netted_into_one(desk_parts, venues):
    """The desk's own task: while the first hedge waits for its answer, three more fills
    arrive (one a repeat); they go out as one hedge when it is back."""
    venue, journal = desk_parts
    hedge_state = venues.hedge_app[HEDGE_STATE_KEY]
    hedge_state.faults.next = ["late"]              # the first hedge's answer waits 1 s
    hedge_state.faults.late_ms = 1000
    desk = HedgeDesk(venue, ETH, journal, None)
    task = asyncio.create_task(desk.run())
    try:
        assert desk.on_fill(fill(4, "0.01", is_ask=False), 0)
        await poll(lambda: hedge_state.executed_order_posts == 1)
        for index in (5, 6):
            assert desk.on_fill(fill(index, "0.01", is_ask=False), 0)
        assert not desk.on_fill(fill(6, "0.01", is_ask=False), 0)     # the same fill key again
        assert desk.on_fill(fill(7, "0.005", is_ask=True), 0)
        assert hedge_state.executed_order_posts == 1                  # still the first one
        assert await desk.wait_idle(20)
    finally:
        task.cancel()
    assert hedge_state.executed_order_posts == 2
    assert await _venue_position(venue) == D("-0.025")
    assert desk.stats.orders == 2 and desk.ledger.owed == 0
    amounts = [D(r[0]) for r in journal._db.execute(
        "SELECT amount FROM hedge_intents ORDER BY created_at_s, rowid")]
    assert amounts == [D("-0.01"), D("-0.015")]


@pytest.mark.parametrize("exempt, position_after", [(True, D("-0.016")), (False, D("-0.02"))])
async def test_a_small_reduce_only_hedge_goes_out_only_where_the_venue_exempts_it(
        desk_parts, exempt, position_after):
    venue, journal = desk_parts
    desk = HedgeDesk(venue, ETH, journal, None, pad_small_hedges=False, reduce_only_exempt=exempt)
    desk.on_fill(fill(7, "0.02", is_ask=False), 0)                 # hedged: short 0.02
    await desk.hedge_now((7, D("0.02")))
    desk.on_fill(fill(8, "0.004", is_ask=True), 0)                 # buy 0.004 back: ~12 USDT
    await desk.hedge_now((8, D("0.004")))
    assert await _venue_position(venue) == position_after
    assert desk.stats.failures == 0
    assert desk.carry == (0 if exempt else D("0.004"))
