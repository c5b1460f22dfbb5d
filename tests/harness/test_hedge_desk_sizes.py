"""What the hedge desk sends for fills below the venue's minimum notional: padded and bought
back, or carried until a fill on the same side makes them tradable."""
from __future__ import annotations

from decimal import Decimal as D

from hedge.app.hedge_desk import HedgeDesk
from tests.harness import frames as f
from tests.harness.fakes import HEDGE_SYMBOL


async def test_a_small_fill_is_padded_past_the_minimum_and_the_pad_bought_back(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0020", status="filled")))   # ~4 < 5 USDT
    await rig.settle()
    assert rig.venue.sent == [(D("-0.003"), False), (D("0.001"), True)]
    assert rig.venue.position_ == D("-0.002") == rig.desk.hedge_position
    assert rig.desk.ledger.owed == 0 and rig.desk.carry == 0
    assert rig.desk.stats.orders == 2


async def test_a_fill_past_the_minimum_is_sent_as_it_is(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0030", status="filled")))   # ~6 USDT
    await rig.settle()
    assert rig.venue.sent == [(D("-0.0030"), False)]


async def test_what_is_below_one_step_stays_owed_after_the_hedge(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0036", status="filled")))
    await rig.settle()
    assert rig.venue.sent == [(D("-0.003"), False)]
    assert rig.desk.ledger.owed == D("-0.0006")


async def test_without_padding_a_small_fill_is_carried_and_the_next_same_side_fill_sends_it(rig):
    desk = HedgeDesk(rig.venue, HEDGE_SYMBOL, rig.journal, None, pad_small_hedges=False,
                     clock=rig.clock)
    rig.engine.desk = desk
    rig.desk = desk
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0020", status="filled")))
    await rig.settle()
    assert rig.venue.requests == []
    assert desk.carry == D("-0.002") and desk.in_flight_sides == set()
    view = rig.engine.market_view()
    assert view.hedge_carry == D("-0.002")
    assert desk.stats.failures == 0
    rig.feed(f.account_orders(f.order(6, filled="0.0020", status="filled")))
    await rig.settle()
    assert rig.venue.sent == [(D("-0.004"), False)]
    assert desk.carry == 0 and desk.ledger.owed == 0


async def test_with_no_price_to_judge_by_a_small_amount_is_carried(rig):
    rig.venue.book_fresh = False
    rig.desk.on_fill(_delta(), 0)                     # no hedge task: no fill price seen
    assert await rig.desk.hedge_now(None) is None
    assert rig.venue.requests == [] and rig.desk.carry == D("-0.002")


async def test_an_amount_below_one_step_waits_without_a_hedge(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0004", status="filled")))
    await rig.settle()
    assert rig.venue.requests == []
    assert rig.desk.ledger.owed == D("-0.0004") and rig.desk.in_flight_sides == set()
    assert rig.desk.unhedged_age_ms() == 0


async def test_the_unhedged_age_runs_on_the_clock_until_the_hedge_fills(rig):
    rig.venue.script = ["reject"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    await rig.clock.advance(2.5)
    assert rig.desk.unhedged_age_ms() == 2500
    await rig.desk.retry_owed()
    assert rig.desk.unhedged_age_ms() == 0
    assert rig.desk.stats.max_unhedged_ms == 2500
    assert rig.desk.stats.max_unhedged_base == D("0.0100")


async def test_pnl_counts_both_legs_the_open_position_and_the_taker_fee(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", price="1990.00", status="filled")))
    await rig.settle()
    # bought 0.01 at 1990, sold 0.01 at 1999.5: +0.095; fee 2 bps of 19.995 = 0.003999
    assert rig.desk.pnl_quote(D("2000"), D(2)) == D("0.095") - D("0.003999")
    assert rig.desk.pnl_quote(None, D(0)) == D("0.095")


async def test_an_open_maker_position_is_marked_at_the_mid(rig):
    rig.venue.script = ["reject"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", price="1990.00", status="filled")))
    await rig.settle()
    assert rig.desk.pnl_quote(D("2000"), D(0)) == D("0.1")       # long 0.01 from 1990
    assert rig.desk.pnl_quote(None, D(0)) == D("-19.9")


def _delta():
    from hedge.core.types import FillDelta
    return FillDelta(order_index=5, client_order_index=0, market_id=0, is_ask=False,
                     size=D("0.002"), price=D("2000"), cum_filled_base=D("0.002"),
                     cum_filled_quote=D("4"), status="filled")
