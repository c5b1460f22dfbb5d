"""The preflight's checks repeated while quoting, against the local venues: low margin pauses
quoting with an alert and lifts when the margin is back; a hedge position the journal does not
expect pauses for good."""
from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from lighter.signer_client import create_api_key

from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue, CcxtVenueSettings
from hedge.adapters.hedging.venue import HedgeRequest
from hedge.adapters.lighter.rest import LighterRest
from hedge.app.account_watch import AccountWatch
from hedge.app.hedge_desk import HedgeDesk
from hedge.app.preflight import PreflightFacts
from hedge.infra.config import parse_config
from hedge.infra.journal import Journal
from tests.hedging.venue_cases import BINANCEUSDM as CASE
from tests.sim.ccxt_loopback import freeze_prices
from tests.sim.lighter_helpers import register


class Engine(SimpleNamespace):
    def pause(self, reason: str) -> None:
        self.state.paused_reason = reason


@pytest.fixture
async def watch(tmp_path, venues):
    freeze_prices(venues.prices)
    await CASE.register(venues.hedge_url)
    venue = CcxtHedgeVenue(CcxtVenueSettings(exchange_id=CASE.exchange_id,
                                             base_url=venues.hedge_url, **CASE.settings()))
    await venue.start()
    _, public, _ = create_api_key()
    await register(venues.lighter_url, 950_001, 4, public)
    rest = LighterRest(venues.lighter_url)
    journal = Journal(tmp_path / "journal.sqlite")
    desk = HedgeDesk(venue, CASE.symbol, journal, None)
    engine = Engine(state=SimpleNamespace(paused_reason=""), desk=desk)
    alerts = SimpleNamespace(sent=[])
    alerts.send = alerts.sent.append
    session = SimpleNamespace(rest=rest, account_index=950_001, hedge=venue,
                              hedge_rules={CASE.symbol: venue.rules(CASE.symbol)})
    config = parse_config({"hedge": {"symbol": CASE.symbol}})
    facts = PreflightFacts(margin_need_quote=D(1000))
    try:
        yield AccountWatch(config, session, [engine], facts, alerts), engine, alerts, venue
    finally:
        journal.close()
        await rest.close()
        await venue.close()


async def test_low_margin_pauses_with_an_alert_and_lifts_when_it_is_back(watch, venues):
    account_watch, engine, alerts, _ = watch
    await account_watch.check_once()
    assert engine.state.paused_reason == "" and alerts.sent == []
    await CASE.register(venues.hedge_url, balance="10")          # the hedge account drained
    await account_watch.check_once()
    assert engine.state.paused_reason.startswith("low margin")
    assert [a.kind for a in alerts.sent] == ["quoting_paused"]
    await CASE.register(venues.hedge_url, balance="100000")
    await account_watch.check_once()
    assert engine.state.paused_reason == ""


async def test_a_hedge_position_the_journal_does_not_expect_pauses_quoting(watch, venues):
    account_watch, engine, alerts, venue = watch
    await venue.refresh_book(CASE.symbol)
    outcome = await venue.submit_hedge(HedgeRequest(CASE.symbol, D("0.05"), (9, D(1)),
                                                    position_before=D(0)))
    assert outcome.filled == D("0.05")            # traded outside the desk's knowledge
    await account_watch.check_once()
    assert engine.state.paused_reason.startswith("hedge position diverges")
    assert "holds 0.05" in engine.state.paused_reason
    assert [a.kind for a in alerts.sent] == ["quoting_paused"]
    await account_watch.check_once()               # reported once, and it does not lift
    assert len(alerts.sent) == 1 and engine.state.paused_reason.startswith("hedge position")
