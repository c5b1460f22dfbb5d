"""`check_position`, the backstop: look twice, find missed fills over REST, kill after three."""
from __future__ import annotations

import asyncio
from decimal import Decimal as D

from tests.harness import frames as f
from tests.harness.fakes import calls_of
from tests.harness.rig import Options, build_rig


async def check(rig) -> str | None:
    """One check, with the clock moved through its recheck pause."""
    task = asyncio.create_task(rig.engine.check_position())
    await rig.clock.advance(1.0)
    return await task


async def test_agreeing_positions_are_read_once_and_reset_the_count(rig):
    rig.engine.state.position_mismatches = 2
    assert await check(rig) is None
    assert rig.rest.calls == [("account_position", f.MARKET)]
    assert rig.engine.state.position_mismatches == 0


async def test_a_difference_gone_on_the_second_look_is_no_mismatch(rig):
    rig.rest.position_answers = [D("0.0100"), D("0")]
    task = asyncio.create_task(rig.engine.check_position())
    await rig.settle()
    assert not task.done()                      # it waits before looking again
    await rig.clock.advance(0.999)
    assert not task.done()
    await rig.clock.advance(0.001)
    assert await task is None
    assert rig.rest.calls == [("account_position", f.MARKET)] * 2
    assert rig.engine.state.position_mismatches == 0


async def test_three_mismatches_in_a_row_kill(rig):
    rig.rest.positions[f.MARKET] = D("-0.0300")
    assert await check(rig) is None
    assert await check(rig) is None
    assert rig.engine.state.position_mismatches == 2
    assert await check(rig) == "position_mismatch (Lighter -0.0300, fills seen 0)"
    assert rig.engine.state.account_stream_suspect == ""     # REST explained nothing


async def test_an_agreeing_check_between_mismatches_starts_the_count_again(rig):
    rig.rest.positions[f.MARKET] = D("-0.0300")
    await check(rig)
    await check(rig)
    rig.rest.positions[f.MARKET] = D("0")
    await check(rig)
    rig.rest.positions[f.MARKET] = D("-0.0300")
    assert await check(rig) is None
    assert rig.engine.state.position_mismatches == 1


async def test_kill_on_mismatch_off_only_counts(tmp_path):
    rig = build_rig(tmp_path / "j.sqlite", Options(kill_on_mismatch=False))
    try:
        rig.rest.positions[f.MARKET] = D("0.0300")
        for _ in range(4):
            assert await check(rig) is None
        assert rig.engine.state.position_mismatches == 4
    finally:
        await rig.close()


async def test_a_rest_failure_is_no_verdict(rig):
    rig.rest.failures_left = 1
    rig.rest.positions[f.MARKET] = D("0.0300")
    assert await check(rig) is None
    assert rig.engine.state.position_mismatches == 0


async def test_fills_the_stream_missed_are_found_over_rest_hedged_and_mark_it_suspect(rig):
    coi = 77
    rig.quotes.own_client_indexes.append(coi)
    rig.rest.put_order(f.order(9, coi=coi, is_ask=True, filled="0.0100", status="filled"))
    rig.rest.positions[f.MARKET] = D("-0.0100")
    rig.start_desk()
    assert rig.engine.market_view().can_see_fills
    assert await check(rig) is None            # the first mismatch, explained by REST
    await rig.settle()
    assert rig.engine.state.fills_found_by_rest == 1
    assert rig.engine.state.account_stream_suspect == "fills missing from the account stream"
    assert not rig.engine.market_view().can_see_fills
    assert rig.engine.state.lighter_position == D("-0.0100")
    assert rig.venue.sent == [(D("0.0100"), False)]
    assert await check(rig) is None
    assert rig.engine.state.position_mismatches == 0        # now they agree


async def test_reconcile_after_a_resubscription_hedges_fills_finished_meanwhile(rig):
    coi = 78
    rig.quotes.own_client_indexes.append(coi)
    rig.start_desk()
    rig.feed(f.account_orders(f.order(9, coi=coi, filled="0.0040")))
    await rig.settle()
    rig.rest.put_order(f.order(9, coi=coi, filled="0.0100", status="filled"))
    rig.feed(f.connected())
    rig.feed(f.account_orders(snapshot=True))      # the order is gone from the snapshot
    await rig.settle()
    assert rig.venue.sent == [(D("-0.0040"), False)]  # reconciles come 5 s apart at most
    await rig.clock.advance(5.0)
    assert rig.venue.sent == [(D("-0.0040"), False), (D("-0.0060"), False)]
    assert rig.engine.state.fills_found_by_rest == 1
    assert ("orders", (coi,)) in rig.rest.calls
    assert rig.engine.unattributed_fills == 0


async def test_a_lasting_difference_is_read_twice_a_check_for_our_account(rig):
    asked = calls_of(rig.rest, "account_position")
    rig.rest.positions[f.MARKET] = D("-0.0300")
    assert await check(rig) is None
    assert [call[:2] for call in asked] == [(f.ACCOUNT, f.MARKET)] * 2


async def test_markets_sharing_one_account_read_ask_it_for_their_own_market(tmp_path):
    asked = []

    async def positions(market_id):
        asked.append(market_id)
        return D("0.0100") if market_id == f.MARKET else D("0")
    rig = build_rig(tmp_path / "j.sqlite", positions=positions)
    try:
        rig.engine.state.lighter_position = D("0.0100")
        assert await check(rig) is None
        assert asked == [f.MARKET] and rig.rest.calls == []
    finally:
        await rig.close()
