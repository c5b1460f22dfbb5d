"""Resend only on proof, and a restart that opens nothing the positions do not explain: the
hedge desk's decisions against a hedge venue whose lookups lag behind its positions."""
from __future__ import annotations

import sqlite3
from decimal import Decimal as D

import pytest

from hedge.adapters.hedging.position_proof import Proof, judge
from hedge.app.lifecycle import JournalUnexplained, reconcile_journal
from tests.harness import frames as f
from tests.harness.fakes import HEDGE_SYMBOL, FakeHedgeVenue, FakeRest, calls_of
from tests.harness.rig import build_rig

FILL = f.order(5, coi=11, filled="0.0100", status="filled")


class LaggingVenue(FakeHedgeVenue):
    """Order lookups see nothing (the venue's order data lags); positions are immediate."""

    async def find_order(self, symbol, client_id):
        self.lookups.append(client_id)
        return None


async def _answer_lost(tmp_path, script: list[str]):
    """A rig whose first hedge answer was lost, its lookups lagging."""
    venue = LaggingVenue(script=script)
    rig = build_rig(tmp_path / "journal.sqlite", venue=venue, rest=FakeRest())
    await rig.live()
    rig.start_desk()
    rig.feed(f.account_orders(FILL))
    await rig.settle()
    assert rig.desk.unresolved
    return venue, rig


@pytest.mark.parametrize("script,sends,position", [
    (["unresolved"], 1, D("-0.0100")),     # traded, answer lost: the position says so
    (["lost"], 2, D("-0.0100")),           # never arrived: the position proves a resend safe
])
async def test_an_unknown_outcome_is_settled_by_the_position(tmp_path, script, sends, position):
    venue, rig = await _answer_lost(tmp_path, list(script))
    try:
        await rig.desk.retry_owed()
        await rig.settle()
        assert len(venue.requests) == sends
        assert venue.position_ == position == rig.desk.hedge_position
        assert rig.desk.unresolved == [] and rig.desk.ledger.owed == 0
        assert rig.journal.intents_without_result() == []
    finally:
        await rig.close()


async def test_a_position_that_moved_the_wrong_way_sends_nothing(tmp_path):
    venue, rig = await _answer_lost(tmp_path, ["lost"])
    try:
        venue.position_ = D("0.0500")          # someone else traded the account
        await rig.desk.retry_owed()
        await rig.settle()
        assert len(venue.requests) == 1 and rig.desk.unresolved
    finally:
        await rig.close()


async def test_a_restart_whose_journal_the_positions_do_not_explain_opens_nothing(tmp_path):
    venue, rest = FakeHedgeVenue(), FakeRest()
    rig = build_rig(tmp_path / "journal.sqlite", venue=venue, rest=rest)
    await rig.live()
    rig.feed(f.account_orders(FILL))               # journaled, never hedged (no desk task)
    await rig.settle()
    await rig.close()
    rest.positions[f.MARKET] = D(0)                # flattened by hand while the bot was down
    rig = build_rig(tmp_path / "journal.sqlite", venue=venue, rest=rest)
    try:
        rig.start_desk()
        with pytest.raises(JournalUnexplained) as refused:
            await reconcile_journal(rig.journal, rig.desk, rig.detector, venue, HEDGE_SYMBOL,
                                    rest, f.ACCOUNT, f.MARKET, "token")
        assert venue.requests == [] and venue.position_ == 0
        text = str(refused.value)
        assert "owes a hedge of -0.0100" in text and "Lighter 0 + hedge 0" in text
    finally:
        await rig.close()


@pytest.mark.parametrize("position,proof,filled", [
    (D("0"), Proof.NOT_EXECUTED, D(0)),
    (D("-0.0100"), Proof.EXECUTED, D("-0.0100")),
    (D("-0.0040"), Proof.EXECUTED, D("-0.0040")),     # a partial fill
    (D("0.0100"), Proof.UNEXPLAINED, D(0)),          # the wrong way
    (D("-0.0300"), Proof.UNEXPLAINED, D(0)),         # more than the order
])
def test_judge(position, proof, filled):
    result = judge(position, D("-0.0100"), D(0), D("0.001"))
    assert (result.proof, result.filled) == (proof, filled)


async def test_a_hedge_found_by_lookup_is_journaled_as_the_venue_tells_it(rig):
    rig.venue.script = ["unresolved"]              # traded, its answer lost
    asked = calls_of(rig.venue, "find_order")
    rig.start_desk()
    rig.feed(f.account_orders(FILL))
    await rig.settle()
    [client_id] = rig.desk.unresolved
    await rig.desk.retry_owed()
    assert asked == [(HEDGE_SYMBOL, client_id)]
    assert rig.desk.unresolved == [] and len(rig.venue.requests) == 1
    journal = sqlite3.connect(rig.journal.path)
    try:
        last = journal.execute(
            "SELECT status, filled, avg_price, reason FROM hedge_results WHERE client_id = ? "
            "ORDER BY id DESC LIMIT 1", (client_id,)).fetchone()
    finally:
        journal.close()
    assert last == ("resolved", "-0.010", "1999.5", "lookup")      # sold at the venue's bid
