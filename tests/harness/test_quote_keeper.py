"""The quote keeper's decisions, and what a rejected or never-acknowledged transaction leaves in
its table (the table is what the next decision trusts)."""
from __future__ import annotations

import asyncio
from decimal import Decimal as D

from hedge.adapters.lighter.order_client import TxResult
from hedge.app.quote_keeper import SETTLE_TIMEOUT_S, QuoteKeeper
from hedge.core.quoting import QuoteTarget
from hedge.infra.rate_limit import TokenBucket
from hedge.infra.journal import Journal
from tests.harness import frames as f
from tests.harness.clock import FakeClock
from tests.harness.fakes import FakeOrderClient, rejected
from tests.harness.rig import SPEC, Options, build_rig

SIZE = D("0.0100")
BOTH = QuoteTarget(D("1999.01"), D("2000.99"))


def show(rig, *sides: str) -> None:
    """The stream shows the quotes open at their prices: until then each is a tx in flight,
    which the keeper never sends a second one for."""
    rig.feed(f.account_orders(*[
        f.order(100 + i, coi=rig.quotes.sides[side].client_order_index, is_ask=side == "ask",
                price=str(rig.quotes.sides[side].price))
        for i, side in enumerate(sides or ("bid", "ask")) if rig.quotes.sides[side]]))


def placed(rig) -> dict[str, int]:
    """Side -> client order index of the placements so far."""
    return {c[1]: c[4] for c in rig.orders.calls if c[0] == "place"}


async def test_an_empty_table_places_both_sides_journaled_first(rig):
    await rig.quotes.apply(BOTH)
    coi = placed(rig)
    assert rig.orders.calls == [("place", "bid", SIZE, D("1999.01"), coi["bid"]),
                                ("place", "ask", SIZE, D("2000.99"), coi["ask"])]
    assert rig.quotes.resting() == {"bid": D("1999.01"), "ask": D("2000.99")}
    assert rig.quotes.own_client_indexes == [coi["bid"], coi["ask"]]
    assert sorted(rig.journal.recent_orders(f.MARKET)) == sorted(coi.values())


async def test_a_keepers_own_client_indexes_start_above_the_clock_and_the_journal(tmp_path):
    """A single market's keeper draws its own indexes: above the wall clock's milliseconds x 64
    and above every index the journal holds (a restart never reuses one)."""
    clock, journal = FakeClock(), Journal(tmp_path / "j.sqlite")
    floor = int(clock.wall_s() * 1000) * 64
    try:
        for journaled in (None, floor + 1000):         # none yet; one from a clock running ahead
            if journaled is not None:
                journal.record_order(journaled, f.MARKET, "bid")
            quotes = QuoteKeeper(FakeOrderClient(), SPEC, SIZE, D(1), 0, journal=journal,
                                 clock=clock)
            await quotes.apply(QuoteTarget(D("1999.01"), None))
            assert quotes.own_client_indexes == [(journaled or floor) + 1]
    finally:
        journal.close()


async def test_a_move_within_the_tolerance_is_kept(rig):
    await rig.quotes.apply(BOTH)
    await rig.quotes.apply(QuoteTarget(D("1999.05"), D("2000.95")))   # 0.2 bps
    assert rig.orders.kinds() == ["place", "place"]


async def test_a_move_beyond_the_tolerance_is_one_modify(rig):
    await rig.quotes.apply(BOTH)
    coi = placed(rig)
    show(rig)
    await rig.quotes.apply(QuoteTarget(D("1998.50"), D("2000.99")))
    assert rig.orders.calls[2:] == [("modify", coi["bid"], SIZE, D("1998.50"))]
    assert rig.quotes.resting()["bid"] == D("1998.50")


async def test_a_quote_is_not_moved_before_its_minimum_lifetime(tmp_path):
    """A quote behind its target waits out its minimum life (one ahead would not: a fill on
    it loses money)."""
    rig = build_rig(tmp_path / "j.sqlite", Options(min_lifetime_ms=500))
    try:
        await rig.quotes.apply(BOTH)
        show(rig)
        await rig.clock.advance(0.499)
        await rig.quotes.apply(QuoteTarget(D("1999.50"), D("2000.99")))
        assert rig.orders.kinds() == ["place", "place"]
        await rig.clock.advance(0.001)
        await rig.quotes.apply(QuoteTarget(D("1999.50"), D("2000.99")))
        assert rig.orders.kinds() == ["place", "place", "modify"]
        show(rig)
        await rig.quotes.apply(QuoteTarget(None, D("2000.99")))      # down at once, always
        assert rig.orders.kinds()[-1] == "cancel"
    finally:
        await rig.close()


async def test_a_side_turned_off_is_canceled_and_stays_until_the_stream_says_so(rig):
    await rig.quotes.apply(BOTH)
    coi = placed(rig)
    show(rig)
    await rig.quotes.apply(QuoteTarget(None, D("2000.99")))
    assert rig.orders.calls[-1] == ("cancel", coi["bid"])
    assert rig.quotes.resting()["bid"] == D("1999.01")        # a cancel is not yet a fact
    rig.feed(f.account_orders(f.order(101, coi=coi["bid"], price="1999.01", status="canceled")))
    assert rig.quotes.resting()["bid"] is None
    await rig.quotes.apply(QuoteTarget(None, D("2000.99")))
    assert rig.orders.kinds() == ["place", "place", "cancel"]


async def test_apply_counts_the_quotes_it_placed_or_moved(rig):
    assert await rig.quotes.apply(BOTH) == 2
    show(rig)
    assert await rig.quotes.apply(BOTH) == 0                                   # both kept
    assert await rig.quotes.apply(QuoteTarget(D("1998.50"), D("2001.50"))) == 2
    show(rig)
    assert await rig.quotes.apply(QuoteTarget(None, None)) == 0                # taken down
    assert rig.orders.kinds() == ["place", "place", "modify", "modify", "cancel", "cancel"]


async def test_a_quote_in_flight_holds_only_its_own_side(rig):
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None))      # the stream has not shown it
    await rig.quotes.apply(BOTH)
    assert [c[:2] for c in rig.orders.calls] == [("place", "bid"), ("place", "ask")]


async def test_every_refused_transaction_is_counted(rig):
    rig.orders.answers = [rejected(), rejected()]
    await rig.quotes.apply(BOTH)
    assert rig.quotes.counters.tx_rejected == 2
    assert rig.quotes.resting() == {"bid": None, "ask": None}


async def test_a_placement_whose_answer_timed_out_holds_its_side_until_the_venue_is_asked(rig):
    """No answer in time: the order may rest, so the side is neither freed nor placed again;
    after the settle timeout the ghost check asks the venue about it."""
    rig.orders.answers = [TxResult(accepted=False, timed_out=True)]
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None))
    quote = rig.quotes.sides["bid"]
    assert quote is not None and quote.state == "placing"
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None))
    assert rig.orders.kinds() == ["place"]
    await rig.clock.advance(SETTLE_TIMEOUT_S)
    assert rig.quotes.overdue() == [("bid", quote)]


async def test_a_rejected_placement_leaves_no_quote_and_is_placed_again(rig):
    rig.orders.answers = [rejected(), ]
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None))
    assert rig.quotes.resting() == {"bid": None, "ask": None}
    assert rig.quotes.counters.tx_rejected == 1
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None))
    places = [c for c in rig.orders.calls if c[0] == "place"]
    assert len(places) == 2 and places[0][4] != places[1][4]
    assert rig.quotes.resting()["bid"] == D("1999.01")


async def test_a_rejected_modify_leaves_the_price_the_venue_still_has(rig):
    await rig.quotes.apply(QuoteTarget(D("1999.01"), D("2000.99"), bid_hedge_price=D("1999.5")))
    show(rig)
    rig.orders.answers = [rejected()]
    await rig.quotes.apply(QuoteTarget(D("1998.50"), D("2000.99"), bid_hedge_price=D("1999")))
    assert rig.quotes.resting()["bid"] == D("1999.01")
    assert rig.quotes.sides["bid"].hedge_price == D("1999.5")
    assert rig.quotes.counters.tx_rejected == 1
    await rig.quotes.apply(QuoteTarget(D("1998.50"), D("2000.99")))      # tried again
    assert rig.orders.kinds() == ["place", "place", "modify", "modify"]
    assert rig.quotes.resting()["bid"] == D("1998.50")


async def test_a_rejected_cancel_is_asked_about_then_canceled_again(rig):
    """One tx in flight per quote: a refused cancel leaves the quote canceling (no second
    cancel) until the ghost check asks the venue, which shows it still open."""
    await rig.quotes.apply(BOTH)
    coi = placed(rig)
    show(rig)
    rig.orders.answers = [rejected()]
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None))
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None))
    assert rig.orders.calls[2:] == [("cancel", coi["ask"])]
    assert rig.quotes.resting()["ask"] == D("2000.99")
    rig.rest.put_order(f.order(101, coi=coi["ask"], is_ask=True, price="2000.99"))
    await rig.clock.advance(3.0)
    assert await rig.engine.ghosts.check_once() == 1
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None))
    assert rig.orders.calls[2:] == [("cancel", coi["ask"])] * 2


async def test_a_placement_the_stream_never_shows_stays_in_the_table_and_is_not_doubled(rig):
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None))
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None))
    assert rig.orders.kinds() == ["place"]
    assert rig.quotes.sides["bid"].order_index is None
    await rig.quotes.apply(QuoteTarget(None, None))         # in flight: nothing sent on it
    assert rig.orders.kinds() == ["place"]


async def test_a_placement_in_transit_already_holds_its_side(rig):
    rig.orders.hold = asyncio.Event()
    task = asyncio.create_task(rig.quotes.apply(QuoteTarget(D("1999.01"), None)))
    await rig.settle()
    assert rig.quotes.resting()["bid"] == D("1999.01")
    coi = placed(rig)["bid"]
    rig.feed(f.account_orders(f.order(300, coi=coi, price="1999.01")))      # seen before answer
    assert rig.quotes.sides["bid"].order_index == 300
    rig.orders.hold.set()
    await task
    assert rig.quotes.sides["bid"].order_index == 300


async def test_terminal_statuses_free_the_side_and_post_only_rejects_are_counted(rig):
    await rig.quotes.apply(BOTH)
    coi = placed(rig)
    rig.feed(f.account_orders(f.order(1, coi=coi["bid"], status="canceled-post-only"),
                              f.order(2, coi=coi["ask"], is_ask=True, filled="0.0100",
                                      status="filled")))
    assert rig.quotes.resting() == {"bid": None, "ask": None}
    assert rig.quotes.counters.post_only_rejects == 1


async def test_an_open_update_keeps_the_quote(rig):
    await rig.quotes.apply(BOTH)
    coi = placed(rig)
    rig.feed(f.account_orders(f.order(1, coi=coi["bid"], price="1999.01", filled="0.0030")))
    assert rig.quotes.resting()["bid"] == D("1999.01")
    assert rig.quotes.sides["bid"].order_index == 1


async def test_placements_wait_for_the_rate_but_cancels_never_do(rig):
    keeper = QuoteKeeper(rig.orders, SPEC, SIZE, D(1), 0, TokenBucket(0.001, 1), clock=rig.clock)
    await keeper.apply(BOTH)
    assert rig.orders.kinds() == ["place"]
    assert keeper.counters.skipped_by_rate == 1
    keeper.on_order(f.parse(f.account_orders(f.order(
        100, coi=keeper.sides["bid"].client_order_index, price="1999.01"))).all_orders()[0])
    await keeper.apply(QuoteTarget(None, None))
    assert rig.orders.kinds() == ["place", "cancel"]


async def test_the_engine_takes_the_bid_down_while_its_hedge_is_in_flight(rig):
    rig.venue.hold = asyncio.Event()
    rig.start()
    await rig.settle()
    coi = placed(rig)
    rig.feed(f.account_orders(f.order(400, coi=coi["bid"], filled="0.0100", price="1999.01",
                                      status="filled")))
    await rig.clock.advance(0.05)
    assert rig.engine._target.bid_off == "bid hedge in flight"
    assert rig.engine._target.ask == D("2000.99")
    assert rig.quotes.resting()["bid"] is None               # filled: gone, not replaced
    assert rig.orders.kinds() == ["schedule_cancel_all", "place", "place"] or \
        rig.orders.kinds() == ["place", "place", "schedule_cancel_all"]
    rig.venue.hold.set()
    await rig.clock.advance(0.05)
    assert rig.orders.calls[-1][:2] == ("place", "bid")
