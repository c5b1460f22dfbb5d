"""A fill's hedge starts in the stream reader's step (no hop into the hedge task), after the
fill is committed, and still one hedge at a time: a fill read while a hedge is in flight waits
for it in the hedge task and is netted into the next hedge."""
from __future__ import annotations

import asyncio
import sqlite3
from decimal import Decimal as D

from tests.harness import frames as f
from tests.harness.clock import settle


def committed_fills(rig) -> int:
    """Fills another connection can read: committed ones only."""
    with sqlite3.connect(rig.journal.path) as other:
        return other.execute("SELECT COUNT(*) FROM fills").fetchone()[0]


async def test_the_hedge_is_handed_to_the_venue_in_the_readers_step_after_the_fill_commits(rig):
    rig.start_desk()
    await settle()                          # the hedge task is serving
    rig.venue.hold = asyncio.Event()        # the answer stays in transit
    at_submit = []
    submit = rig.venue.submit_hedge

    async def watched(request):
        at_submit.append((committed_fills(rig), asyncio.current_task().get_name()))
        return await submit(request)
    rig.venue.submit_hedge = watched
    rig.feed(f.account_orders(f.order(5, coi=7, filled="0.0100", status="filled")))
    # No await since the frame: the hedge is already with the venue, its fill committed first.
    assert rig.venue.sent == [(D("-0.0100"), False)]
    assert at_submit == [(1, "hedge-now")]
    assert rig.desk.busy
    rig.venue.hold.set()
    await settle()
    assert rig.desk.hedge_position == D("-0.0100") and rig.desk.ledger.owed == 0
    assert not rig.desk.busy
    assert rig.journal.totals().intents_without_result == 0


async def test_a_fill_read_while_a_hedge_is_in_flight_waits_for_it_and_is_hedged_once(rig):
    rig.start_desk()
    await settle()
    rig.venue.hold = asyncio.Event()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    rig.feed(f.account_orders(f.order(6, filled="0.0040", status="filled")))
    rig.feed(f.account_orders(f.order(7, is_ask=True, filled="0.0010", status="filled")))
    await settle()
    assert rig.venue.sent == [(D("-0.0100"), False)]     # one hedge at a time
    rig.venue.hold.set()
    await settle()
    assert rig.venue.sent == [(D("-0.0100"), False), (D("-0.0030"), False)]   # netted, once
    assert rig.desk.hedge_position == D("-0.0130") and rig.desk.ledger.owed == 0
    assert rig.journal.totals().fills == 3


async def test_no_hedge_starts_from_the_reader_before_the_hedge_task_serves(rig):
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await settle()
    assert rig.venue.sent == []
    assert rig.desk.ledger.owed == D("-0.0100") and rig.desk.busy
    rig.start_desk()
    await settle()
    assert rig.venue.sent == [(D("-0.0100"), False)]


async def test_stopping_the_hedge_task_cancels_a_hedge_the_reader_started(rig):
    task = asyncio.create_task(rig.desk.run(), name="hedge")
    await settle()
    rig.venue.hold = asyncio.Event()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    started = rig.desk._started_now
    assert started is not None and not started.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert started.cancelled()
    assert rig.venue.sent == [(D("-0.0100"), False)]
