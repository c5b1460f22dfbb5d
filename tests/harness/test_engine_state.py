"""What the engine shows the quoting and the operator, and how its tasks start and stop."""
from __future__ import annotations

import asyncio
from decimal import Decimal as D

from hedge.core.quoting import QuoteTarget
from tests.harness import frames as f
from tests.harness.fakes import HEDGE_SYMBOL, FakeHedgeVenue, calls_of
from tests.harness.rig import live_rig, trades_rows


async def test_the_view_prices_the_hedge_for_our_symbol_at_our_order_size(rig):
    asked = calls_of(rig.venue, "executable_price")
    view = rig.engine.market_view()
    assert asked == [(HEDGE_SYMBOL, D("0.0100"), False), (HEDGE_SYMBOL, D("0.0100"), True)]
    assert (view.hedge_sell_price, view.hedge_buy_price) == (D("1999.5"), D("2000.5"))


async def test_the_view_feeds_the_pricing_both_books_and_each_sides_hedge_depth(rig):
    await rig.live(bid="1999.00", ask="2001.00")
    observed, depths = [], []
    rig.engine.pricing.observe = lambda *prices: observed.append(prices[1:])

    def depth_base(symbol, is_buy, within_bps):
        depths.append((symbol, is_buy, within_bps))
        return D("7") if is_buy else D("3")
    rig.venue.depth_base = depth_base
    view = rig.engine.market_view()
    assert observed == [(D("1999.00"), D("2001.00"), D("1999.5"), D("2000.5"))]
    within = rig.engine.params.terms.depth_within_bps
    assert depths == [(HEDGE_SYMBOL, False, within), (HEDGE_SYMBOL, True, within)]
    # a bid's fill is hedged by a sale: the bid reads the depth a sale would take
    assert (view.hedge_bid_depth_base, view.hedge_ask_depth_base) == (D("3"), D("7"))


class DepthUnknown(FakeHedgeVenue):
    """A hedge venue that cannot tell its depth (as the lab's double without a book)."""

    @property
    def depth_base(self):
        raise AttributeError("depth_base")


async def test_a_hedge_venue_that_cannot_tell_its_depth_sizes_nothing_by_depth(rig):
    rig.engine.hedge_venue = DepthUnknown()
    view = rig.engine.market_view()
    assert (view.hedge_bid_depth_base, view.hedge_ask_depth_base) == (None, None)

async def test_the_view_shows_our_own_quotes_once_they_rest_and_while_they_move(rig):
    await rig.quotes.apply(QuoteTarget(D("1999.01"), D("2000.99")))
    view = rig.engine.market_view()
    assert (view.own_bid, view.own_ask) == (None, None)          # placing: not on the book yet
    for side, coi in ((s, rig.quotes.sides[s].client_order_index) for s in ("bid", "ask")):
        price = "1999.01" if side == "bid" else "2000.99"
        rig.feed(f.account_orders(f.order(7 if side == "bid" else 8, coi=coi, price=price,
                                          is_ask=side == "ask")))
    view = rig.engine.market_view()
    assert (view.own_bid, view.own_ask) == (D("1999.01"), D("2000.99"))
    await rig.clock.advance(1)
    await rig.quotes.apply(QuoteTarget(D("1998.50"), D("2000.99")))
    assert rig.quotes.sides["bid"].state == "modifying"
    assert rig.engine.market_view().own_bid == D("1998.50")      # moving: where it is going

async def test_the_view_shows_which_side_has_a_hedge_in_flight(rig):
    rig.venue.hold = asyncio.Event()
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
    await rig.settle()
    view = rig.engine.market_view()
    assert (view.bid_hedge_in_flight, view.ask_hedge_in_flight) == (True, False)
    assert view.position == D("0.0100")
    rig.feed(f.account_orders(f.order(6, is_ask=True, filled="0.0030", status="filled")))
    view = rig.engine.market_view()
    assert (view.bid_hedge_in_flight, view.ask_hedge_in_flight) == (True, True)
    assert view.position == D("0.0070")
    rig.venue.hold.set()
    await rig.settle()
    view = rig.engine.market_view()
    assert (view.bid_hedge_in_flight, view.ask_hedge_in_flight) == (False, False)


async def test_the_status_line_names_why_quoting_is_paused(rig):
    rig.engine._target = QuoteTarget(None, D("2000.99"), bid_off="max_position reached")
    assert " paused=(max_position reached) " in rig.engine.status_line()
    rig.engine._target = QuoteTarget(None, None, "no Lighter book", "no Lighter book")
    assert " paused=(no Lighter book) " in rig.engine.status_line()
    rig.engine._target = QuoteTarget(D("1999.01"), D("2000.99"))
    assert "paused" not in rig.engine.status_line()


async def test_the_first_stop_reason_wins_over_a_task_failing_afterwards(rig):
    rig.orders.hold = asyncio.Event()
    rig.start()
    await rig.settle()
    rig.engine.request_stop("signal")
    rig.orders.raise_on["place"] = RuntimeError("late")
    assert await rig.exit_reason(1) == "signal"


async def test_a_run_with_a_duration_ends_with_it(rig):
    assert await rig.runner.run(0.001) == "duration"
    await rig.runner.stop_all_tasks()


async def test_stopping_the_tasks_keeps_the_hedge_desk_for_the_shutdown(rig):
    rig.start()
    await rig.settle()
    await rig.engine.stop_tasks()
    running = {t.get_name() for t in rig.engine._tasks if not t.done()}
    assert running == {"hedge"}
    await rig.engine.stop_tasks(keep_hedging=False)
    assert all(t.done() for t in rig.engine._tasks)


async def test_fills_and_hedges_are_written_to_trades_csv(tmp_path):
    async with live_rig(tmp_path, trades_csv=True) as rig:
        rig.start_desk()
        rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
        await rig.settle()
    rows = [(r["venue"], r["role"], r["side"], r["size"], r["price"], r["fill_key"],
             r["client_id"]) for r in trades_rows(rig)]
    assert rows == [("lighter", "maker", "bid", "0.0100", "2000.00", "5-0.01", ""),
                    ("hedge", "hedge", "sell", "0.010", "1999.5", "5-0.01", "lh-5-0.01")]


async def test_the_quote_keeper_remembers_its_last_500_quotes(rig):
    rig.quotes.own_client_indexes.extend(range(600))
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None))
    assert len(rig.quotes.own_client_indexes) == 500
    assert rig.quotes.own_client_indexes[0] == 101
