"""A market with nothing resting places its quotes only on a hedge book read as it streams (at
most SETTLED_BOOK_AGE_MS old), on the fake clock; a resting quote still moves on an older one,
and a venue whose book never gets that young is quoted on after SETTLE_WAIT_MAX_S."""
from __future__ import annotations

from hedge.app.settled_book import SETTLE_WAIT_MAX_S, SETTLED_BOOK_AGE_MS
from tests.harness import frames as f
from tests.harness.fakes import HEDGE_SYMBOL, calls_of


def placed(rig) -> list[str]:
    return [c[1] for c in rig.orders.calls if c[0] == "place"]


async def test_the_first_quotes_wait_for_a_book_read_as_it_streams(rig):
    rig.venue.book_age = 850.0                    # the snapshot the loop read late at startup
    rig.start()
    await rig.clock.tick(0.05, 10)
    assert placed(rig) == []
    assert rig.engine.settled_book.waits >= 9
    rig.venue.book_age = SETTLED_BOOK_AGE_MS - 40
    await rig.clock.advance(0.05)
    assert placed(rig) == ["bid", "ask"]
    assert rig.engine.book_age_at_quote_ms.percentile(100) <= SETTLED_BOOK_AGE_MS


async def test_a_resting_quote_moves_on_an_older_book(rig):
    rig.start()
    await rig.clock.advance(0.05)
    first = [(c[1], c[4]) for c in rig.orders.calls if c[0] == "place"]
    assert [side for side, _ in first] == ["bid", "ask"]
    rig.feed(f.account_orders(*[
        f.order(200 + i, coi=coi, is_ask=side == "ask",
                price="2000.99" if side == "ask" else "1999.01")
        for i, (side, coi) in enumerate(first)]))
    rig.venue.book_age = 400.0
    rig.venue.bid, rig.venue.ask = rig.venue.bid + 5, rig.venue.ask + 5   # the hedge moved
    await rig.clock.tick(0.05, 20)
    assert [c[0] for c in rig.orders.calls if c[0] == "modify"]


async def test_a_far_venue_is_quoted_on_after_the_wait(rig):
    rig.venue.book_age = 400.0                    # never under the settled age
    rig.start()
    await rig.clock.tick(0.05, int(SETTLE_WAIT_MAX_S / 0.05) - 2)
    assert placed(rig) == []
    await rig.clock.tick(0.05, 4)
    assert placed(rig) == ["bid", "ask"]


async def test_the_book_age_is_sampled_when_quotes_go_out_and_read_for_our_symbol(rig):
    asked = calls_of(rig.venue, "book_age_ms")
    rig.venue.book_age = 60.0
    rig.start()
    await rig.clock.tick(0.05, 20)                 # placed once, then kept: one sample
    assert placed(rig) == ["bid", "ask"]
    assert rig.engine.book_age_at_quote_ms.n == 1 and set(asked) == {(HEDGE_SYMBOL,)}
