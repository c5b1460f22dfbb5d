"""Lighter's fee ticks read with lighter-sdk's accountLimits from the local venue, per tier."""
from __future__ import annotations

from decimal import Decimal as D

from hedge.app.fees_in_force import read_lighter_maker
from hedge.sim.lighter.tiers import TIERS


async def test_the_account_fee_ticks_are_the_tiers(account):
    token = await account.orders.mint_auth_token(600)
    ticks = await account.rest.account_fee_ticks(account.account_index, token)
    standard = TIERS["standard"]
    assert ticks == (standard.maker_fee_ppm, standard.taker_fee_ppm)
    reading = await read_lighter_maker(account.rest, account.account_index, token, D("-1"))
    assert reading.venue_bps == D(standard.maker_fee_ppm) / 100 and reading.raised


async def test_an_unauthorized_read_keeps_the_configured_fee(account):
    reading = await read_lighter_maker(account.rest, account.account_index, "not-a-token", D("0.4"))
    assert reading.venue_bps is None and reading.in_force_bps == D("0.4")
    assert "keeping the configured strategy.maker_fee_bps=0.4" in reading.message()[1]
