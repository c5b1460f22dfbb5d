"""A fill's hedge starts in the stream reader's step (no hop into the hedge task), the fill and
the hedge's intent committed together before it is sent, and still one hedge at a time: a fill read while a hedge is in flight waits
for it in the hedge task and is netted into the next hedge."""
from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from decimal import Decimal as D

from tests.harness import frames as f
from tests.harness.clock import settle


def committed_rows(rig) -> tuple[int, int]:
    """(fills, hedge intents) another connection can read: committed ones only."""
    other = sqlite3.connect(rig.journal.path)
    try:
        return tuple(other.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                     for table in ("fills", "hedge_intents"))
    finally:
        other.close()


async def test_the_hedge_is_sent_in_the_readers_step_with_its_fill_and_intent_committed(rig):
    rig.start_desk()
    await settle()                          # the hedge task is serving
    at_send = []
    submit = rig.venue.submit_hedge

    async def watched(request):
        def sending(client_id, amount):           # the write-ahead hook, right before the send
            before = committed_rows(rig)
            request.before_send(client_id, amount)
            at_send.append((before, committed_rows(rig), asyncio.current_task().get_name()))
        return await submit(replace(request, before_send=sending))
    rig.venue.submit_hedge = watched
    rig.feed(f.account_orders(f.order(5, coi=7, filled="0.0100", status="filled")))
    # No await since the frame: the hedge is already with the venue; the fill and the hedge's
    # intent were committed together right before it was sent.
    assert rig.venue.sent == [(D("-0.0100"), False)]
    assert at_send == [((0, 0), (1, 1), "hedge-now")]
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
    # The first hedge waits before its send (no intent yet): each frame's fill was committed
    # when the frame's handling ended.
    assert committed_rows(rig) == (3, 0)
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


class CommitFails:
    """The journal's connection, whose COMMIT fails as a full or broken disk makes it fail."""

    def __init__(self, db) -> None:
        self.db = db

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction

    def execute(self, sql, *args):
        if sql == "COMMIT":
            raise sqlite3.OperationalError("disk I/O error")
        return self.db.execute(sql, *args)


async def test_a_frame_whose_commit_fails_sends_no_hedge_and_stops_the_run(rig):
    rig.start()
    await rig.exit_reason(2)
    real = rig.journal._db
    rig.journal._db = CommitFails(real)
    try:
        rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    finally:
        rig.journal._db = real
    assert len(rig.venue.requests) == 1      # handed to the venue adapter...
    assert rig.venue.orders == {} and rig.venue.position_ == 0   # ...never sent: no intent
    assert committed_rows(rig) == (0, 0)
    assert rig.runner.exit_reason == "error:stream handler failed: OperationalError"


async def test_a_stopped_desk_starts_no_hedge_in_the_readers_step(rig):
    rig.start_desk()
    await settle()
    [task] = rig.extra_tasks
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await settle()
    assert rig.venue.requests == [] and rig.desk.ledger.owed == D("-0.0100")


async def test_stopping_the_desk_stops_the_hedge_it_started_in_the_readers_step(rig):
    rig.venue.hold = asyncio.Event()
    rig.start_desk()
    await settle()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    started = rig.desk._started_now
    assert started is not None and not started.done()   # at the venue, waiting for its answer
    [task] = rig.extra_tasks
    task.cancel()
    [outcome] = await asyncio.gather(task, return_exceptions=True)
    assert isinstance(outcome, asyncio.CancelledError) and started.cancelled()


async def test_a_desk_stopped_before_any_hedge_ends_cancelled_and_clean(rig):
    rig.start_desk()
    await settle()
    [task] = rig.extra_tasks
    task.cancel()
    [outcome] = await asyncio.gather(task, return_exceptions=True)
    assert isinstance(outcome, asyncio.CancelledError)
