"""Contract size on okx (ETH-USDT-SWAP: 0.1 ETH a contract) wherever an amount crosses ccxt:
market rules, the book used for pricing, the order, its lookup and the position."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue, CcxtVenueSettings
from hedge.adapters.hedging.venue import HedgeRequest, HedgeStatus
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY
from hedge.sim.runner import start_venues
from tests.hedging.venue_cases import OKX
from tests.sim.ccxt_loopback import freeze_prices


@pytest.fixture
async def okx():
    running = await start_venues(seed=7, hedge_exchange="okx")
    freeze_prices(running.prices)
    await OKX.register(running.hedge_url)
    venue = CcxtHedgeVenue(CcxtVenueSettings(exchange_id="okx", base_url=running.hedge_url,
                                             **OKX.settings()))
    await venue.start()
    try:
        yield running, venue
    finally:
        await venue.close()
        await running.stop()


async def test_a_hundredth_of_an_eth_is_a_tenth_of_a_contract(okx):
    running, venue = okx
    outcome = await venue.submit_hedge(HedgeRequest(OKX.symbol, D("0.01"), (7, D("0.01"))))
    assert outcome.status is HedgeStatus.FILLED and outcome.filled == D("0.01"), outcome.reason
    received = running.hedge_app[HEDGE_STATE_KEY].received_orders
    assert [(o["sz"], o["side"], o["ordType"]) for o in received] == [("0.1", "buy", "ioc")]
    assert await OKX.venue_position(running.hedge_url) == D("0.01")      # the venue's base
    assert await venue.position(OKX.symbol) == D("0.01")                 # 0.1 contracts read back
    found = await venue.find_order(OKX.symbol, outcome.client_ids[0])
    assert found is not None and found.filled == D("0.01")


async def test_rules_and_book_are_in_base_units(okx):
    running, venue = okx
    rules = venue.rules(OKX.symbol)
    assert (rules.amount_step, rules.min_amount, rules.price_tick) == (
        D("0.001"), D("0.001"), D("0.01"))
    await venue.refresh_book(OKX.symbol)
    book = running.hedge_app[HEDGE_STATE_KEY].book("ETH-USDT-SWAP")
    first, second = book.asks[0], book.asks[1]             # 0.8 ETH then 1.2 ETH
    expected = (first.qty * first.price + (1 - first.qty) * second.price)
    assert venue.executable_price(OKX.symbol, D("1"), True) == expected


async def test_an_acknowledged_order_is_read_until_it_is_final(okx):
    """OKX may answer before the match: the order reads `live`, nothing filled, for a while."""
    running, venue = okx
    running.hedge_app[HEDGE_STATE_KEY].settle_after_ms = 300
    outcome = await venue.submit_hedge(HedgeRequest(OKX.symbol, D("-0.03"), (8, D("0.03"))))
    assert outcome.status is HedgeStatus.FILLED and outcome.filled == D("-0.03"), outcome.reason
    assert outcome.lookups == 0                       # an acknowledgement is not ambiguous
    assert len(running.hedge_app[HEDGE_STATE_KEY].received_orders) == 1
    assert await OKX.venue_position(running.hedge_url) == D("-0.03")
