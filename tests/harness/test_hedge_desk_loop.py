"""The hedge desk's own task: fills queued behind a hedge in flight are netted; `retry_owed`
looks up what it does not know before it sends anything again."""
from __future__ import annotations

import asyncio
from decimal import Decimal as D

from tests.harness import frames as f


async def test_fills_queued_behind_a_hedge_in_flight_go_out_as_one_netted_hedge(rig):
    rig.venue.hold = gate = asyncio.Event()
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()                                   # first hedge in flight
    rig.feed(f.account_orders(f.order(6, filled="0.0050", status="filled")))
    rig.feed(f.account_orders(f.order(7, is_ask=True, filled="0.0020", status="filled")))
    rig.feed(f.account_orders(f.order(8, filled="0.0030", status="filled")))
    await rig.settle()
    assert [r.amount for r in rig.venue.requests] == [D("-0.0100")]
    assert rig.desk.in_flight_sides == {"bid", "ask"}
    gate.set()
    await rig.settle()
    assert rig.venue.sent == [(D("-0.0100"), False), (D("-0.0060"), False)]
    assert rig.venue.requests[1].fill_key == (8, D("0.0030"))     # named after the last fill
    assert rig.desk.ledger.owed == 0
    assert rig.desk.hedge_position == D("-0.0160")
    assert rig.desk.in_flight_sides == set()
    assert await rig.desk.wait_idle(1.0)       # already idle: returns at once


async def test_a_surprise_in_the_hedge_path_is_counted_and_the_task_carries_on(rig):
    rig.venue.script = ["raise"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.desk.stats.failures == 1
    assert rig.desk.stats.consecutive_failures == 1
    assert not rig.extra_tasks[0].done()
    rig.feed(f.account_orders(f.order(6, filled="0.0010", status="filled")))
    await rig.settle()
    assert rig.venue.sent[-1] == (D("-0.0110"), False)
    assert rig.desk.stats.consecutive_failures == 0
    assert rig.venue.position_ == D("-0.0110")


async def test_an_answer_lost_after_the_venue_traded_is_looked_up_not_resent(rig):
    rig.venue.script = ["unresolved"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.desk.unresolved == ["lh-5-0.01"]
    assert rig.desk.hedge_position == 0
    assert await rig.desk.retry_owed() is None
    assert rig.venue.lookups == ["lh-5-0.01"]
    assert len(rig.venue.requests) == 1
    assert rig.desk.hedge_position == D("-0.0100") == rig.venue.position_
    assert rig.desk.ledger.owed == 0
    assert rig.journal.intents_without_result() == []


async def test_an_order_that_never_arrived_is_sent_again_under_a_new_id(rig):
    rig.venue.script = ["lost"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    outcome = await rig.desk.retry_owed()
    assert rig.venue.lookups == ["lh-5-0.01"]
    assert rig.venue.sent == [(D("-0.0100"), False), (D("-0.0100"), False)]
    assert outcome.client_ids[0].startswith("lh-5-0.01-r")
    assert rig.venue.position_ == D("-0.0100") == rig.desk.hedge_position
    assert rig.desk.unresolved == []


async def test_a_lookup_that_fails_sends_nothing_and_keeps_the_id(rig):
    rig.venue.script = ["unresolved"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    rig.venue.lookup_failures_left = 1
    assert await rig.desk.retry_owed() is None
    assert len(rig.venue.requests) == 1
    assert rig.desk.unresolved == ["lh-5-0.01"]
    await rig.desk.retry_owed()
    assert rig.desk.unresolved == []
    assert len(rig.venue.requests) == 1
    assert rig.desk.hedge_position == D("-0.0100")


async def test_a_rejected_hedge_is_retried_for_what_is_owed(rig):
    rig.venue.script = ["reject"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.desk.ledger.owed == D("-0.0100")
    outcome = await rig.desk.retry_owed()
    assert outcome.filled == D("-0.0100")
    assert rig.venue.sent == [(D("-0.0100"), False), (D("-0.0100"), False)]
    assert rig.desk.stats.consecutive_failures == 0
    assert await rig.desk.retry_owed() is None           # nothing owed: nothing sent
    assert len(rig.venue.requests) == 2


async def test_a_partial_hedge_leaves_the_rest_owed_and_retry_completes_it(rig):
    rig.venue.script = ["partial"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, is_ask=True, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.desk.ledger.owed == D("0.0050")
    await rig.desk.retry_owed()
    assert rig.venue.sent == [(D("0.0100"), False), (D("0.0050"), False)]
    assert rig.venue.position_ == D("0.0100") == rig.desk.hedge_position


async def test_retry_waits_while_a_hedge_is_queued(rig):
    rig.venue.script = ["reject"]
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))   # desk not running
    assert await rig.desk.retry_owed() is None
    assert rig.venue.requests == []


async def test_retry_waits_while_a_hedge_is_in_flight(rig):
    async with rig.desk._lock:
        assert await rig.desk.retry_owed() is None
    assert rig.venue.requests == []


async def test_an_unknown_outcome_plus_a_second_fill_sends_nothing_until_the_lookup_answers(rig):
    rig.venue.script = ["unresolved"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.desk.unresolved == ["lh-5-0.01"]
    rig.venue.lookup_failures_left = 1                   # the venue cannot answer yet
    rig.feed(f.account_orders(f.order(6, filled="0.0050", status="filled")))
    await rig.settle()
    assert len(rig.venue.requests) == 1                  # the unknown 0.01 was not sent again
    assert rig.venue.lookups == ["lh-5-0.01"]
    await rig.desk.retry_owed()                          # the lookup answers: traded
    assert rig.venue.sent == [(D("-0.0100"), False), (D("-0.0050"), False)]
    assert rig.venue.position_ == D("-0.0150") == rig.desk.hedge_position
    assert rig.desk.ledger.owed == 0


async def test_a_second_fill_after_an_unknown_outcome_is_hedged_net_of_the_lookup(rig):
    rig.venue.script = ["unresolved"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    rig.feed(f.account_orders(f.order(6, filled="0.0050", status="filled")))
    await rig.settle()
    assert rig.venue.lookups == ["lh-5-0.01"]
    assert rig.venue.sent == [(D("-0.0100"), False), (D("-0.0050"), False)]
    assert rig.venue.position_ == D("-0.0150") == rig.desk.hedge_position
