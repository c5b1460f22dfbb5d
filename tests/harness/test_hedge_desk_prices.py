"""The hedge desk against a hedge book with depth: which price judges the venue's minimum
notional and marks the hedge in trades.csv (the side and the size decide it), what a hedge
request names, when a hedge reduces the venue position, and a padded hedge that fills in part."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal as D

import pytest

from hedge.adapters.hedging.venue import HedgeStatus
from hedge.app.hedge_desk import HedgeDesk
from hedge.core.hedge_order import average_price
from hedge.core.quoting import QuoteTarget
from hedge.core.types import FillDelta
from hedge.infra import events
from tests.harness import frames as f
from tests.harness.fakes import HEDGE_SYMBOL, FakeHedgeVenue
from tests.harness.rig import Options, build_rig, live_rig, trades_rows

ASKS = ((D("2500"), D("0.002")), (D("3000"), D("1")))
BIDS = ((D("1999.5"), D("0.002")), (D("1500"), D("1")))


@dataclass
class BookVenue(FakeHedgeVenue):
    """Prices by walking a two-level book (a buy takes the asks); a symbol it does not list is
    refused, as a venue whose books are kept by symbol refuses it. Trades at the best level."""

    ask: D = ASKS[0][0]
    priced: list = field(default_factory=list)

    def executable_price(self, symbol, amount, is_buy):
        if symbol != HEDGE_SYMBOL:
            raise KeyError(symbol)
        self.priced.append((amount, is_buy))
        return average_price(ASKS if is_buy else BIDS, amount)


@pytest.fixture
async def book_rig(tmp_path):
    async with live_rig(tmp_path, trades_csv=True, venue=BookVenue()) as rig:
        yield rig


async def test_a_purchase_exactly_at_the_minimum_goes_unpadded_marked_at_the_asks(book_rig):
    rig = book_rig
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, is_ask=True, filled="0.0020", status="filled")))
    await rig.settle()
    assert rig.venue.sent == [(D("0.002"), False)]                # 0.002 x 2500 = 5: enough
    [request] = rig.venue.requests
    assert (request.symbol, request.position_before, request.fill_seen_ns) == (HEDGE_SYMBOL, 0, 1)
    [row] = trades_rows(rig, "hedge")
    assert D(row["hedge_price_at_submit"]) == D("2500")
    [maker] = trades_rows(rig, "maker")        # the book's price for the fill when seen
    assert D(maker["hedge_price_at_fill"]) == D("2500")
    assert (D("0.002"), True) in rig.venue.priced


async def test_a_small_purchase_is_padded_to_5_percent_over_the_minimum(book_rig):
    rig = book_rig
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, is_ask=True, filled="0.0010", status="filled")))
    await rig.settle()
    # 2.5 USDT is short of 5: 5.25 / 2500 = 0.0021 needed, 0.002 more, then sold back
    assert rig.venue.sent == [(D("0.003"), False), (D("-0.002"), True)]
    first, back = rig.venue.requests
    assert (first.position_before, back.position_before) == (0, D("0.003"))
    assert back.fill_seen_ns == 0 and back.first_attempt >= 1000
    assert rig.desk.hedge_position == D("0.001") and rig.desk.ledger.owed == 0


async def test_a_small_sale_is_judged_at_the_bids(book_rig):
    rig = book_rig
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, filled="0.0020", status="filled")))
    await rig.settle()
    assert rig.venue.sent == [(D("-0.003"), False), (D("0.001"), True)]   # 0.002 x 1999.5 < 5
    [row, _] = trades_rows(rig, "hedge")
    assert D(row["hedge_price_at_submit"]) == average_price(BIDS, D("0.003"))
    [maker] = trades_rows(rig, "maker")
    assert D(maker["hedge_price_at_fill"]) == D("1999.5")


@pytest.mark.parametrize("position", ["0.0100", "1"])
async def test_a_hedge_that_shrinks_the_venue_position_is_reduce_only(tmp_path, position):
    rig = build_rig(tmp_path / "journal.sqlite", Options(start_hedge_position=D(position)))
    await rig.live()
    try:
        rig.start_desk()
        rig.feed(f.account_orders(f.order(5, filled="0.0100", status="filled")))
        await rig.settle()
        assert rig.venue.sent == [(D("-0.010"), True)]
        rig.feed(f.account_orders(f.order(6, is_ask=True, filled="0.0100", status="filled")))
        await rig.settle()
        assert rig.venue.sent[-1] == (D("0.010"), False)            # grows it again
    finally:
        await rig.close()


async def test_a_padded_hedge_that_fills_in_part_returns_its_outcome(rig):
    rig.venue.script = ["partial"]
    rig.desk.on_fill(FillDelta(order_index=5, client_order_index=0, market_id=0, is_ask=False,
                               size=D("0.002"), price=D("2000"), cum_filled_base=D("0.002"),
                               cum_filled_quote=D("4"), status="filled"), 0)
    outcome = await rig.desk.hedge_now(None)
    assert outcome is not None and outcome.status is HedgeStatus.PARTIAL
    assert rig.venue.sent == [(D("-0.003"), False)]                   # 0.0005 left: below a step
    assert rig.desk.ledger.owed == D("-0.0005")


@pytest.fixture
def submits(monkeypatch):
    """The fields of each hedge_submit event."""
    seen: list[dict] = []
    monkeypatch.setattr(events, "emit", lambda event, market="", **fields: seen.append(fields)
                        if event == events.HEDGE_SUBMIT else None)
    return seen


async def fill_of_a_bid_quoted_at(rig, hedge_price: str, *, moved_to: str | None = None,
                                  moved_hedge_price: str | None = None) -> None:
    """Our bid rests at 1999.01 priced against `hedge_price` (then, optionally, a modify to
    `moved_to` priced against `moved_hedge_price`), and fills where the stream last showed it."""
    await rig.quotes.apply(QuoteTarget(D("1999.01"), None, bid_hedge_price=D(hedge_price)))
    coi = rig.quotes.sides["bid"].client_order_index
    rig.feed(f.account_orders(f.order(5, coi=coi, price="1999.01")))
    if moved_to is not None:
        await rig.quotes.apply(QuoteTarget(D(moved_to), None,
                                           bid_hedge_price=D(moved_hedge_price)))
    rig.start_desk()
    rig.feed(f.account_orders(f.order(5, coi=coi, price=moved_to or "1999.01", filled="0.0100",
                                      status="filled")))
    await rig.settle()


async def test_the_hedge_submit_event_names_the_price_the_quote_assumed(rig, submits):
    await fill_of_a_bid_quoted_at(rig, "1999.7")
    [submit] = submits
    assert submit["assumed_price"] == D("1999.7") and submit["side"] == "sell"


async def test_a_fill_on_a_modified_quote_assumed_the_new_versions_hedge_price(rig, submits):
    await fill_of_a_bid_quoted_at(rig, "1999.7", moved_to="1998.50", moved_hedge_price="1999.2")
    [submit] = submits
    assert submit["assumed_price"] == D("1999.2")


async def test_where_reduce_only_is_not_exempt_the_buy_back_is_carried_not_padded(rig):
    desk = HedgeDesk(rig.venue, HEDGE_SYMBOL, rig.journal, None, reduce_only_exempt=False,
                     clock=rig.clock)
    desk.on_fill(FillDelta(order_index=5, client_order_index=0, market_id=0, is_ask=False,
                           size=D("0.002"), price=D("2000"), cum_filled_base=D("0.002"),
                           cum_filled_quote=D("4"), status="filled"), 0)
    assert await desk.hedge_now(None) is None
    assert rig.venue.sent == [(D("-0.003"), False)]         # padded once, never again
    assert desk.carry == D("0.001") and desk.hedge_position == D("-0.003")
