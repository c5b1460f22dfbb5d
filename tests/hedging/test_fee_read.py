"""The hedge venue's fee read over real sockets: ccxt's fetch_trading_fee against each local
hedge venue, through the bot's own read. Until a local venue serves its fee endpoint the test
skips, saying which."""
from __future__ import annotations

from decimal import Decimal as D

import ccxt
import pytest

from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue, CcxtVenueSettings
from hedge.app.fees_in_force import read_hedge_taker

ENDPOINTS = {"binanceusdm": "GET /fapi/v1/commissionRate", "okx": "GET /api/v5/account/trade-fee",
             "bybit": "GET /v5/account/fee-rate", "hyperliquid": "POST /info userFees"}


@pytest.fixture
async def hedge_venue(case, case_venues):
    await case.register(case_venues.hedge_url)
    venue = CcxtHedgeVenue(CcxtVenueSettings(
        exchange_id=case.exchange_id, base_url=case_venues.hedge_url, **case.settings(),
        timeout_ms=2000, book_max_age_ms=60_000))
    await venue.start()
    try:
        yield venue
    finally:
        await venue.close()


async def test_the_venue_fee_is_read_through_ccxt_and_a_lower_configured_one_raised(case,
                                                                                   hedge_venue):
    try:
        venue_bps = await hedge_venue.taker_fee_bps(case.symbol)
    except ccxt.BaseError as exc:  # the venue's refusal: it does not serve the endpoint yet
        pytest.skip(f"local {case.exchange_id} does not serve {ENDPOINTS[case.exchange_id]} yet "
                    f"({type(exc).__name__}): the hedge venue rewrite adds it")
    assert D(0) < venue_bps < D(100)
    reading = await read_hedge_taker(hedge_venue, case.symbol, case.exchange_id, D(0))
    assert reading.venue_bps == venue_bps and reading.in_force_bps == venue_bps and reading.raised
