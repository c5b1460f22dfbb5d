"""The hedge desk with the real ccxt venue and a real journal: small fills, netting, carry."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue, CcxtVenueSettings
from hedge.app.hedge_desk import HedgeDesk
from hedge.core.types import FillDelta
from hedge.infra.journal import Journal
from hedge.infra.secret import Secret
from tests.sim.ccxt_loopback import freeze_prices, register_account

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


async def test_fills_queued_during_a_hedge_are_netted_into_one(desk_parts):
    venue, journal = desk_parts
    desk = HedgeDesk(venue, ETH, journal, None)
    for index in (4, 5, 6):
        assert desk.on_fill(fill(index, "0.01", is_ask=False), 0)
    assert not desk.on_fill(fill(6, "0.01", is_ask=False), 0)     # the same fill key again
    await desk.hedge_now(None)
    assert await _venue_position(venue) == D("-0.03")
    assert desk.stats.orders == 1


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
