"""The quote table between a transaction and the stream: which market each transaction names,
what counts as waiting for an answer (never overdue) or for the stream (overdue after the settle
timeout), the hedge price each version of a quote assumed, the venue's price over ours, the
volume quota's probe and pauses, and a ghost that turns up after all (adopted, or canceled once)."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal as D

import pytest

from hedge.app.quote_keeper import QUOTA_PROBE_S, SETTLE_TIMEOUT_S, QuoteKeeper
from hedge.core.quoting import QuoteTarget
from tests.harness import frames as f
from tests.harness.clock import FakeClock
from tests.harness.fakes import FakeOrderClient
from tests.harness.rig import SPEC

BID = QuoteTarget(D("1999.01"), None, bid_hedge_price=D("1999.5"))


def open_at(rig, coi: int, price: str, order_index: int = 100, status: str = "open") -> None:
    rig.feed(f.account_orders(f.order(order_index, coi=coi, price=price, status=status)))


def coi_of(rig, side: str = "bid") -> int:
    return rig.quotes.sides[side].client_order_index


class MarketsNamed(FakeOrderClient):
    """Records the market each transaction names."""

    def __init__(self) -> None:
        super().__init__()
        self.markets: list[tuple[str, int]] = []

    async def create_post_only(self, market_id, *args):
        self.markets.append(("place", market_id))
        return await super().create_post_only(market_id, *args)

    async def modify(self, market_id, *args):
        self.markets.append(("modify", market_id))
        return await super().modify(market_id, *args)

    async def cancel(self, market_id, *args):
        self.markets.append(("cancel", market_id))
        return await super().cancel(market_id, *args)


async def test_every_transaction_names_the_keepers_market():
    orders = MarketsNamed()
    quotes = QuoteKeeper(orders, replace(SPEC, market_id=2), D("0.01"), D(1), 0, clock=FakeClock())
    await quotes.apply(QuoteTarget(D("1999.01"), D("2000.99")))
    for side in ("bid", "ask"):
        quote = quotes.sides[side]
        update = f.parse(f.account_orders(f.order(
            7, coi=quote.client_order_index, is_ask=side == "ask", price=str(quote.price),
            market=2))).all_orders()[0]
        quotes.on_order(update)
    await quotes.apply(QuoteTarget(D("1998.50"), None))
    assert orders.markets == [("place", 2), ("place", 2), ("modify", 2), ("cancel", 2)]


@pytest.mark.parametrize("state", ["placing", "modifying"])
async def test_a_transaction_on_its_way_is_never_overdue_its_unconfirmed_answer_is(rig, state):
    target = BID
    if state == "modifying":
        await rig.quotes.apply(BID)
        open_at(rig, coi_of(rig), "1999.01")
        target = QuoteTarget(D("1998.50"), None)
    rig.orders.hold = gate = asyncio.Event()
    sending = asyncio.create_task(rig.quotes.apply(target))
    await rig.settle()
    await rig.clock.advance(SETTLE_TIMEOUT_S + 2)
    assert rig.quotes.sides["bid"].state == state and rig.quotes.overdue() == []
    gate.set()
    await sending
    await rig.clock.advance(SETTLE_TIMEOUT_S - 0.5)
    assert rig.quotes.overdue() == []
    await rig.clock.advance(0.5)
    assert [side for side, _ in rig.quotes.overdue()] == ["bid"]


async def test_a_cancel_on_its_way_is_never_overdue(rig):
    await rig.quotes.apply(BID)
    open_at(rig, coi_of(rig), "1999.01")
    rig.orders.hold = gate = asyncio.Event()
    canceling = asyncio.create_task(rig.quotes.apply(QuoteTarget(None, None)))
    await rig.settle()
    await rig.clock.advance(SETTLE_TIMEOUT_S + 2)
    assert rig.quotes.sides["bid"].state == "canceling" and rig.quotes.overdue() == []
    gate.set()
    await canceling
    await rig.clock.advance(SETTLE_TIMEOUT_S)
    assert [side for side, _ in rig.quotes.overdue()] == ["bid"]


async def test_the_time_from_the_venues_answer_to_the_stream_is_the_tx_latency(rig):
    await rig.quotes.apply(BID)
    await rig.clock.advance(0.25)
    open_at(rig, coi_of(rig), "1999.01")
    assert rig.quotes.counters.tx_latency_ms.last == 250.0
    assert rig.quotes.counters.tx_latency_ms.n == 1


async def test_each_version_of_a_quote_keeps_the_hedge_price_it_assumed(rig):
    await rig.quotes.apply(BID)
    coi = coi_of(rig)
    open_at(rig, coi, "1999.01")
    open_at(rig, coi, "1999.01")                        # the same state again: nothing moves
    assert rig.quotes.sides["bid"].hedge_price == D("1999.5")
    await rig.quotes.apply(QuoteTarget(D("1998.50"), None, bid_hedge_price=D("1999.0")))
    open_at(rig, coi, "1999.01")                        # the stream has not seen the modify
    quote = rig.quotes.sides["bid"]
    assert quote.state == "modifying" and quote.price == D("1998.50")
    assert rig.quotes.hedge_price_assumed(coi, D("1999.01")) == D("1999.5")
    open_at(rig, coi, "1998.50")
    assert quote.state == "open" and quote.hedge_price == D("1999.0")
    assert rig.quotes.hedge_price_assumed(coi, D("1998.50")) == D("1999.0")


async def test_what_the_venue_says_rests_is_the_quotes_price(rig):
    await rig.quotes.apply(BID)
    open_at(rig, coi_of(rig), "1999.00")
    assert rig.quotes.resting()["bid"] == D("1999.00")
    assert rig.quotes.sides["bid"].order_index == 100


async def test_a_paused_quota_is_probed_with_one_placement_every_30_s(rig):
    rig.orders.counters.volume_quota_remaining = 10        # premium: below the pause line
    both = QuoteTarget(D("1999.01"), D("2000.99"))
    await rig.quotes.apply(both)
    assert rig.quotes.quota == "paused" and rig.orders.calls == []
    await rig.clock.advance(QUOTA_PROBE_S - 0.5)
    await rig.quotes.apply(both)
    assert rig.orders.calls == []
    await rig.clock.advance(0.5)
    await rig.quotes.apply(both)
    assert [(c[0], c[1]) for c in rig.orders.calls] == [("place", "bid")]   # one probe


async def test_every_pause_of_the_volume_quota_is_counted(rig):
    for remaining, state in ((10, "paused"), (1000, "ok"), (10, "paused")):
        rig.orders.counters.volume_quota_remaining = remaining
        await rig.quotes.apply(QuoteTarget(None, None))
        assert rig.quotes.quota == state
    assert rig.quotes.counters.quota_pauses == 2


async def cleared_as_ghost(rig) -> int:
    await rig.quotes.apply(BID)
    coi = coi_of(rig)
    await rig.clock.advance(SETTLE_TIMEOUT_S)
    [(side, quote)] = rig.quotes.overdue()
    rig.quotes.settle(side, quote, None)
    assert rig.quotes.sides["bid"] is None
    return coi


async def test_a_ghost_that_shows_up_on_a_free_side_is_adopted(rig):
    coi = await cleared_as_ghost(rig)
    open_at(rig, coi, "1999.01", order_index=321)
    quote = rig.quotes.sides["bid"]
    assert (quote.client_order_index, quote.order_index, quote.price, quote.state, quote.size) \
        == (coi, 321, D("1999.01"), "open", D("0.0100"))
    assert quote.moved_at_s == rig.clock.now_s() and not quote.in_flight
    assert rig.quotes.resting()["bid"] == D("1999.01")
    await rig.clock.advance(1)
    await rig.quotes.apply(BID)                          # it rests where we want it: kept
    assert [c[0] for c in rig.orders.calls] == ["place"]


async def test_a_ghost_that_shows_up_beside_its_replacement_is_canceled(rig):
    coi = await cleared_as_ghost(rig)
    await rig.quotes.apply(BID)                          # placed anew
    replacement = coi_of(rig)
    open_at(rig, coi, "1999.01", order_index=321)
    assert coi_of(rig) == replacement
    await rig.quotes.apply(BID)
    assert ("cancel", coi) in rig.orders.calls
    await rig.quotes.apply(BID)                          # canceled once, not every loop
    assert [c for c in rig.orders.calls if c[0] == "cancel"] == [("cancel", coi)]


async def test_a_stray_ghosts_cancel_names_the_keepers_market():
    orders, clock = MarketsNamed(), FakeClock()
    quotes = QuoteKeeper(orders, replace(SPEC, market_id=2), D("0.01"), D(1), 0, clock=clock)
    await quotes.apply(BID)
    ghost = quotes.sides["bid"]
    await clock.advance(SETTLE_TIMEOUT_S)
    quotes.settle("bid", ghost, None)
    await quotes.apply(BID)                              # its replacement
    quotes.on_order(f.parse(f.account_orders(f.order(
        7, coi=ghost.client_order_index, price="1999.01", market=2))).all_orders()[0])
    await quotes.apply(BID)
    assert orders.markets == [("place", 2), ("place", 2), ("cancel", 2)]
    assert orders.calls[-1] == ("cancel", ghost.client_order_index)


async def test_a_ghost_seen_only_as_finished_is_left_alone(rig):
    coi = await cleared_as_ghost(rig)
    open_at(rig, coi, "1999.01", status="canceled")
    assert rig.quotes.sides["bid"] is None
    await rig.quotes.apply(QuoteTarget(None, None))
    assert [c for c in rig.orders.calls if c[0] == "cancel"] == []
    open_at(rig, coi, "1999.01")                         # forgotten: no longer a ghost
    assert rig.quotes.sides["bid"] is None


async def test_the_last_100_ghosts_are_remembered_and_older_ones_forgotten(rig):
    cois = [await cleared_as_ghost(rig) for _ in range(101)]
    open_at(rig, cois[0], "1999.01", order_index=320)    # forgotten: not adopted
    assert rig.quotes.sides["bid"] is None
    open_at(rig, cois[1], "1999.01", order_index=321)    # the oldest remembered: adopted
    assert rig.quotes.sides["bid"].client_order_index == cois[1]


async def test_a_lookup_answer_after_the_stream_confirmed_the_quote_changes_nothing(rig):
    await rig.quotes.apply(BID)
    await rig.clock.advance(SETTLE_TIMEOUT_S)
    [(side, quote)] = rig.quotes.overdue()
    open_at(rig, coi_of(rig), "1999.01")                 # the stream answers first
    rig.quotes.settle(side, quote, None)                 # then the lookup sent before it
    assert rig.quotes.sides["bid"] is quote and quote.state == "open"


def venue_shows(rig, coi: int, price: str, status: str = "open", order_index: int = 100):
    """What a lookup finds: the venue's view of one order."""
    return f.parse(f.account_orders(f.order(order_index, coi=coi, price=price,
                                            status=status))).all_orders()[0]


async def overdue_modify(rig):
    """A bid resting at 1999.01 (hedge 1999.5), moved to 1998.50 (hedge 1999.0), unconfirmed."""
    await rig.quotes.apply(BID)
    open_at(rig, coi_of(rig), "1999.01")
    await rig.clock.advance(1)
    await rig.quotes.apply(QuoteTarget(D("1998.50"), None, bid_hedge_price=D("1999.0")))
    await rig.clock.advance(SETTLE_TIMEOUT_S)
    [(side, quote)] = rig.quotes.overdue()
    assert quote.state == "modifying"
    return side, quote


async def test_an_unconfirmed_modify_the_venue_shows_done_takes_its_hedge_price(rig):
    side, quote = await overdue_modify(rig)
    rig.quotes.settle(side, quote, venue_shows(rig, quote.client_order_index, "1998.50",
                                               order_index=555))
    assert (quote.state, quote.price, quote.order_index, quote.hedge_price,
            quote.modify_hedge_price) == ("open", D("1998.50"), 555, D("1999.0"), None)


async def test_an_unconfirmed_modify_the_venue_never_applied_keeps_the_old_hedge_price(rig):
    side, quote = await overdue_modify(rig)
    rig.quotes.settle(side, quote, venue_shows(rig, quote.client_order_index, "1999.01"))
    assert (quote.state, quote.price, quote.hedge_price, quote.modify_hedge_price) \
        == ("open", D("1999.01"), D("1999.5"), None)


async def test_an_unconfirmed_placement_the_venue_shows_resting_is_adopted_as_it_is(rig):
    await rig.quotes.apply(BID)
    await rig.clock.advance(SETTLE_TIMEOUT_S)
    [(side, quote)] = rig.quotes.overdue()
    rig.quotes.settle(side, quote, venue_shows(rig, quote.client_order_index, "1999.01",
                                               order_index=556))
    assert (quote.state, quote.price, quote.order_index, quote.hedge_price) \
        == ("open", D("1999.01"), 556, D("1999.5"))


async def test_an_unconfirmed_quote_the_venue_shows_finished_frees_its_side(rig):
    await rig.quotes.apply(BID)
    await rig.clock.advance(SETTLE_TIMEOUT_S)
    [(side, quote)] = rig.quotes.overdue()
    rig.quotes.settle(side, quote, venue_shows(rig, quote.client_order_index, "1999.01",
                                               status="canceled-post-only"))
    assert rig.quotes.sides["bid"] is None and rig.quotes.counters.post_only_rejects == 1
