"""How long a quote rests before it may move: the quote share of the request budget, less what
the other requests spent, spread evenly over the window and over the markets sharing it; four
times longer (and four times the tolerance) while a premium volume quota runs low; a side pulled
back across its loss line placed again only after it; a placement only while the quote share has
room for one transaction."""
from __future__ import annotations

from decimal import Decimal as D

from hedge.adapters.lighter.request_budget import Priority, RequestBudget
from hedge.app.quote_keeper import QuoteKeeper
from hedge.core.quoting import QuoteTarget
from tests.harness import frames as f
from tests.harness.clock import FakeClock
from tests.harness.fakes import FakeOrderClient
from tests.harness.rig import SPEC


def keeper(tier: str = "standard", min_lifetime_ms: int = 0, **budget) -> QuoteKeeper:
    clock = FakeClock()
    orders = FakeOrderClient(RequestBudget(tier, clock=clock.now_s, **budget))
    return QuoteKeeper(orders, SPEC, D("0.01"), D(1), min_lifetime_ms, clock=clock)


def test_a_standard_account_moves_a_side_every_3_s_from_its_40_quote_requests():
    quotes = keeper()                                  # 50 a minute, 80 % of it for quotes
    assert quotes.paced_lifetime_ms() == 3000          # two sides, 40 moves a minute
    assert keeper(min_lifetime_ms=5000).paced_lifetime_ms() == 5000


def test_what_other_requests_spent_slows_the_quotes():
    quotes = keeper()
    for _ in range(12):                                # position checks, reconciles
        assert quotes.orders.budget.try_acquire("account", Priority.SAFETY)
    assert quotes.paced_lifetime_ms() == 4285          # 28 left: 120 s / 28
    quotes.orders.budget.try_acquire("sendTx", Priority.QUOTE)
    assert quotes.paced_lifetime_ms() == 4285          # the quotes' own spending is not counted


def test_with_nothing_left_for_quotes_one_move_a_window():
    quotes = keeper()
    for _ in range(45):
        quotes.orders.budget.try_acquire("account", Priority.CANCEL)
    assert quotes.paced_lifetime_ms() == 120_000


def test_markets_sharing_the_budget_share_it_evenly():
    quotes = keeper()
    quotes.markets_sharing = 2
    assert quotes.paced_lifetime_ms() == 6000


def test_a_premium_account_paces_by_the_weight_of_a_transaction():
    quotes = keeper("premium")                          # 16000 weight for quotes, 6 a sendTx
    assert quotes.paced_lifetime_ms() == 45             # 120000 ms / 2666.67
    assert keeper("premium", min_lifetime_ms=500).paced_lifetime_ms() == 500
    assert keeper(budget_per_window=10, window_s=10.0).paced_lifetime_ms() == 2500   # 8 in 10 s


def seen(quotes: QuoteKeeper, side: str = "bid", status: str = "open") -> int:
    """The stream shows the side's quote in `status` at its price; its client order index."""
    quote = quotes.sides[side]
    quotes.on_order(f.parse(f.account_orders(f.order(
        100, coi=quote.client_order_index, is_ask=side == "ask", price=str(quote.price),
        status=status))).all_orders()[0])
    return quote.client_order_index


def sent(quotes: QuoteKeeper) -> list[str]:
    return quotes.orders.kinds()


async def test_a_low_volume_quota_moves_quotes_four_times_less_often_and_further():
    quotes = keeper("premium", min_lifetime_ms=1000)   # paced lifetime 1000 ms, tolerance 1 bps
    quotes.orders.counters.volume_quota_remaining = 100          # below 300: slow, 4x
    await quotes.apply(QuoteTarget(D("2000.00"), None))
    assert quotes.quota == "slow"
    coi = seen(quotes)
    await quotes.clock.advance(60)
    await quotes.apply(QuoteTarget(D("2000.40"), None))          # 2 bps: within 4
    assert sent(quotes) == ["place"]
    await quotes.apply(QuoteTarget(D("2001.00"), None))          # 5 bps
    assert quotes.orders.calls[-1] == ("modify", coi, D("0.01"), D("2001.00"))
    seen(quotes)
    await quotes.clock.advance(3.999)                            # rested 3999 ms of 4000
    await quotes.apply(QuoteTarget(D("2002.00"), None))
    assert sent(quotes) == ["place", "modify"]
    await quotes.clock.advance(0.001)
    await quotes.apply(QuoteTarget(D("2002.00"), None))
    assert quotes.orders.calls[-1] == ("modify", coi, D("0.01"), D("2002.00"))
    seen(quotes)
    quotes.orders.counters.volume_quota_remaining = 1000         # grown back: the normal pace
    await quotes.clock.advance(1)
    await quotes.apply(QuoteTarget(D("2002.40"), None))          # 2 bps, after 1000 ms
    assert quotes.quota == "ok" and sent(quotes) == ["place", "modify", "modify", "modify"]


async def test_a_standard_account_is_never_paced_by_a_volume_quota():
    quotes = keeper()
    quotes.orders.counters.volume_quota_remaining = 10           # whatever the answers say
    await quotes.apply(QuoteTarget(D("1999.01"), D("2000.99")))
    assert quotes.quota == "ok" and sent(quotes) == ["place", "place"]


async def test_a_side_pulled_back_across_its_loss_line_is_placed_again_after_the_paced_lifetime():
    quotes = keeper()                                            # 3000 ms
    await quotes.apply(QuoteTarget(D("1999.01"), None))
    coi = seen(quotes)
    below_the_bid = QuoteTarget(D("1998.00"), None, bid_loss_line=D("1998.50"))
    await quotes.apply(below_the_bid)
    assert quotes.orders.calls[-1] == ("cancel", coi)
    seen(quotes, status="canceled")
    assert quotes.sides["bid"] is None
    await quotes.clock.advance(2.999)
    await quotes.apply(below_the_bid)
    assert sent(quotes) == ["place", "cancel"]
    await quotes.clock.advance(0.001)
    await quotes.apply(below_the_bid)
    assert sent(quotes) == ["place", "cancel", "place"]
    assert quotes.resting()["bid"] == D("1998.00")


async def test_a_placement_goes_while_the_quote_share_has_room_for_one_transaction():
    quotes = keeper(budget_per_window=10)              # quotes may fill 8 of the 10
    budget = quotes.orders.budget
    for _ in range(7):
        assert budget.try_acquire("account", Priority.SAFETY)
    await quotes.apply(QuoteTarget(D("1999.01"), None))         # room for exactly one
    assert sent(quotes) == ["place"]
    assert budget.try_acquire("account", Priority.SAFETY)        # the quote share is full
    await quotes.apply(QuoteTarget(D("1999.01"), D("2000.99")))
    assert sent(quotes) == ["place"] and quotes.counters.skipped_by_rate == 1
    seen(quotes)
    await quotes.apply(QuoteTarget(None, None))                  # a cancel never waits
    assert sent(quotes) == ["place", "cancel"]


async def test_a_premium_placement_needs_room_for_a_transactions_weight_not_a_reads():
    quotes = keeper("premium", budget_per_window=1000)            # quotes may fill 800
    for _ in range(2):
        assert quotes.orders.budget.try_acquire("account", Priority.SAFETY)   # 300 each
    await quotes.apply(QuoteTarget(D("1999.01"), None))          # 200 left: a sendTx weighs 6
    assert sent(quotes) == ["place"] and quotes.counters.skipped_by_rate == 0
