"""Several markets in one engine: each fill is hedged on its own market's symbol, a market's
own limit pauses that market only, a global limit stops them all, and the shared request budget
serves owners round-robin.

The engine, hedge desks, fill detectors, journal, account engine and request budget are the
real ones; the hedge venue, the stream and the quote table are small stand-ins (the hedge
venue's own behaviour is tested against the local venue in tests/hedging).
"""
from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from hedge.adapters.hedging.venue import (HedgeLeg, HedgeOutcome, HedgeStatus, HedgeTiming,
                                          MarketRules)
from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.markets import MarketSpec
from hedge.adapters.lighter.request_budget import REQUEST_OWNER, Priority, RequestBudget
from hedge.app.account_engine import AccountEngine, SharedPositions
from hedge.app.engine import Engine
from hedge.app.hedge_desk import HedgeDesk
from hedge.app.settings import engine_settings
from hedge.core.fill_detector import FillDetector
from hedge.core.types import BookLevel, OrderUpdate
from hedge.infra.config import parse_config
from hedge.infra.journal import Journal

ACCOUNT = 7
MARKETS = {"ETH": (0, "ETH/USDT:USDT", Decimal("3000")), "BTC": (1, "BTC/USDT:USDT", Decimal("100000"))}
CONFIG = {"markets": [
    {"lighter_market": "ETH", "hedge_symbol": "ETH/USDT:USDT", "order_size": "0.01",
     "max_position": "0.1", "risk": {"max_unhedged_base": "0.05", "max_hedge_failures": 2}},
    {"lighter_market": "BTC", "hedge_symbol": "BTC/USDT:USDT", "order_size": "0.002",
     "max_position": "0.02", "risk": {"max_unhedged_base": "0.01", "max_hedge_failures": 2}}],
    "risk": {"max_total_unhedged_quote": "500"}}


class StubHedgeVenue:
    """Fills every hedge at the mid, except on the symbols told to refuse."""

    def __init__(self) -> None:
        self.submitted: list[tuple[str, Decimal]] = []
        self.refuse: set[str] = set()
        self.mids = {sym: mid for _, sym, mid in MARKETS.values()}

    def rules(self, symbol):
        return MarketRules(symbol, Decimal("0.001"), Decimal("0.01"), Decimal("0.001"), Decimal(5))

    def executable_price(self, symbol, amount, is_buy):
        return self.mids[symbol]

    async def refresh_book(self, symbol):
        return None

    def book_age_ms(self, symbol):
        return 1.0

    async def watch_book(self, symbol):
        await asyncio.Event().wait()

    async def submit_hedge(self, request):
        self.submitted.append((request.symbol, request.amount))
        now = time.perf_counter_ns()
        if request.symbol in self.refuse:
            return HedgeOutcome(request, HedgeStatus.REJECTED, Decimal(0), None, ("x",),
                                reason="refused", timings=(HedgeTiming(now, now),))
        price = self.mids[request.symbol]
        leg = HedgeLeg(f"c{len(self.submitted)}", HedgeStatus.FILLED, request.amount, price)
        return HedgeOutcome(request, HedgeStatus.FILLED, request.amount, price, (leg.client_id,),
                            timings=(HedgeTiming(now, now),), legs=(leg,))

    async def find_order(self, symbol, client_id):
        return None

    async def position(self, symbol):
        return Decimal(0)


class StubStream:
    def __init__(self) -> None:
        self.on_message = None
        self.connected = asyncio.Event()
        self.connected.set()
        self.live = {0: True, 1: True}

    def best_bid_ask(self, market):
        if not self.live[market]:
            return None, None       # the book is resyncing
        mid = [mid for mid_id, _, mid in MARKETS.values() if mid_id == market][0]
        return (BookLevel(price=mid - 1, size=Decimal(1)),
                BookLevel(price=mid + 1, size=Decimal(1)))


class StubQuotes:
    def __init__(self) -> None:
        self.sides = {"bid": None, "ask": None}
        self.own_client_indexes: list[int] = []
        self.targets = []

    def on_order(self, order) -> None:
        pass

    async def apply(self, target) -> None:
        self.targets.append(target)

    def resting(self):
        return {"bid": None, "ask": None}

    def overdue(self):
        return []

    def hedge_price_assumed(self, client_order_index, price=None):
        return None


class StubDeadMansSwitch:
    """The account's scheduled cancel-all (tested against the local venue elsewhere)."""

    async def run(self) -> None:
        await asyncio.Event().wait()


class StubRest:
    def __init__(self) -> None:
        self.account_calls = 0

    async def account_positions(self, account):
        self.account_calls += 1
        await asyncio.sleep(0.01)
        return {0: Decimal("0.01"), 1: Decimal("-0.002")}


def build(tmp_path):
    config = parse_config(CONFIG)
    venue, ws, journal = StubHedgeVenue(), StubStream(), Journal(tmp_path / "journal.sqlite")
    engines = []
    for market in config.trading_markets:
        market_id, symbol, _ = MARKETS[market.lighter_market]
        spec = MarketSpec(symbol=market.lighter_market, market_id=market_id, size_decimals=4,
                          price_decimals=2, min_base=Decimal("0.001"), min_quote=Decimal(10))
        desk = HedgeDesk(venue, symbol, journal, None, market=spec.symbol)
        engine = Engine(engine_settings(config, spec, ACCOUNT, market), orders=None, ws=ws,
                        rest=StubRest(), desk=desk, quotes=StubQuotes(), detector=FillDetector(),
                        hedge_venue=venue, start_lighter_position=Decimal(0), auth_token=None)
        engine.state.account_stream_live = True
        engines.append(engine)
    account = AccountEngine(engines, ws=ws, dead_mans_switch=StubDeadMansSwitch(),
                            max_total_unhedged_quote=config.risk.max_total_unhedged_quote,
                            max_total_loss_quote=config.risk.max_loss_quote,
                            taker_fee_bps=config.hedge.taker_fee_bps)
    return account, engines, venue, ws, journal


def filled(order_index: int, market_id: int, size: str, is_ask: bool) -> m.AccountOrders:
    order = OrderUpdate(order_index=order_index, client_order_index=100 + order_index,
                        market_id=market_id, status="filled", is_ask=is_ask,
                        initial_base=Decimal(size), remaining_base=Decimal(0),
                        filled_base=Decimal(size), filled_quote=Decimal(0),
                        price=[mid for mid_id, _, mid in MARKETS.values() if mid_id == market_id][0])
    return m.AccountOrders(orders={str(market_id): (order,)}, recv_ns=time.perf_counter_ns())


async def until(condition, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_a_fill_on_one_market_is_hedged_on_that_market_symbol_only(tmp_path):
    account, (eth, btc), venue, _, journal = build(tmp_path)
    desks = [asyncio.create_task(e.desk.run()) for e in (eth, btc)]
    try:
        account.on_message(filled(11, 1, "0.002", is_ask=True))     # BTC sold on Lighter
        await until(lambda: venue.submitted)
        await until(lambda: btc.desk.ledger.owed == 0)
        assert venue.submitted == [("BTC/USDT:USDT", Decimal("0.002"))]
        assert btc.state.lighter_position == Decimal("-0.002") and eth.state.lighter_position == 0
        assert eth.detector.fills_emitted == 0 and eth.desk.stats.maker_fills == 0
        # Both markets in the same burst: each on its own symbol, once.
        account.on_message(filled(12, 0, "0.01", is_ask=False))
        account.on_message(filled(13, 1, "0.002", is_ask=False))
        await until(lambda: len(venue.submitted) == 3)
        assert sorted(venue.submitted[1:]) == [("BTC/USDT:USDT", Decimal("-0.002")),
                                               ("ETH/USDT:USDT", Decimal("-0.01"))]
        assert journal.signed_totals(0, "ETH/USDT:USDT")[0] == Decimal("0.01")
        assert journal.signed_totals(1, "BTC/USDT:USDT") == (Decimal(0), Decimal(0))
    finally:
        for task in desks:
            task.cancel()
        journal.close()


async def test_a_book_resync_on_one_market_pauses_its_quotes_only(tmp_path):
    account, (eth, btc), _, ws, journal = build(tmp_path)
    ws.live[0] = False                                    # ETH's book needs a resync
    from hedge.core.quoting import quote_target
    eth_target = quote_target(eth.market_view(), eth.params)
    btc_target = quote_target(btc.market_view(), btc.params)
    assert eth_target.bid is None and eth_target.ask is None
    assert btc_target.bid is not None or btc_target.ask is not None
    journal.close()


async def test_refused_hedges_pause_that_market_and_the_others_trade_on(tmp_path):
    account, (eth, btc), venue, _, journal = build(tmp_path)
    venue.refuse.add("BTC/USDT:USDT")
    run = asyncio.create_task(account.run(0))
    try:
        account.on_message(filled(21, 1, "0.002", is_ask=True))
        await until(lambda: btc.state.paused_reason)
        assert btc.state.paused_reason.startswith("hedge_failures")
        assert not eth.state.paused_reason and not account.exit_reason
        account.on_message(filled(22, 0, "0.01", is_ask=True))   # ETH still hedges
        await until(lambda: ("ETH/USDT:USDT", Decimal("0.01")) in venue.submitted)
        assert not btc.market_view().can_see_fills and eth.market_view().can_see_fills
        assert not run.done()
    finally:
        account.request_stop("test")
        await run
        await account.stop_all_tasks()
        journal.close()


async def test_the_total_unhedged_notional_stops_every_market(tmp_path):
    account, (eth, btc), venue, _, journal = build(tmp_path)
    venue.refuse.update({"ETH/USDT:USDT", "BTC/USDT:USDT"})
    # Each market within its own size limit (0.05 ETH = 150, 0.004 BTC = 400 quote), the
    # total (550) above the global 500.
    run = asyncio.create_task(account.run(0))
    try:
        account.on_message(filled(31, 0, "0.05", is_ask=True))
        account.on_message(filled(32, 1, "0.004", is_ask=True))
        reason = await asyncio.wait_for(run, 10)
        assert reason.startswith("kill_switch:total_unhedged"), reason
        assert eth.state.exit_reason == btc.state.exit_reason == reason
    finally:
        await account.stop_all_tasks()
        journal.close()


async def test_one_account_call_serves_every_market_position_check():
    rest = StubRest()
    positions = SharedPositions(rest, ACCOUNT)
    got = await asyncio.gather(positions.position(0), positions.position(1), positions.position(2))
    assert got == [Decimal("0.01"), Decimal("-0.002"), Decimal(0)]
    assert rest.account_calls == 1


async def test_the_request_budget_serves_waiting_owners_round_robin():
    budget = RequestBudget("standard", budget_per_window=1, window_s=0.3)
    await budget.acquire("sendTx", Priority.CANCEL)          # the window is full
    served: list[str] = []

    async def cancel(owner: str, n: int) -> None:
        REQUEST_OWNER.set(owner)
        await budget.acquire("sendTx", Priority.CANCEL)
        served.append(f"{owner}{n}")

    tasks = [asyncio.create_task(cancel("ETH", n)) for n in range(3)]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(cancel("BTC", 0)))
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert served == ["ETH0", "BTC0", "ETH1", "ETH2"]


def test_markets_share_the_quote_pacing_evenly():
    """Three markets on one standard budget: each side moves a third as often as one market's."""
    from types import SimpleNamespace

    from hedge.app.quote_keeper import QuoteKeeper
    orders = SimpleNamespace(budget=RequestBudget("standard"))
    spec = MarketSpec(symbol="ETH", market_id=0, size_decimals=4, price_decimals=2,
                      min_base=Decimal("0.005"), min_quote=Decimal(10))
    quotes = QuoteKeeper(orders, spec, Decimal("0.01"), Decimal(2), 500)
    alone = quotes.paced_lifetime_ms()
    quotes.markets_sharing = 3
    assert alone == 3000 and quotes.paced_lifetime_ms() == 9000


def test_quote_pacing_leaves_the_other_requests_their_part_of_the_window():
    """Twelve position checks a minute leave 28 of the 40 quote requests: a side moves every
    ~4.3 s, so the quotes spend the minute evenly instead of stopping halfway through it."""
    from types import SimpleNamespace

    from hedge.app.quote_keeper import QuoteKeeper
    now = [1000.0]
    budget = RequestBudget("standard", clock=lambda: now[0])
    spec = MarketSpec(symbol="ETH", market_id=0, size_decimals=4, price_decimals=2,
                      min_base=Decimal("0.005"), min_quote=Decimal(10))
    quotes = QuoteKeeper(SimpleNamespace(budget=budget), spec, Decimal("0.01"), Decimal(2), 500)
    for _ in range(12):
        assert budget.try_acquire("account", Priority.SAFETY)
        now[0] += 4
    assert budget.try_acquire("sendTx", Priority.QUOTE)     # quotes do not pace quotes
    assert quotes.paced_lifetime_ms() == int(2 * 60_000 / 28)
    now[0] += 60
    assert quotes.paced_lifetime_ms() == 3000               # the window forgot them
