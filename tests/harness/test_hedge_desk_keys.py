"""Which fill a hedge is named after when no frame brought it (startup, retries), and what an
unknown outcome leaves when the journal never wrote its intent: nothing is sent on a guess."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal as D

from hedge.app import hedge_desk
from hedge.app.hedge_desk import HedgeDesk
from hedge.core.types import FillDelta
from tests.harness import frames as f
from tests.harness.fakes import HEDGE_SYMBOL, FakeHedgeVenue, calls_of
from tests.harness.rig import build_rig


def delta(order_index: int, size: str) -> FillDelta:
    return FillDelta(order_index=order_index, client_order_index=0, market_id=0, is_ask=False,
                     size=D(size), price=D("2000"), cum_filled_base=D(size),
                     cum_filled_quote=D(size) * 2000, status="filled")


async def test_a_startup_hedge_without_a_fill_key_is_named_after_no_fill(rig):
    rig.desk.on_fill(delta(5, "0.0100"), 0)            # owed, the hedge task not running
    await rig.desk.hedge_now(None)
    [request] = rig.venue.requests
    assert request.fill_key == (0, D(0)) and request.fill_seen_ns == 0
    assert request.first_attempt >= 1000                # a re-hedge id never reused
    assert rig.venue.sent == [(D("-0.010"), False)]


async def test_a_hedge_now_is_named_after_the_fill_given_then_the_last_one(rig):
    rig.desk.on_fill(delta(5, "0.0100"), 0)
    await rig.desk.hedge_now((7, D("0.01")))
    rig.desk.on_fill(delta(6, "0.0100"), 0)
    await rig.desk.hedge_now(None)
    assert [r.fill_key for r in rig.venue.requests] == [(7, D("0.01")), (7, D("0.01"))]
    assert rig.desk.ledger.owed == 0


async def test_waiting_for_the_desk_to_be_idle_times_out_while_a_fill_waits(rig):
    rig.desk.on_fill(delta(5, "0.0100"), 0)
    assert await asyncio.wait_for(rig.desk.wait_idle(0), 1.0) is False
    rig.start_desk()
    await rig.settle()
    assert await rig.desk.wait_idle(1.0) is True            # idle: returns at once


async def test_an_unknown_outcome_with_no_intent_journaled_stays_unresolved(rig):
    rig.desk.ledger.add_maker_fill(D("0.0100"))
    rig.desk.last_fill_key = (5, D("0.01"))
    rig.desk.unresolved.append("lh-9-0.01")             # the venue never heard of it
    assert await rig.desk.retry_owed() is None
    assert rig.venue.lookups == ["lh-9-0.01"] and rig.venue.requests == []
    assert rig.desk.unresolved == ["lh-9-0.01"] and rig.desk.busy


@dataclass
class LaggingLookups(FakeHedgeVenue):
    """Lookups find nothing (they lag); the position answers at once and says who asked."""

    asked: list[str] = field(default_factory=list)

    async def find_order(self, symbol, client_id):
        self.lookups.append(client_id)
        return None

    async def position(self, symbol):
        self.asked.append(symbol)
        return self.position_


async def test_an_outcome_settled_by_the_position_is_journaled_as_such(tmp_path):
    venue = LaggingLookups(script=["unresolved"])
    rig = build_rig(tmp_path / "journal.sqlite", venue=venue)
    await rig.live()
    try:
        rig.start_desk()
        rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
        await rig.settle()
        await rig.desk.retry_owed()
        assert venue.asked == [HEDGE_SYMBOL]
        assert rig.desk.unresolved == [] and rig.desk.hedge_position == D("-0.0100")
        rows = rig.journal._db.execute(
            "SELECT status, filled, avg_price, reason FROM hedge_results WHERE client_id = ? "
            "ORDER BY id", ("lh-5-0.01",)).fetchall()
        assert rows[-1] == ("resolved", "-0.010", None, "position")
        assert rig.journal.signed_totals() == (D("0.0100"), D("-0.0100"))
    finally:
        await rig.close()


class IndexingVenue(FakeHedgeVenue):
    """A venue whose order index lags its fills by 250 ms."""
    lookup_lag_ms = 250


async def test_the_desk_takes_its_venues_rules_and_lookup_lag_for_its_symbol(rig):
    venue = IndexingVenue()
    rules_read = calls_of(venue, "rules")
    desk = HedgeDesk(venue, HEDGE_SYMBOL, rig.journal, None, clock=rig.clock)
    assert (desk.lookup_lag_ms, rules_read, desk.rules) == \
        (250, [(HEDGE_SYMBOL,)], venue.rules_)
    assert HedgeDesk(FakeHedgeVenue(), HEDGE_SYMBOL, rig.journal, None).lookup_lag_ms == 0


def test_a_restarted_desk_numbers_its_retries_from_elsewhere(rig, monkeypatch):
    """Retry ids name a retry by a number that starts from the wall clock (tenths of a second):
    a run restarted a second later never reuses the last run's retry ids."""
    starts = []
    for wall_s in (1_780_000_000.0, 1_780_000_001.0):
        monkeypatch.setattr(hedge_desk, "wall_s", lambda: wall_s)
        desk = HedgeDesk(FakeHedgeVenue(), HEDGE_SYMBOL, rig.journal, None, clock=rig.clock)
        starts.append(next(desk._retry_attempts))
    assert starts[1] - starts[0] == 10 and all(isinstance(s, int) for s in starts)
