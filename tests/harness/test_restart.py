"""Restart from the journal: what the last run left owed, in flight or done, against venues that
remember what they traded."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from hedge.app.lifecycle import StartupRefused, reconcile_journal
from tests.harness import frames as f
from tests.harness.fakes import HEDGE_SYMBOL, FakeHedgeVenue, FakeRest
from tests.harness.rig import build_rig

FILL = f.order(5, coi=11, filled="0.0100", status="filled")


async def first_run(tmp_path, *, script=(), hedge=True, extra=None):
    """A run that saw FILL and then died; returns the venues it leaves behind."""
    venue, rest = FakeHedgeVenue(script=list(script)), FakeRest()
    rig = build_rig(tmp_path / "journal.sqlite", venue=venue, rest=rest)
    await rig.live()
    if hedge:
        rig.start_desk()
    rig.feed(f.account_orders(FILL))
    if extra is not None:
        extra(rig)
    await rig.settle()
    rest.positions[f.MARKET] = D("0.0100")
    await rig.close()
    return venue, rest


async def restart(tmp_path, venue, rest):
    rig = build_rig(tmp_path / "journal.sqlite", venue=venue, rest=rest)
    rig.start_desk()
    report = await reconcile_journal(rig.journal, rig.desk, rig.detector, venue, HEDGE_SYMBOL,
                                     rest, f.ACCOUNT, f.MARKET, "token")
    await rig.settle()
    return rig, report


async def test_a_fill_owed_is_hedged_once_and_the_detector_is_seeded(tmp_path):
    venue, rest = await first_run(tmp_path, hedge=False)
    assert venue.requests == []
    rig, report = await restart(tmp_path, venue, rest)
    try:
        assert venue.sent == [(D("-0.0100"), False)]
        assert report.fills_rehedged == 1 and report.intents_looked_up == 0
        assert venue.position_ == D("-0.0100") == rig.desk.hedge_position
        assert rig.desk.ledger.owed == 0
        await rig.live()
        rig.feed(f.account_orders(FILL))                  # the stream shows it again
        await rig.settle()
        assert len(venue.requests) == 1
        rig.feed(f.account_orders(f.order(6, filled="0.0030")))
        await rig.settle()
        assert venue.sent[1:] == [(D("-0.0030"), False)]
    finally:
        await rig.close()


async def test_a_hedge_in_flight_that_traded_is_looked_up_and_not_resent(tmp_path):
    venue, rest = await first_run(tmp_path, script=["unresolved"])
    assert venue.position_ == D("-0.0100")               # traded; the answer was lost
    rig, report = await restart(tmp_path, venue, rest)
    try:
        assert venue.lookups == ["lh-5-0.01"]
        assert report.intents_looked_up == 1 and report.fills_rehedged == 0
        assert len(venue.requests) == 1
        assert venue.position_ == D("-0.0100") == rig.desk.hedge_position
        assert rig.desk.ledger.owed == 0
        assert rig.journal.intents_without_result() == []
    finally:
        await rig.close()


async def test_a_hedge_in_flight_that_never_arrived_is_sent_once(tmp_path):
    venue, rest = await first_run(tmp_path, script=["lost"])
    assert venue.position_ == 0
    rig, report = await restart(tmp_path, venue, rest)
    try:
        assert venue.lookups == ["lh-5-0.01"]
        assert report.intents_looked_up == 1 and report.fills_rehedged == 1
        assert venue.sent == [(D("-0.0100"), False), (D("-0.0100"), False)]
        assert venue.requests[1].first_attempt > 0          # a new client id, never the old one
        assert venue.position_ == D("-0.0100")
    finally:
        await rig.close()


async def test_a_fill_already_hedged_is_neither_looked_up_nor_resent(tmp_path):
    venue, rest = await first_run(tmp_path)
    rig, report = await restart(tmp_path, venue, rest)
    try:
        assert venue.lookups == [] and len(venue.requests) == 1
        assert report == type(report)(D("0.0100"), D("-0.0100"), 0, 0, 0)
        assert rig.desk.ledger.owed == 0
    finally:
        await rig.close()


async def test_a_fill_that_happened_while_no_run_watched_is_found_and_hedged(tmp_path):
    def quote_placed(rig):
        rig.journal.record_order(12, f.MARKET, "ask")
    venue, rest = await first_run(tmp_path, extra=quote_placed)
    rest.put_order(f.order(8, coi=12, is_ask=True, filled="0.0040", status="filled"))
    rest.positions[f.MARKET] = D("0.0060")
    rig, report = await restart(tmp_path, venue, rest)
    try:
        assert report.fills_missed == 1
        assert venue.sent == [(D("-0.0100"), False), (D("0.0040"), True)]
        assert venue.position_ == D("-0.0060")
        assert report.lighter_position + rig.desk.hedge_position == 0
    finally:
        await rig.close()


async def test_a_position_no_journal_explains_refuses_to_quote(tmp_path):
    venue, rest = await first_run(tmp_path)
    venue.position_ += D("-0.5")                         # someone traded by hand
    with pytest.raises(StartupRefused, match=r"Lighter 0.0100 \+ hedge -0.510 = -0.5000"):
        await restart(tmp_path, venue, rest)


async def test_a_hedge_the_venue_refused_is_owed_again_after_a_restart(tmp_path):
    venue, rest = await first_run(tmp_path, script=["reject"])
    rig, report = await restart(tmp_path, venue, rest)
    try:
        assert venue.lookups == [] and report.intents_looked_up == 0
        assert report.fills_rehedged == 1
        assert venue.sent[-1] == (D("-0.0100"), False)
        assert venue.position_ == D("-0.0100")
    finally:
        await rig.close()


async def test_the_rest_of_a_partial_hedge_is_hedged_after_a_restart(tmp_path):
    venue, rest = await first_run(tmp_path, script=["partial"])
    assert venue.position_ == D("-0.0050")
    rig, report = await restart(tmp_path, venue, rest)
    try:
        assert venue.sent[-1] == (D("-0.0050"), False)
        assert venue.position_ == D("-0.0100") == report.hedge_position
        assert rig.desk.ledger.owed == 0
    finally:
        await rig.close()
