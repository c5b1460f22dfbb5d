"""The kill switch trips for each reason, and the run stops with exactly that reason."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.harness import frames as f
from tests.harness.rig import Options, build_rig, limits

BUY_FILL = f.account_orders(f.order(5, filled="0.0100", status="filled"))


async def run_until_stopped(tmp_path, options: Options, *, script=(), ticks=400, setup=None):
    rig = build_rig(tmp_path / "journal.sqlite", options)
    rig.venue.script = list(script)
    try:
        await rig.live()
        rig.rest.positions[f.MARKET] = D("0.0100")     # Lighter knows the fill below
        if setup is not None:
            setup(rig)
        rig.start()
        rig.feed(BUY_FILL)
        reason = await rig.exit_reason(ticks)
        return reason, rig
    finally:
        await rig.close()


async def test_hedge_venue_halted(tmp_path):
    reason, rig = await run_until_stopped(tmp_path, Options(), script=["halt"], ticks=3)
    assert reason == "kill_switch:hedge_halted (API key rejected)"


async def test_unhedged_too_long(tmp_path):
    options = Options(limits=limits(max_hedge_failures=100))
    reason, rig = await run_until_stopped(tmp_path, options, script=["reject"] * 100)
    assert reason == "kill_switch:unhedged_age (5100 ms > 5000 ms)"
    assert len(rig.venue.requests) == 6          # the fill's hedge, then one retry a second


async def test_unhedged_too_large(tmp_path):
    options = Options(limits=limits(max_unhedged_base=D("0.005")))
    reason, _ = await run_until_stopped(tmp_path, options, script=["reject"], ticks=3)
    assert reason == "kill_switch:unhedged_size (0.0100 > 0.005)"


async def test_too_many_hedge_failures_pause_the_market_until_the_venue_answers_again(tmp_path):
    rig = build_rig(tmp_path / "journal.sqlite")
    rig.venue.script = ["reject"] * 3
    try:
        await rig.live()
        rig.rest.positions[f.MARKET] = D("0.0100")     # Lighter knows the fill below
        rig.start()
        rig.feed(BUY_FILL)
        assert await rig.exit_reason(50) == ""                      # 2.5 s: three rejects
        assert rig.engine.state.paused_reason == "hedge_failures (3 in a row)"
        rig.feed(f.account_orders())                                # the stream carries on
        assert await rig.exit_reason(30) == ""                      # the 4th try filled
        assert rig.desk.ledger.owed == 0
        assert rig.engine.state.paused_reason                       # not before 30 s clear
        for _ in range(10):
            rig.feed(f.account_orders())
            assert await rig.exit_reason(70) == ""
        assert rig.engine.state.paused_reason == ""                 # resumed
        assert rig.desk.stats.consecutive_failures == 0
    finally:
        await rig.close()


async def test_a_silent_stream_pauses_the_market_and_it_resumes_once_frames_are_back(tmp_path):
    rig = build_rig(tmp_path / "journal.sqlite")
    try:
        await rig.live()
        rig.rest.positions[f.MARKET] = D("0.0100")
        rig.start()
        rig.feed(BUY_FILL)
        assert await rig.exit_reason(210) == ""
        assert rig.engine.state.paused_reason == "stale_stream (10100 ms without a frame)"
        for _ in range(20):                                         # 35 s of frames again
            rig.feed(f.account_orders())
            assert await rig.exit_reason(35) == ""
        assert rig.engine.state.paused_reason == ""
    finally:
        await rig.close()


async def test_a_paused_market_still_trips_its_kill_switch(tmp_path):
    options = Options(limits=limits(max_hedge_failures=100))
    rig = build_rig(tmp_path / "journal.sqlite", options)
    try:
        await rig.live()
        rig.start()
        assert await rig.exit_reason(210) == ""
        assert rig.engine.state.paused_reason.startswith("stale_stream")
        rig.venue.script = ["reject"] * 200
        rig.rest.positions[f.MARKET] = D("0.0100")
        rig.feed(BUY_FILL)                          # a fill the venue will not hedge
        reason = await rig.exit_reason(200)
        assert reason.startswith("kill_switch:unhedged_age"), reason
    finally:
        await rig.close()


async def test_loss_beyond_the_limit(tmp_path):
    # bought 0.01 at 2000.00 on Lighter, sold it at 1999.5 on the hedge venue: -0.005
    options = Options(limits=limits(max_loss_quote=D("0.004")))
    reason, _ = await run_until_stopped(tmp_path, options, ticks=3)
    assert reason == "kill_switch:loss (-0.005000 < -0.004)"


async def test_position_mismatch_after_three_checks(tmp_path):
    options = Options(position_check_s=1.0)

    def venue_says_more(rig):
        rig.rest.positions[f.MARKET] = D("0.0200")
    reason, rig = await run_until_stopped(tmp_path, options, setup=venue_says_more)
    assert reason == "kill_switch:position_mismatch (Lighter 0.0200, fills seen 0.0100)"
    assert rig.engine.state.position_mismatches == 3


async def test_a_failing_stream_handler_stops_the_run(tmp_path):
    rig = build_rig(tmp_path / "journal.sqlite")
    try:
        await rig.live()
        rig.start()
        await rig.settle()
        rig.journal.close()                     # the disk goes away under the journal
        rig.feed(BUY_FILL)
        reason = await rig.exit_reason(1)
        assert reason == "error:stream handler failed: ProgrammingError"
        assert rig.venue.requests == []
    finally:
        await rig.close()


@pytest.mark.parametrize("call, task", [("schedule_cancel_all", "dead-mans-switch"),
                                        ("place", "quote")])
async def test_a_failing_task_stops_the_run_naming_it(tmp_path, call, task):
    rig = build_rig(tmp_path / "journal.sqlite")
    rig.orders.raise_on[call] = RuntimeError("signer gone")
    try:
        await rig.live()
        rig.start()
        reason = await rig.exit_reason(1)
        assert reason == f"error:{task} task failed: RuntimeError"
    finally:
        await rig.close()


async def test_the_first_reason_is_kept(tmp_path):
    rig = build_rig(tmp_path / "journal.sqlite")
    try:
        rig.engine.request_stop("signal")
        rig.engine.request_stop("kill_switch:later")
        assert rig.engine.state.exit_reason == "signal"
    finally:
        await rig.close()
