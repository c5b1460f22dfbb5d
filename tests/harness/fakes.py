"""Stand-ins for the venues' clients that answer at once and record exactly what they were asked.

Each keeps what the venue would know (positions, orders by client id) so that lookups and
restarts see a consistent world; each can be told how to answer the next call.
"""
from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hedge.adapters.hedging.venue import (HedgeLeg, HedgeOutcome, HedgeRequest, HedgeStatus,
                                          MarketRules, OrderLookup)
from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.order_client import OrderCounters, TxResult
from hedge.adapters.lighter.request_budget import Priority, RequestBudget
from hedge.core.hedge_order import hedge_client_id
from hedge.core.order_book import OrderBook
from hedge.core.types import BookLevel, OrderUpdate
from tests.harness import frames

HEDGE_SYMBOL = "ETH/USDT:USDT"
ACCEPTED = TxResult(accepted=True, code=200)
COUNTED = {"place": "orders_placed", "modify": "orders_modified", "cancel": "orders_canceled",
           "cancel_all": "cancel_alls"}


def rejected(code: int = 21_706, message: str = "invalid nonce") -> TxResult:
    return TxResult(accepted=False, code=code, message=message)


def calls_of(obj: Any, name: str) -> list[tuple]:
    """The positional arguments of every call to `obj.name` (a method or a coroutine method of
    a fake), from now on; each call goes on to the method as before. For the tests that check
    what the code under test asked for (which account, symbol, size), which the fakes' own
    records leave out."""
    method = getattr(obj, name)
    calls: list[tuple] = []
    if inspect.iscoroutinefunction(method):
        async def recorded(*args, **kwargs):
            calls.append(args)
            return await method(*args, **kwargs)
    else:
        def recorded(*args, **kwargs):
            calls.append(args)
            return method(*args, **kwargs)
    setattr(obj, name, recorded)
    return calls


class FakeStream:
    """The stream client as the engine sees it: a live book per market and `on_message`."""

    def __init__(self, markets: tuple[int, ...] = (frames.MARKET,)) -> None:
        self.connected = asyncio.Event()
        self.connected.set()
        self.on_message = None
        self.books = {market: OrderBook(market) for market in markets}

    def feed(self, raw: dict[str, Any], recv_ns: int = 1) -> m.Message:
        """One frame off the wire: the book first (as the real client does), then the engine."""
        msg = frames.parse(raw, recv_ns)
        if isinstance(msg, m.OrderBookFrame) and msg.market_id in self.books:
            book = self.books[msg.market_id]
            if isinstance(msg, m.OrderBookSnapshot):
                book.apply_snapshot(msg.asks, msg.bids, nonce=msg.nonce, offset=msg.offset)
            else:
                book.apply_update(msg.asks, msg.bids, nonce=msg.nonce,
                                  begin_nonce=msg.begin_nonce, offset=msg.offset)
        if self.on_message is not None:
            self.on_message(msg)
        return msg

    def best_bid_ask(self, market: int) -> tuple[BookLevel | None, BookLevel | None]:
        book = self.books[market]
        if not book.is_live:
            return None, None
        return book.best_bid(), book.best_ask()


class FakeOrderClient:
    """Lighter transactions: `calls` lists each as a tuple; `answers` scripts the next ones.

    `budget` is the real request budget the quote keeper reads (this fake does not spend it:
    a test that wants it spent spends it); `counters` count what was accepted, as the real
    client's do."""

    def __init__(self, budget: RequestBudget | None = None) -> None:
        self.budget = budget if budget is not None else RequestBudget("standard")
        self.counters = OrderCounters()
        self.calls: list[tuple] = []
        self.answers: list[TxResult | Exception] = []  # popped per call; empty: accepted
        self.hold: asyncio.Event | None = None  # set: calls wait for it (an answer in transit)
        self.raise_on: dict[str, Exception] = {}  # call kind -> what every such call raises
        self.refuse: set[str] = set()              # call kinds the venue rejects, every time

    async def _answer(self, call: tuple) -> TxResult:
        self.calls.append(call)
        if call[0] in self.raise_on:
            raise self.raise_on[call[0]]
        if self.hold is not None:
            await self.hold.wait()
        if call[0] in self.refuse:
            return rejected()
        answer = self.answers.pop(0) if self.answers else ACCEPTED
        if isinstance(answer, Exception):
            raise answer
        if answer.accepted:
            counter = COUNTED.get(call[0])
            if counter:
                setattr(self.counters, counter, getattr(self.counters, counter) + 1)
        else:
            self.counters.rejected += 1
        if answer.volume_quota_remaining is not None:
            self.counters.volume_quota_remaining = answer.volume_quota_remaining
        return answer

    async def create_post_only(self, market_id: int, is_ask: bool, size: Decimal, price: Decimal,
                               client_order_index: int) -> TxResult:
        return await self._answer(("place", "ask" if is_ask else "bid", size, price,
                                   client_order_index))

    async def modify(self, market_id: int, client_order_index: int, size: Decimal,
                     price: Decimal) -> TxResult:
        return await self._answer(("modify", client_order_index, size, price))

    async def cancel(self, market_id: int, client_order_index: int) -> TxResult:
        return await self._answer(("cancel", client_order_index))

    async def cancel_all(self) -> TxResult:
        return await self._answer(("cancel_all",))

    async def schedule_cancel_all(self, in_ms: int) -> TxResult:
        return await self._answer(("schedule_cancel_all", in_ms))

    async def abort_scheduled_cancel_all(self) -> TxResult:
        return await self._answer(("abort_scheduled_cancel_all",))

    def kinds(self) -> list[str]:
        return [call[0] for call in self.calls]


class FakeRest:
    """Lighter REST: the account's position and its orders by client index."""

    def __init__(self) -> None:
        self.positions: dict[int, Decimal] = {}
        self.position_answers: list[Decimal] = []          # popped first, then `positions`
        self.orders: dict[int, OrderUpdate] = {}          # client order index -> last state
        self.active: list[OrderUpdate] = []
        self.failures_left = 0                             # the next calls raise
        self.calls: list[tuple] = []
        self.fee_ticks: tuple[int, int] | None = None     # accountLimits (maker, taker); None: fail

    def put_order(self, raw_order: dict[str, Any]) -> OrderUpdate:
        """Record an order's state as REST will report it (shape of `frames.order`)."""
        update = frames.parse(frames.account_orders(raw_order)).all_orders()[0]
        self.orders[update.client_order_index] = update
        return update

    def _maybe_fail(self) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("REST unreachable")

    async def account_fee_ticks(self, account: int, token: str) -> tuple[int, int]:
        self.calls.append(("account_fee_ticks", account))
        if self.fee_ticks is None:
            raise ConnectionError("accountLimits not served")
        return self.fee_ticks

    async def account_position(self, account: int, market: int,
                               priority: Priority = Priority.SAFETY) -> Decimal:
        self.calls.append(("account_position", market))
        self._maybe_fail()
        if self.position_answers:
            return self.position_answers.pop(0)
        return self.positions.get(market, Decimal(0))

    async def orders_in_chunks(self, account: int, client_order_indexes: list[int], token: str):
        self.calls.append(("orders", tuple(client_order_indexes)))
        self._maybe_fail()
        yield [self.orders[i] for i in client_order_indexes if i in self.orders]

    async def orders_by_client_index(self, account: int, client_order_indexes: list[int],
                                     token: str, priority: Priority = Priority.SAFETY
                                     ) -> list[OrderUpdate]:
        self.calls.append(("orders_by_client_index", tuple(client_order_indexes)))
        self._maybe_fail()
        return [self.orders[i] for i in client_order_indexes if i in self.orders]

    async def active_orders(self, account: int, market: int, token: str,
                            priority: Priority = Priority.SAFETY) -> list[OrderUpdate]:
        self.calls.append(("active_orders", market))
        self._maybe_fail()
        return list(self.active)


@dataclass
class VenueOrder:
    client_id: str
    amount: Decimal           # signed, as asked
    filled: Decimal           # signed
    price: Decimal
    reduce_only: bool


@dataclass
class FakeHedgeVenue:
    """A hedge venue that trades at one price, enforces reduce-only and minimum notional as
    the real one does, and remembers every order by client id.

    `script` tells it how to answer the next submissions, one word each, then "fill":
    fill | reject | lost (never arrives) | unresolved (traded, answer lost) | halt | raise |
    partial (half traded).
    """

    bid: Decimal = Decimal("1999.5")
    ask: Decimal = Decimal("2000.5")
    rules_: MarketRules = field(default_factory=lambda: MarketRules(
        HEDGE_SYMBOL, Decimal("0.001"), Decimal("0.01"), Decimal("0.001"), Decimal("5")))
    position_: Decimal = Decimal(0)
    book_fresh: bool = True
    book_age: float = 0.0                 # ms, while the book is fresh
    script: list[str] = field(default_factory=list)
    lookup_failures_left: int = 0
    requests: list[HedgeRequest] = field(default_factory=list)
    orders: dict[str, VenueOrder] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    hold: asyncio.Event | None = None     # set: a submission waits for it once recorded
    book_refreshes: int = 0
    refresh_failures_left: int = 0
    watching: list[str] = field(default_factory=list)   # symbols whose book feed was started
    watch_error: Exception | None = None                 # the book feed dies with it
    depth: Decimal | None = None                         # base within the slippage cap, if known
    fee_answer: Any = None          # what the fee read returns (an Exception: it raises it)

    async def start(self) -> None:
        return None

    def rules(self, symbol: str) -> MarketRules:
        return self.rules_

    async def refresh_book(self, symbol: str) -> object:
        self.book_refreshes += 1
        if self.refresh_failures_left:
            self.refresh_failures_left -= 1
            raise ConnectionError("hedge venue unreachable")
        return None

    async def watch_book(self, symbol: str) -> None:
        """The book feed: fresh (or not) as `book_fresh` says, until cancelled."""
        self.watching.append(symbol)
        if self.watch_error is not None:
            raise self.watch_error
        await asyncio.Event().wait()

    def book_age_ms(self, symbol: str) -> float | None:
        return self.book_age if self.book_fresh else None

    def executable_price(self, symbol: str, amount: Decimal, is_buy: bool) -> Decimal | None:
        if not self.book_fresh:
            return None
        return self.ask if is_buy else self.bid

    def depth_base(self, symbol: str, is_buy: bool, within_bps: Decimal) -> Decimal | None:
        return self.depth if self.book_fresh else None

    async def taker_fee_bps(self, symbol: str) -> Decimal:
        if isinstance(self.fee_answer, Exception):
            raise self.fee_answer
        if self.fee_answer is None:
            raise ConnectionError("fee endpoint not served")
        return Decimal(self.fee_answer)

    async def position(self, symbol: str) -> Decimal:
        return self.position_

    async def balance(self, asset: str) -> Decimal:
        return Decimal(100_000)

    async def close(self) -> None:
        return None

    async def find_order(self, symbol: str, client_id: str) -> OrderLookup | None:
        self.lookups.append(client_id)
        if self.lookup_failures_left:
            self.lookup_failures_left -= 1
            raise ConnectionError("hedge venue unreachable")
        order = self.orders.get(client_id)
        if order is None:
            return None
        return OrderLookup(client_id, "closed", order.filled, order.price if order.filled else None)

    @property
    def sent(self) -> list[tuple[Decimal, bool]]:
        """(signed amount, reduce_only) of every submission, in order."""
        return [(r.amount, r.reduce_only) for r in self.requests]

    async def submit_hedge(self, request: HedgeRequest) -> HedgeOutcome:
        self.requests.append(request)
        if self.hold is not None:
            await self.hold.wait()
        mode = self.script.pop(0) if self.script else "fill"
        if mode == "raise":
            raise RuntimeError("venue adapter bug")
        client_id = hedge_client_id(*request.fill_key, attempt=request.first_attempt)
        if mode == "halt":
            return self._outcome(request, HedgeStatus.HALTED, (), "API key rejected")
        if mode == "reject":
            return self._outcome(request, HedgeStatus.REJECTED, (), "insufficient margin")
        refusal = self._refusal(request)
        if refusal:
            return self._outcome(request, HedgeStatus.REJECTED, (), refusal)
        if request.before_send is not None:
            request.before_send(client_id, request.amount)
        if mode == "lost":
            return self._outcome(request, HedgeStatus.UNRESOLVED, (client_id,), "timeout",
                                 legs=(HedgeLeg(client_id, HedgeStatus.UNRESOLVED, Decimal(0),
                                                None),))
        filled = request.amount if mode != "partial" else request.amount / 2
        price = self.ask if request.amount > 0 else self.bid
        self.orders[client_id] = VenueOrder(client_id, request.amount, filled, price,
                                            request.reduce_only)
        self.position_ += filled
        if mode == "unresolved":
            return self._outcome(request, HedgeStatus.UNRESOLVED, (client_id,), "timeout",
                                 legs=(HedgeLeg(client_id, HedgeStatus.UNRESOLVED, Decimal(0),
                                                None),))
        status = HedgeStatus.FILLED if mode == "fill" else HedgeStatus.PARTIAL
        return HedgeOutcome(request, status, filled, price, (client_id,),
                            legs=(HedgeLeg(client_id, status, filled, price),))

    def _refusal(self, request: HedgeRequest) -> str:
        if request.reduce_only:
            grows = self.position_ == 0 or (request.amount > 0) == (self.position_ > 0)
            if grows or abs(request.amount) > abs(self.position_):
                return "ReduceOnly Order is rejected"
        elif abs(request.amount) * (self.ask if request.amount > 0 else self.bid) \
                < self.rules_.min_notional:
            return "below minimum notional"
        return ""

    @staticmethod
    def _outcome(request: HedgeRequest, status: HedgeStatus, client_ids: tuple[str, ...],
                 reason: str, legs: tuple[HedgeLeg, ...] = ()) -> HedgeOutcome:
        return HedgeOutcome(request, status, Decimal(0), None, client_ids, reason, legs=legs)
