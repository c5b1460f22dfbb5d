"""What the counters and the status line say: every kind counted, each once, and nothing
invented when a part is missing (the operator reads these to judge a run)."""
from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace

from hedge.adapters.lighter.order_client import OrderCounters
from hedge.core.quoting import QuoteTarget
from tests.harness import frames as f
from tests.harness.fakes import calls_of


async def test_the_transactions_sent_count_every_kind_once(rig):
    c = rig.orders.counters
    c.orders_placed, c.orders_modified, c.orders_canceled, c.cancel_alls = 1, 2, 4, 8
    assert rig.engine.lighter_use().startswith("lighter_tx=15 lighter_requests=0 ")


async def test_without_a_budget_or_counters_the_use_says_unknown_rather_than_zero(rig):
    rig.engine.orders = SimpleNamespace(counters=OrderCounters(orders_placed=2))
    assert rig.engine.lighter_use() == "lighter_tx=2 lighter_budget=-"
    rig.engine.orders = SimpleNamespace()
    assert rig.engine.lighter_use() == "lighter_tx=- lighter_budget=-"


async def test_the_status_line_names_the_pause_and_both_sides_off(rig):
    rig.engine._target = QuoteTarget(None, None, "no Lighter book", "max_position reached")
    rig.engine.state.paused_reason = "loss (-12 < -10)"
    assert (" PAUSED(loss (-12 < -10)) paused=(max_position reached; no Lighter book) "
            in rig.engine.status_line())


async def test_the_status_line_shows_the_last_hedges_times(rig):
    rig.desk.stats.submit_ms.append(1.25)
    rig.desk.stats.ack_ms.append(3.5)
    assert rig.engine.status_line().endswith(" last_fill_to_hedge=1.25/3.50 ms")


async def test_each_fill_on_an_order_this_run_did_not_place_is_counted(rig):
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, coi=98, filled="0.0030")))
    rig.feed(f.account_orders(f.order(6, coi=99, filled="0.0030")))
    await rig.settle()
    assert rig.engine.unattributed_fills == 2


async def test_a_fill_tells_the_pricing_which_side_traded(rig):
    seen = []
    rig.engine.pricing.on_fill = lambda now_s, side, price: seen.append((side, price))
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0030", is_ask=True, price="2001.00"),
                              f.order(6, filled="0.0030", price="1999.00")))
    await rig.settle()
    assert seen == [("ask", D("2001.00")), ("bid", D("1999.00"))]


async def test_every_hedge_that_fails_unexpectedly_is_counted(rig):
    rig.venue.script = ["raise", "raise"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    rig.feed(f.account_orders(f.order(6, filled="0.0100", status="filled")))
    await rig.settle()
    assert (rig.desk.stats.failures, rig.desk.stats.consecutive_failures) == (2, 2)


async def test_with_no_hedge_book_a_small_fill_is_padded_by_its_own_price(rig):
    rig.venue.book_fresh = False
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0020", status="filled")))   # ~4 < 5 USDT
    await rig.settle()
    assert rig.venue.sent[0] == (D("-0.003"), False) and rig.desk.carry == 0


async def test_post_only_refusals_are_counted_and_other_cancels_are_not(rig):
    await rig.quotes.apply(QuoteTarget(D("1999.01"), D("2000.99")))
    bid, ask = (rig.quotes.sides[s].client_order_index for s in ("bid", "ask"))
    rig.feed(f.account_orders(f.order(7, coi=bid, price="1999.01",
                                      status="canceled-post-only")))
    rig.feed(f.account_orders(f.order(8, coi=ask, is_ask=True, price="2000.99",
                                      status="canceled")))
    await rig.settle()
    assert rig.quotes.counters.post_only_rejects == 1
    await rig.quotes.apply(QuoteTarget(D("1999.01"), D("2000.99")))
    bid = rig.quotes.sides["bid"].client_order_index
    rig.feed(f.account_orders(f.order(9, coi=bid, price="1999.01",
                                      status="canceled-post-only")))
    await rig.settle()
    assert rig.quotes.counters.post_only_rejects == 2


async def test_a_fill_the_ghost_check_finds_over_rest_is_hedged_and_counted_as_found_by_rest(rig):
    asked = calls_of(rig.rest, "orders_by_client_index")
    rig.start_desk()
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None))
    coi = rig.quotes.sides["bid"].client_order_index
    rig.rest.put_order(f.order(101, coi=coi, price="1999.01", filled="0.0100", status="filled"))
    await rig.clock.advance(3.0)                   # unconfirmed past the settle timeout
    await rig.engine.ghosts.check_once()
    await rig.settle()
    assert [call[0] for call in asked] == [f.ACCOUNT]       # the account asked about
    assert rig.engine.state.fills_found_by_rest == 1
    assert rig.venue.sent == [(D("-0.0100"), False)] and rig.desk.ledger.owed == 0


async def test_the_risk_snapshot_marks_what_is_unhedged_at_the_mid(rig):
    rig.venue.script = ["reject"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", price="1990.00", status="filled")))
    await rig.settle()
    assert rig.desk.ledger.owed == D("-0.0100")            # the hedge was refused
    # bought 0.01 at 1990, worth 0.01 x the 2000 mid: 0.10 up
    assert rig.engine.risk_snapshot().pnl_quote == D("0.1")


async def test_a_retry_hedges_a_whole_unit_owed(rig):
    rig.venue.script = ["reject"]
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="1.0000", initial="1.0000", is_ask=True,
                                      status="filled")))
    await rig.settle()
    assert rig.desk.ledger.owed == D("1")
    await rig.desk.retry_owed()
    assert rig.venue.sent == [(D("1.000"), False)] * 2 and rig.desk.ledger.owed == 0
