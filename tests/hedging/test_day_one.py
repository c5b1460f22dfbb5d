"""Live on day one, on every hedge venue through its own ccxt class: the account's setup is
checked before quoting, and a hedge whose answer is lost is never sent twice.

Tests that need the hedge-venue knobs of the one-simulator change (`position_mode`,
`lookup_lag_ms`) ask the venue first and skip when it does not echo the knob, so they run as
soon as the venue has it.
"""
from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace

import aiohttp
import pytest
from lighter.signer_client import create_api_key

from hedge.adapters.hedging import account_reads
from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue, CcxtVenueSettings
from hedge.adapters.hedging.venue import HedgeRequest, HedgeStatus
from hedge.adapters.lighter.rest import LighterRest
from hedge.app import preflight
from hedge.infra.config import parse_config
from tests.hedging.venue_cases import CASES, LOOKUP_LAG_MS
from tests.sim.ccxt_loopback import freeze_prices, post_faults
from tests.sim.lighter_helpers import register

NEEDS_SIM_KNOBS = "needs i19-sim knobs (the hedge venue does not echo it yet)"
ONE_WAY_CASES = [c for c in CASES if c.exchange_id != "hyperliquid"]
# Lighter accounts of their own on the shared venue (test_tier_runs.py has 930_001-930_003,
# test_account_watch.py 950_001): a collision reads another test's traded collateral.
_lighter_accounts = iter(range(960_001, 970_000))


async def _open(case, venues) -> CcxtHedgeVenue:
    venue = CcxtHedgeVenue(CcxtVenueSettings(
        exchange_id=case.exchange_id, base_url=venues.hedge_url, **case.settings(),
        timeout_ms=600, lookup_grace_ms=50, backoff_base_ms=20, backoff_max_ms=300,
        lookup_deadline_ms=1000, book_max_age_ms=60_000, lookup_lag_ms=LOOKUP_LAG_MS))
    await venue.start()
    await venue.refresh_book(case.symbol)
    return venue


async def _register(case, venues, **fields) -> dict:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{venues.hedge_url}/sim/accounts",
                             json=case.sim_account() | fields) as resp:
            return await resp.json() if resp.status == 200 else {}


def _echoes(answer: object, key: str, value: object) -> bool:
    """Whether a venue's control answer carries `key: value` anywhere (its echo of a knob)."""
    if isinstance(answer, dict):
        return answer.get(key) == value or any(_echoes(v, key, value) for v in answer.values())
    if isinstance(answer, list):
        return any(_echoes(v, key, value) for v in answer)
    return False


def _config(case, **preflight_keys):
    return parse_config({"hedge": {"exchange": case.exchange_id, "symbol": case.symbol},
                         "strategy": {"order_size": "0.01", "max_position": "0.1"},
                         "preflight": preflight_keys})


@pytest.mark.parametrize("case", ONE_WAY_CASES, ids=str)
async def test_hedge_mode_account_is_refused_naming_the_setting(case, case_venues, counted):
    freeze_prices(case_venues.prices)
    if not _echoes(await _register(case, case_venues, position_mode="hedge"), "position_mode",
                   "hedge"):
        pytest.skip(NEEDS_SIM_KNOBS)
    venue = await _open(case, case_venues)
    try:
        assert await account_reads.position_mode(venue, case.symbol) == "hedge"
        with pytest.raises(preflight.PreflightRefused) as refused:
            await preflight._position_mode(_config(case), SimpleNamespace(hedge=venue))
        assert venue.venue_rules.position_mode_setting in str(refused.value)
        # Had it gone on, the first hedge halts (nothing executes) instead of being "rejected".
        outcome = await venue.submit_hedge(HedgeRequest(case.symbol, D("0.05"), (1, D(1)),
                                                        position_before=D(0)))
        assert outcome.status is HedgeStatus.HALTED and "hedge position mode" in outcome.reason
        assert (await counted())[1] == 0
    finally:
        await venue.close()


async def test_one_way_account_passes_the_position_mode_step(case, case_venues):
    freeze_prices(case_venues.prices)
    await case.register(case_venues.hedge_url)
    venue = await _open(case, case_venues)
    try:
        mode = await account_reads.position_mode(venue, case.symbol)
    except Exception as exc:   # the venue's mode endpoint arrives with the one simulator
        pytest.skip(f"{NEEDS_SIM_KNOBS}: {type(exc).__name__}")
    finally:
        await venue.close()
    assert mode == "one_way"


async def _lighter_session(venues, collateral: str, venue: CcxtHedgeVenue, case):
    _, public, err = create_api_key()
    assert err is None
    account = next(_lighter_accounts)
    await register(venues.lighter_url, account, 4, public, collateral=collateral)
    return SimpleNamespace(rest=LighterRest(venues.lighter_url), account_index=account,
                           hedge=venue, hedge_rules={case.symbol: venue.rules(case.symbol)})


@pytest.mark.parametrize("short_on", ["hedge", "lighter"])
async def test_an_account_without_margin_is_refused(case, case_venues, short_on):
    freeze_prices(case_venues.prices)
    await case.register(case_venues.hedge_url, balance="0" if short_on == "hedge" else "100000")
    venue = await _open(case, case_venues)
    session = await _lighter_session(case_venues, "0" if short_on == "lighter" else "100000",
                                     venue, case)
    try:
        asset, free = await account_reads.free_collateral(venue, case.symbol)
        assert (free == 0) == (short_on == "hedge"), (asset, free)
        with pytest.raises(preflight.PreflightRefused) as refused:
            await preflight._margin(_config(case), session, preflight.PreflightFacts())
        text = str(refused.value)
        assert ("Lighter has 0" in text) == (short_on == "lighter")
        assert (f"{case.exchange_id} has 0" in text) == (short_on == "hedge")
        assert "deposit collateral or lower strategy.max_position" in text
    finally:
        await session.rest.close()
        await venue.close()


async def test_margin_that_covers_max_position_passes(case, case_venues):
    freeze_prices(case_venues.prices)
    await case.register(case_venues.hedge_url)
    venue = await _open(case, case_venues)
    session = await _lighter_session(case_venues, "100000", venue, case)
    try:
        facts = preflight.PreflightFacts()
        await preflight._margin(_config(case), session, facts)
        assert facts.margin_need_quote > 0
    finally:
        await session.rest.close()
        await venue.close()


async def test_lost_answers_behind_a_lookup_lag_hedge_each_fill_once(case, case_venues,
                                                                   counted):
    """Every hedge executes and its answer is lost; the venue hides it from lookups for
    1.5 s. The position decides: exactly one order executes per fill."""
    freeze_prices(case_venues.prices)
    await case.register(case_venues.hedge_url)
    status, answer = await post_faults(case_venues.hedge_url,
                                       {"lookup_lag_ms": 1500, "execute_then_drop_prob": 1.0})
    if status != 200 or not _echoes(answer, "lookup_lag_ms", 1500):
        pytest.skip(NEEDS_SIM_KNOBS)
    venue = await _open(case, case_venues)
    try:
        expected = D(0)
        for cum, amount in ((1, D("-0.05")), (2, D("0.03"))):
            outcome = await venue.submit_hedge(HedgeRequest(case.symbol, amount, (42, D(cum)),
                                                            position_before=expected))
            expected += amount
            assert outcome.filled == amount, outcome.reason
        assert (await counted())[1] == 2
        assert await case.venue_position(case_venues.hedge_url) == expected
        assert await case.ccxt_position(case_venues.hedge_url) == expected
    finally:
        await venue.close()


@pytest.mark.parametrize("drop", [True, False], ids=["executed", "never-executed"])
async def test_empty_lookups_resend_only_when_the_position_proves_it(case, case_venues, drop,
                                                                   counted):
    """Until the venue's lookup lag knob lands, the lag is the venue's lookups answering
    "no such order" for every id: after a dropped answer the order executed and the position
    shows it (no resend); after a 502 before matching it did not, and one resend executes."""
    freeze_prices(case_venues.prices)
    await case.register(case_venues.hedge_url)
    venue = await _open(case, case_venues)

    async def nothing_yet(symbol, client_id):
        return None

    venue.find_order = nothing_yet
    try:
        assert (await post_faults(case_venues.hedge_url,
                                  {"next": ["drop" if drop else "502"]}))[0] == 200
        outcome = await venue.submit_hedge(HedgeRequest(case.symbol, D("-0.05"), (7, D(1)),
                                                        position_before=D(0)))
        assert outcome.status is HedgeStatus.FILLED and outcome.filled == D("-0.05"), outcome.reason
        assert (await counted())[1] == 1
        assert await case.venue_position(case_venues.hedge_url) == D("-0.05")
        assert await case.ccxt_position(case_venues.hedge_url) == D("-0.05")
    finally:
        await venue.close()


async def test_approved_builder_fee_reaches_ccxt_only_when_set():
    """Hyperliquid API wallets: the approval made once with the main wallet is declared, so
    ccxt does not try it before every order (no network: only the client's options)."""
    for approved in (False, True):
        venue = CcxtHedgeVenue(CcxtVenueSettings(exchange_id="hyperliquid",
                                                 base_url="http://127.0.0.1:9",
                                                 approved_builder_fee=approved))
        try:
            assert bool(venue.exchange.options.get("approvedBuilderFee")) is approved
        finally:
            await venue.close()
