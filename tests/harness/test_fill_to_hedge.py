"""A fill on the stream becomes exactly one hedge of the right side and size."""
from __future__ import annotations

from decimal import Decimal as D

from tests.harness import frames as f


async def test_buy_fill_becomes_one_sell_hedge_of_its_size(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, coi=7, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.venue.sent == [(D("-0.0100"), False)]
    assert rig.venue.requests[0].fill_key == (5, D("0.0100"))
    assert rig.engine.state.lighter_position == D("0.0100")
    assert rig.desk.hedge_position == D("-0.0100")
    assert rig.venue.position_ == D("-0.0100")
    assert rig.desk.ledger.owed == 0
    assert rig.desk.in_flight_sides == set()


async def test_sell_fill_becomes_one_buy_hedge_and_positions_mirror(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(6, coi=8, is_ask=True, filled="0.0040")))
    await rig.settle()
    assert rig.venue.sent == [(D("0.0040"), False)]
    assert rig.engine.state.lighter_position == D("-0.0040")
    assert rig.desk.hedge_position == D("0.0040")
    assert rig.desk.maker_filled_base == D("-0.0040")


async def test_partial_fills_of_one_order_are_hedged_by_their_deltas(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0030")))
    await rig.settle()
    rig.feed(f.account_orders(f.order(5, filled="0.0030")))          # repeated: nothing new
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.venue.sent == [(D("-0.0030"), False), (D("-0.0070"), False)]
    assert rig.engine.state.lighter_position == D("0.0100")
    assert rig.venue.position_ == D("-0.0100")


async def test_fills_in_one_frame_are_netted_into_one_hedge(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled"),
                              f.order(6, is_ask=True, filled="0.0040", status="filled"),
                              f.order(7, filled="0.0020")))
    await rig.settle()
    assert rig.venue.sent == [(D("-0.0080"), False)]
    assert rig.engine.state.lighter_position == D("0.0080")
    assert rig.venue.position_ == D("-0.0080")
    assert rig.journal.totals().fills == 3


async def test_fills_on_another_market_are_ignored(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(9, filled="0.0100", market=1, status="filled")))
    await rig.settle()
    assert rig.venue.requests == []
    assert rig.engine.state.lighter_position == 0
    assert rig.detector.fills_emitted == 0
    assert rig.journal.totals().fills == 0


async def test_a_fill_seen_again_after_a_restart_of_the_stream_is_not_hedged_twice(rig):
    rig.start_desk()
    filled = f.order(5, filled="0.0100", status="filled")
    rig.feed(f.account_orders(filled))
    await rig.settle()
    rig.feed(f.connected())
    rig.feed(f.account_orders(filled, snapshot=True))
    await rig.settle()
    assert rig.venue.sent == [(D("-0.0100"), False)]
    assert rig.engine.state.lighter_position == D("0.0100")


async def test_hedge_back_through_zero_is_not_sent_reduce_only(rig):
    """Long hedge 0.004 then a maker buy of 0.010: the sell of 0.010 crosses zero, so it may
    not be reduce-only (the venue would refuse it)."""
    rig.start_desk()
    rig.feed(f.account_orders(f.order(6, is_ask=True, filled="0.0040", status="filled")))
    await rig.settle()
    rig.feed(f.account_orders(f.order(7, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.venue.sent == [(D("0.0040"), False), (D("-0.0100"), False)]
    assert rig.venue.position_ == D("-0.0060")
    assert rig.desk.ledger.owed == 0


async def test_hedge_that_only_shrinks_the_position_is_reduce_only(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(6, is_ask=True, filled="0.0100", status="filled")))
    await rig.settle()
    rig.feed(f.account_orders(f.order(7, filled="0.0010", status="filled")))
    await rig.settle()
    assert rig.venue.sent == [(D("0.0100"), False), (D("-0.0010"), True)]
    assert rig.venue.position_ == D("0.0090")


async def test_in_a_running_engine_the_hedge_goes_out_before_the_clock_moves(rig):
    """No timer stands between a fill and its hedge: zero ticks."""
    rig.start()
    await rig.settle()
    before_s = rig.clock.now_s()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    assert rig.clock.now_s() == before_s
    assert rig.venue.sent == [(D("-0.0100"), False)]
    assert rig.venue.requests[0].fill_seen_ns == 1       # the frame's read stamp, carried through
