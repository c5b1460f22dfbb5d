"""The engine's timed loops on the fake clock: the dead-man's switch, the hedge book, the status
line, the REST reconcile, the position check; and the startup cancel-all."""
from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest

from hedge.adapters.lighter.request_budget import REQUEST_OWNER
from hedge.app.lifecycle import cancel_everything, wait_for_hedges
from tests.harness import frames as f
from tests.harness.fakes import HEDGE_SYMBOL
from tests.harness.rig import build_rig


async def test_the_dead_mans_switch_is_scheduled_once_and_renewed_near_its_time(rig):
    rig.start()
    await rig.settle()
    schedule = ("schedule_cancel_all", 330_000)          # 300 s + a 30 s margin, in ms
    assert rig.orders.calls.count(schedule) == 1
    await rig.clock.advance(209.9)                       # renewed 120 s before it would fire
    assert rig.orders.calls.count(schedule) == 1
    await rig.clock.advance(0.1)
    dms = [c for c in rig.orders.calls if c[0] in ("schedule_cancel_all",
                                                    "abort_scheduled_cancel_all")]
    assert dms == [schedule, ("abort_scheduled_cancel_all",), schedule]


async def test_a_refused_schedule_is_tried_again_on_time(rig):
    rig.orders.refuse.add("schedule_cancel_all")
    rig.start()
    await rig.clock.advance(10)                          # every 5 s after a failure
    assert [c for c in rig.orders.calls if c[0] == "schedule_cancel_all"] == [
        ("schedule_cancel_all", 330_000)] * 3
    assert rig.runner.dead_mans_switch.stats.failures == 3


async def test_the_hedge_book_task_watches_the_hedge_symbol(rig):
    rig.start()
    await rig.settle()
    assert rig.venue.watching == [HEDGE_SYMBOL]
    await rig.clock.advance(1.0)
    assert not rig.run_task.done()


async def test_a_dead_hedge_book_feed_stops_the_run_naming_it(tmp_path):
    rig = build_rig(tmp_path / "journal.sqlite")
    rig.venue.watch_error = ConnectionError("feed gone")
    try:
        rig.start()
        assert await rig.exit_reason(1) == "error:hedge-book task failed: ConnectionError"
    finally:
        await rig.close()


async def test_the_status_line_says_where_things_stand(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.runner.status_line() == (
        "[STATUS] markets=1 unhedged=0.00 | ETH: mid=2000.00 bid=None ask=None "
        "lighter_pos=0.0100 hedge_pos=-0.010 fills=1 hedges=1 owed=0.0000 last_fill_to_hedge=- "
        "| lighter_tx=0 lighter_requests=0 lighter_budget=0/1000000 per 60s")


async def test_a_fill_on_an_order_this_run_did_not_place_is_hedged_and_counted(rig):
    rig.start_desk()
    rig.quotes.own_client_indexes.append(7)
    rig.feed(f.account_orders(f.order(5, coi=7, filled="0.0030"),
                              f.order(6, coi=99, filled="0.0030")))
    await rig.settle()
    assert rig.engine.unattributed_fills == 1
    assert rig.venue.sent == [(D("-0.0060"), False)]


async def test_reconcile_asks_only_for_the_newest_40_quotes_and_survives_rest_failing(rig):
    rig.quotes.own_client_indexes.extend(range(1, 51))
    await rig.engine.reconcile_orders()
    assert rig.rest.calls == [("orders", tuple(range(11, 51)))]
    rig.rest.failures_left = 1
    await rig.engine.reconcile_orders()                   # no exception: tried next time
    assert rig.engine.state.fills_found_by_rest == 0


async def test_reconcile_ignores_orders_of_other_markets(rig):
    rig.quotes.own_client_indexes.append(3)
    rig.rest.put_order(f.order(9, coi=3, filled="0.0100", market=1, status="filled"))
    await rig.engine.reconcile_orders()
    assert rig.engine.state.fills_found_by_rest == 0 and rig.detector.fills_emitted == 0


async def test_cancel_everything_waits_until_rest_shows_nothing(rig):
    rig.rest.active = [object(), object()]

    async def venue_clears():
        await rig.clock.advance(0.3)
        rig.rest.active = []
    import asyncio
    cleared = asyncio.create_task(venue_clears())
    left = await _cancel(rig, cleared)
    assert left == 0
    assert rig.orders.calls == [("cancel_all",)]


async def test_cancel_everything_reports_what_still_rests_at_the_deadline(rig):
    rig.rest.active = [object(), object()]
    assert await _cancel(rig) == 2


async def test_cancel_everything_counts_an_unreadable_venue_as_not_clear(rig):
    rig.rest.failures_left = 10_000
    assert await _cancel(rig) == 1


async def test_wait_for_hedges_retries_what_is_left(rig):
    rig.venue.script = ["reject"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    await wait_for_hedges(rig.desk, timeout_s=1.0)
    assert rig.venue.sent == [(D("-0.0100"), False)] * 2
    assert rig.desk.ledger.owed == 0


async def _cancel(rig, *tasks):
    import asyncio
    call = asyncio.create_task(cancel_everything(rig.orders, rig.rest, f.ACCOUNT, f.MARKET,
                                                 "token", timeout_s=1.0, clock=rig.clock))
    for _ in range(100):        # the looks back off (0.25 s doubling to 2 s): past the deadline
        if call.done():
            break
        await rig.clock.advance(0.1)
    for task in tasks:
        await task
    return await call


def position_reads(rig, hold: asyncio.Event | None = None) -> list[float]:
    """When the engine asked Lighter for its position (optionally, each read stalls)."""
    times: list[float] = []
    answer = rig.rest.account_position

    async def timed(*args, **kwargs):
        times.append(rig.clock.now_s())
        if hold is not None:
            await hold.wait()
        return await answer(*args, **kwargs)
    rig.rest.account_position = timed
    return times


async def run_for(rig, seconds: int) -> None:
    rig.start()
    try:
        for _ in range(seconds * 10):
            await rig.clock.advance(0.1)
    finally:
        await rig.close()


async def test_the_position_is_checked_every_position_check_s(rig):
    times = position_reads(rig)
    await rig.live()
    await run_for(rig, 11)
    assert times == [1005.0, 1010.0]                  # Options.position_check_s = 5


async def test_a_position_check_that_stalls_is_never_started_twice(rig):
    times = position_reads(rig, hold=asyncio.Event())
    await rig.live()
    await run_for(rig, 11)
    assert times == [1005.0]


def reconcile_reads(rig, hold: asyncio.Event | None = None) -> list[tuple]:
    """When the engine read its orders over REST, for which account, with which token
    (optionally, each read stalls until `hold` is set)."""
    reads: list[tuple] = []
    read = rig.rest.orders_in_chunks

    async def recorded(account, indexes, token):
        reads.append((rig.clock.now_s(), account, token))
        if hold is not None:
            await hold.wait()
        async for chunk in read(account, indexes, token):
            yield chunk
    rig.rest.orders_in_chunks = recorded
    return reads


def snapshot(rig) -> None:
    rig.feed(f.account_orders(snapshot=True))


async def test_snapshots_in_quick_succession_share_one_reconcile(rig):
    await rig.clock.advance(10)                    # past the gap after the rig's own snapshot
    rig.quotes.own_client_indexes.append(7)
    reads = reconcile_reads(rig)
    snapshot(rig)
    snapshot(rig)
    await rig.settle()
    assert reads == [(1010.0, f.ACCOUNT, "harness-token")]
    await rig.clock.advance(4.5)
    snapshot(rig)                                  # half a second before the gap is over
    await rig.clock.advance(0.499)
    assert len(reads) == 1
    await rig.clock.advance(0.001)
    assert [r[0] for r in reads] == [1010.0, 1015.0]
    await rig.clock.advance(20)
    assert len(reads) == 2                         # nothing more was asked for


async def test_a_snapshot_during_a_reconcile_runs_one_more_after_it(rig):
    rig.quotes.own_client_indexes.append(7)
    hold = asyncio.Event()
    await rig.clock.advance(10)                    # past the gap after the rig's own snapshot
    reads = reconcile_reads(rig, hold)
    snapshot(rig)
    await rig.settle()
    snapshot(rig)                                  # the first is still reading
    snapshot(rig)
    hold.set()
    await rig.clock.advance(5)
    await rig.clock.advance(20)
    assert [r[0] for r in reads] == [1010.0, 1015.0]


async def test_stopping_the_engine_waits_for_each_of_its_tasks(rig):
    rig.start()
    await rig.clock.advance(0.5)
    tasks = list(rig.engine._tasks)
    assert tasks and not any(t.done() for t in tasks)
    await rig.engine.stop_all_tasks()
    assert all(t.done() for t in tasks)
    await rig.close()


async def test_a_position_check_that_fails_unexpectedly_stops_the_run_naming_it(rig):
    async def broken():
        raise RuntimeError("journal gone")
    rig.engine.check_position = broken
    await rig.live()
    rig.start()
    try:
        assert await rig.exit_reason(120, 0.05) == "error:position-check failed: RuntimeError"
    finally:
        await rig.close()


async def test_a_retry_of_what_is_owed_that_stalls_is_never_started_twice(rig):
    started = []

    async def stalled():
        started.append(rig.clock.now_s())
        await asyncio.Event().wait()
    rig.desk.retry_owed = stalled
    await rig.live()
    await run_for(rig, 11)
    assert len(started) == 1


def break_risk_watch(rig) -> None:
    def broken():
        raise ZeroDivisionError("planted")
    rig.engine.risk_snapshot = broken


def break_ghost_check(rig) -> None:
    async def broken():
        raise KeyError("planted")
    rig.engine.ghosts.run = broken


@pytest.mark.parametrize("break_it,reason", [
    (break_risk_watch, "error:watch task failed: ZeroDivisionError"),
    (break_ghost_check, "error:ghost-quotes task failed: KeyError"),
])
async def test_a_failing_engine_task_stops_the_run_naming_it(rig, break_it, reason):
    break_it(rig)
    rig.start()
    try:
        assert await rig.exit_reason(10) == reason
    finally:
        await rig.close()


async def test_the_engines_requests_are_made_as_its_market(rig):
    owners = []
    place = rig.orders.create_post_only

    async def recorded(*args):
        owners.append(REQUEST_OWNER.get())
        return await place(*args)
    rig.orders.create_post_only = recorded
    await rig.live()
    rig.start()
    try:
        await rig.clock.advance(0.5)
    finally:
        await rig.close()
    assert owners and set(owners) == {"ETH"}
