"""Every hedge-venue knob on every hedge venue, asked through ccxt's own class of that venue.

The four venues are one simulator with four wire formats: a knob that works on one works on
all, and each refusal reaches ccxt as that exchange's own error class.
"""
from __future__ import annotations

import secrets
import time
from decimal import Decimal

import aiohttp
import ccxt.async_support as ccxt_async
import pytest

from tests.hedging.venue_cases import HYPERLIQUID
from tests.sim.ccxt_loopback import freeze_prices
from tests.sim.ccxt_loopback import wait_until_refused

PRICE = 3100          # an IOC buy at this limit takes the ask of a book pinned at 3000


@pytest.fixture
async def venue(case, case_venues):
    """The case's venue (see conftest), ETH pinned at 3000, the case's account registered."""
    freeze_prices(case_venues.prices)
    await case.register(case_venues.hedge_url)
    return case_venues


@pytest.fixture
async def ex(case, venue):
    client = case.ccxt_client(venue.hedge_url)
    await client.load_markets()
    yield client
    await client.close()


async def post(url: str, path: str, body: dict) -> dict:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}{path}", json=body) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()


def client_id(case) -> str:
    return "0x" + secrets.token_hex(16) if case is HYPERLIQUID else "knob" + secrets.token_hex(8)


def amount(case, ex) -> float:
    """0.01 ETH in the unit ccxt's create_order takes on this venue (contracts on okx)."""
    return float(Decimal("0.01") / Decimal(str(ex.market(case.symbol).get("contractSize") or 1)))


async def buy(case, ex, cid: str | None = None, params: dict | None = None) -> dict:
    extra = {"timeInForce": "IOC", "clientOrderId": cid or client_id(case)} | (params or {})
    return await ex.create_order(case.symbol, "limit", "buy", amount(case, ex), PRICE, extra)


@pytest.mark.parametrize("knob", ["reject_hedges", "reject_hedge_symbols"])
async def test_margin_refusal_knobs(case, venue, ex, knob):
    value = True if knob == "reject_hedges" else [case.state_symbol]
    await post(venue.hedge_url, "/sim/faults", {knob: value})
    with pytest.raises(ccxt_async.InsufficientFunds):
        await buy(case, ex)
    assert await case.venue_position(venue.hedge_url) == 0


async def test_lookup_lag_hides_the_order_not_the_position(case, venue, ex):
    await post(venue.hedge_url, "/sim/faults", {"lookup_lag_ms": 60_000})
    cid = client_id(case)
    order = await buy(case, ex, cid)
    assert await case.ccxt_position(venue.hedge_url) == Decimal("0.01")   # at once
    lookup = {"acknowledged": True} if case.exchange_id == "bybit" else {}
    with pytest.raises(ccxt_async.OrderNotFound):
        await ex.fetch_order(order["id"], case.symbol, lookup)
    await post(venue.hedge_url, "/sim/reset", {})          # lag back to 0, account kept
    found = await ex.fetch_order(order["id"], case.symbol, lookup)
    assert found["clientOrderId"] in (cid, None) and float(found["filled"]) > 0
    assert await case.venue_position(venue.hedge_url) == Decimal("0.01")


async def test_clock_offset_shifts_server_time_and_deadlines(case, venue, ex):
    await post(venue.hedge_url, "/sim/faults", {"clock_offset_ms": 120_000})
    assert await ex.fetch_time() - int(time.time() * 1000) > 100_000
    if case is not HYPERLIQUID:   # signed requests now carry a stale timestamp
        with pytest.raises((ccxt_async.InvalidNonce, ccxt_async.AuthenticationError,
                            ccxt_async.ExchangeError)):
            await ex.fetch_balance()
    await post(venue.hedge_url, "/sim/reset", {})
    assert abs(await ex.fetch_time() - int(time.time() * 1000)) < 60_000


async def test_fee_rates_are_served_and_charged(case, venue):
    await post(venue.hedge_url, "/sim/accounts",
               case.sim_account() | {"taker_fee_bps": "7", "maker_fee_bps": "1"})
    ex = case.ccxt_client(venue.hedge_url)    # a fresh client: the account was replaced
    try:
        await ex.load_markets()
        fee = await ex.fetch_trading_fee(case.symbol)
        await buy(case, ex)
    finally:
        await ex.close()
    assert (Decimal(str(fee["taker"])), Decimal(str(fee["maker"]))) == (
        Decimal("0.0007"), Decimal("0.0001"))
    state = await case.sim_state(venue.hedge_url)
    fills = state["accounts"][case.account_key]["fills"]
    notional = sum(Decimal(f.get("price", f.get("px"))) * Decimal(f.get("qty", f.get("sz")))
                   for f in fills)
    charged = sum(Decimal(f["fee"]) for f in fills)
    assert abs(charged - notional * Decimal("0.0007")) < Decimal("0.0001")


@pytest.mark.parametrize("one_shot,error", [("429", ccxt_async.RateLimitExceeded),
                                            ("502", ccxt_async.ExchangeNotAvailable)])
async def test_one_shot_faults_answer_before_matching(case, venue, ex, one_shot, error):
    await post(venue.hedge_url, "/sim/faults", {"next": [one_shot]})
    with pytest.raises((error, ccxt_async.DDoSProtection)):
        await buy(case, ex)
    assert await case.venue_position(venue.hedge_url) == 0


@pytest.mark.fresh_venue   # counts the venue's executed orders: no other test's order in flight
@pytest.mark.parametrize("one_shot", ["418", "503", "-1001", "refuse:0.5"])
async def test_every_before_matching_fault_leaves_no_order(case, venue, ex, one_shot):
    executed = (await case.counters(venue.hedge_url))[1]
    await post(venue.hedge_url, "/sim/faults", {"next": [one_shot]})
    if one_shot.startswith("refuse:"):
        # The switch moves 10 ms after the knob is set: an order sent sooner on a pooled
        # connection executes, and only its answer is cut (a fault after matching).
        await wait_until_refused(venue.hedge.port)
    with pytest.raises(ccxt_async.BaseError):
        await buy(case, ex)
    await wait_until_refused(venue.hedge.port, refused=False)   # refuse:0.5 reopens by itself
    assert (await case.counters(venue.hedge_url))[1] == executed
    assert await case.venue_position(venue.hedge_url) == 0


async def test_unknown_status_executes_then_answers_an_error(case, venue, ex):
    await post(venue.hedge_url, "/sim/faults", {"next": ["-1007"]})
    with pytest.raises(ccxt_async.BaseError):
        await buy(case, ex)
    assert await case.venue_position(venue.hedge_url) == Decimal("0.01")


async def test_late_answer_still_answers(case, venue, ex):
    await post(venue.hedge_url, "/sim/faults", {"next": ["late"], "late_ms": 200})
    order = await buy(case, ex)
    assert order["id"]                                       # answered, late
    assert await case.venue_position(venue.hedge_url) == Decimal("0.01")


async def test_drop_executes_then_loses_the_answer(case, venue, ex):
    await post(venue.hedge_url, "/sim/faults", {"next": ["drop"]})
    with pytest.raises(ccxt_async.NetworkError):
        await buy(case, ex)
    assert await case.venue_position(venue.hedge_url) == Decimal("0.01")


HEDGE_MODE = {"binanceusdm": (ccxt_async.ExchangeError, {"positionSide": "LONG"}),
              "okx": (ccxt_async.BadRequest, {"posSide": "long"}),
              "bybit": (ccxt_async.BadRequest, {"positionIdx": 1})}


async def test_hedge_mode_refuses_orders_without_the_side_field(case, venue, ex):
    if case.exchange_id not in HEDGE_MODE:
        pytest.skip("hyperliquid has no position modes")
    error, side_field = HEDGE_MODE[case.exchange_id]
    await post(venue.hedge_url, "/sim/accounts", case.sim_account() | {"position_mode": "hedge"})
    if case.exchange_id == "bybit":     # no fetch_position_mode: the position list tells
        rows = await ex.fetch_positions([case.symbol])
        assert sorted(int(r["info"]["positionIdx"]) for r in rows) == [1, 2]
    else:
        assert (await ex.fetch_position_mode(case.symbol))["hedged"] is True
    with pytest.raises(error):
        await buy(case, ex)
    assert await case.venue_position(venue.hedge_url) == 0
    await buy(case, ex, params=side_field)
    assert await case.venue_position(venue.hedge_url) == Decimal("0.01")
    assert await case.ccxt_position(venue.hedge_url) == Decimal("0.01")   # read per side


async def test_reset_keeps_accounts_and_clears_faults(case, venue, ex):
    await post(venue.hedge_url, "/sim/faults", {"reject_hedges": True, "lookup_lag_ms": 5,
                                                "next": ["429"]})
    assert "mid" in vars(venue.prices)                      # pinned by the fixture
    answer = await post(venue.hedge_url, "/sim/reset", {})
    assert (answer["faults"]["reject_hedges"], answer["faults"]["next"]) == (False, [])
    assert "mid" not in vars(venue.prices)                  # the pin is gone: the path walks
    freeze_prices(venue.prices)
    await buy(case, ex)
    assert await case.venue_position(venue.hedge_url) == Decimal("0.01")
