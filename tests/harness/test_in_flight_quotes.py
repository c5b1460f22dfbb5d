"""Quotes in flight under the running engine, on the fake clock: one transaction per quote until
the stream (or the venue, asked by the ghost check) settles it; the dead-man's switch meeting a
cancel-all already queued."""
from __future__ import annotations

from hedge.adapters.lighter.order_client import TxResult
from tests.harness import frames as f
from tests.harness.fakes import rejected
from tests.harness.rig import Options, build_rig


def placed(rig) -> list[tuple[str, int]]:
    return [(c[1], c[4]) for c in rig.orders.calls if c[0] == "place"]


def show_open(rig, *placements: tuple[str, int]) -> None:
    rig.feed(f.account_orders(*[
        f.order(200 + i, coi=coi, is_ask=side == "ask",
                price="2000.99" if side == "ask" else "1999.01")
        for i, (side, coi) in enumerate(placements)]))


async def test_a_quote_the_stream_never_shows_is_cleared_as_a_ghost_and_placed_anew(rig):
    rig.start()
    await rig.clock.advance(0.05)
    first = placed(rig)
    assert [side for side, _ in first] == ["bid", "ask"]
    await rig.clock.advance(2.9)                            # not overdue yet: nothing asked
    assert not [c for c in rig.rest.calls if c[0] == "orders_by_client_index"]
    assert placed(rig) == first                             # and nothing placed twice
    await rig.clock.advance(0.6)                            # 3 s settle timeout, 0.5 s checks
    asked = [c for c in rig.rest.calls if c[0] == "orders_by_client_index"]
    assert asked == [("orders_by_client_index", tuple(coi for _, coi in first))]
    assert rig.quotes.counters.silent_rejects_found == 2
    await rig.clock.advance(0.05)
    again = placed(rig)[2:]
    assert [side for side, _ in again] == ["bid", "ask"]
    assert {coi for _, coi in again}.isdisjoint(coi for _, coi in first)   # new client ids


async def test_a_quote_the_venue_has_is_adopted_not_placed_again(rig):
    rig.start()
    await rig.clock.advance(0.05)
    first = placed(rig)
    for side, coi in first:                                 # on the book; the stream missed it
        rig.rest.put_order(f.order(300 + coi % 100, coi=coi, is_ask=side == "ask",
                                   price="2000.99" if side == "ask" else "1999.01"))
    await rig.clock.advance(3.5)
    assert rig.quotes.counters.silent_rejects_found == 0
    assert all(not q.in_flight for q in rig.quotes.sides.values())
    await rig.clock.advance(1.0)
    assert placed(rig) == first


async def test_a_side_turned_off_is_canceled_once_until_the_stream_confirms(rig):
    rig.start()
    await rig.clock.advance(0.05)
    first = placed(rig)
    show_open(rig, *first)
    rig.venue.book_fresh = False                            # no hedge price: both sides off
    await rig.clock.tick(0.05, 20)                          # 20 quote decisions
    cancels = [c for c in rig.orders.calls if c[0] == "cancel"]
    assert sorted(cancels) == sorted(("cancel", coi) for _, coi in first)
    assert rig.engine.target.bid is None and rig.engine.target.ask is None
    rig.feed(f.account_orders(*[f.order(200 + i, coi=coi, is_ask=side == "ask", status="canceled")
                                for i, (side, coi) in enumerate(first)]))
    assert rig.quotes.resting() == {"bid": None, "ask": None}
    await rig.clock.tick(0.05, 5)
    assert [c for c in rig.orders.calls if c[0] == "cancel"] == cancels


async def test_a_cancel_all_already_queued_is_aborted_and_ours_scheduled(tmp_path):
    rig = build_rig(tmp_path / "journal.sqlite")
    rig.orders.answers = [rejected(21_712, "a cancel-all is already scheduled")]
    try:
        rig.start()                                         # no book: only the switch talks
        await rig.settle()
        assert rig.orders.calls == [("schedule_cancel_all", 330_000),
                                    ("abort_scheduled_cancel_all",),
                                    ("schedule_cancel_all", 330_000)]
        assert rig.runner.dead_mans_switch.stats.scheduled == 1
        assert rig.runner.dead_mans_switch.fires_at_s == rig.clock.now_s() + 330
        assert rig.runner.dead_mans_switch.stats.failures == 0
    finally:
        await rig.close()


async def test_premium_quota_running_low_takes_quotes_down(tmp_path):
    rig = build_rig(tmp_path / "journal.sqlite", Options(tier="premium"))
    await rig.live()
    rig.orders.answers = [TxResult(accepted=True, code=200, volume_quota_remaining=10)] * 2
    try:
        rig.start()
        await rig.clock.advance(0.05)
        first = placed(rig)
        show_open(rig, *first)
        await rig.clock.tick(0.05, 4)
        assert rig.quotes.quota == "paused" and rig.quotes.counters.quota_pauses == 1
        assert sorted(c for c in rig.orders.calls if c[0] == "cancel") == \
            sorted(("cancel", coi) for _, coi in first)
        assert rig.orders.counters.volume_quota_remaining == 10
        assert placed(rig) == first                         # nothing put back up meanwhile
    finally:
        await rig.close()
