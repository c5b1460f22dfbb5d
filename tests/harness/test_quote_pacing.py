"""How long a quote rests before it may move: the quote share of the request budget, less what
the other requests spent, spread evenly over the window and over the markets sharing it."""
from __future__ import annotations

from decimal import Decimal as D

from hedge.adapters.lighter.request_budget import Priority, RequestBudget
from hedge.app.quote_keeper import QuoteKeeper
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
