"""The bot's resting post-only quotes on Lighter: place, move with one modify, take down.

It learns what happened to each quote from the account stream only (`code 200` means accepted,
not executed). Each quote carries its in-flight state (`placing`, `modifying`, `canceling`,
else `open`): while a transaction is on its way nothing more is sent for that quote, so a side
that turns off sends one cancel, not one every loop. A quote whose transaction the stream has
not confirmed within `settle_timeout_s` is `overdue`: the ghost check (ghost_quotes.py) asks
the venue about it and the answer settles it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from loguru import logger

from hedge.adapters.lighter.markets import MarketSpec
from hedge.adapters.lighter.order_client import LighterOrderClient, TxResult
from hedge.adapters.lighter.request_budget import SHARE, Priority, request_weight
from hedge.app.client_indexes import ClientIndexSource
from hedge.core.quoting import QuotaPacing, QuoteTarget, quota_state, requote_action
from hedge.core.types import OrderUpdate, is_live
from hedge.core.latency_histogram import LatencyHistogram
from hedge.infra.clock import REAL_CLOCK, MonotonicClock, wall_s
from hedge.infra.journal import Journal
from hedge.infra.rate_limit import TokenBucket

TAG = "[QUOTE]"
SETTLE_TIMEOUT_S = 3.0          # a tx not seen on the stream by then is asked about over REST
QUOTA_PROBE_S = 30.0            # while paused by quota: one placement this often reads it again


@dataclass
class RestingQuote:
    client_order_index: int
    price: Decimal
    size: Decimal
    moved_at_s: float
    order_index: int | None = None
    state: str = "placing"              # placing | open | modifying | canceling
    sent_at_s: float = 0.0              # when the in-flight tx was sent
    accepted_at_s: float | None = None  # when the venue answered 200 (for tx latency)
    awaiting_answer: bool = False       # the tx is still on its way to the venue
    hedge_price: Decimal | None = None  # what the version resting assumed its hedge would fetch
    modify_hedge_price: Decimal | None = None   # the in-flight modify's, in force once seen

    @property
    def in_flight(self) -> bool:
        return self.state != "open"


@dataclass
class QuoteCounters:
    post_only_rejects: int = 0
    tx_rejected: int = 0
    skipped_by_rate: int = 0            # requotes the request budget (or tx cap) could not afford
    silent_rejects_found: int = 0       # accepted, never on the stream, not at the venue
    quota_pauses: int = 0
    tx_latency_ms: LatencyHistogram = field(default_factory=LatencyHistogram)  # 200 answer -> seen open


def del_oldest(table: dict, keep: int) -> None:
    while len(table) > keep:
        del table[next(iter(table))]


class QuoteKeeper:
    def __init__(self, orders: LighterOrderClient, spec: MarketSpec, order_size: Decimal,
                 tolerance_bps: Decimal, min_lifetime_ms: int, tx_bucket: TokenBucket | None = None,
                 journal: Journal | None = None, *, settle_timeout_s: float = SETTLE_TIMEOUT_S,
                 quota_pacing: QuotaPacing = QuotaPacing(), client_indexes=None,
                 clock: MonotonicClock = REAL_CLOCK) -> None:
        """`client_indexes`: the account's one source (client_indexes.py), shared by every
        market; None: one of this keeper's own (a single market)."""
        self.clock = clock
        self.orders = orders
        self.spec = spec
        self.order_size = order_size
        self.tolerance_bps = tolerance_bps
        self.min_lifetime_ms = min_lifetime_ms
        self.settle_timeout_s = settle_timeout_s
        self.quota_pacing = quota_pacing
        self.counters = QuoteCounters()
        self.sides: dict[str, RestingQuote | None] = {"bid": None, "ask": None}
        self.own_client_indexes: list[int] = []       # every quote this run placed, oldest first
        self.quota = "ok"                             # ok | slow | paused (premium volume quota)
        self.markets_sharing = 1                      # markets quoting on the same budget
        self._next_index = client_indexes or ClientIndexSource(journal, clock)
        self._bucket = tx_bucket
        self._journal = journal
        self._quota_probe_at_s = 0.0
        self._ghosts: dict[int, str] = {}             # cleared as ghosts: client index -> side
        self._strays: set[int] = set()                # ghosts that showed up after all: cancel
        self._pulled_at_s: dict[str, float] = {}      # side -> last loss-line cancel

    async def apply(self, target: QuoteTarget) -> int:
        """Move the quotes toward `target`; returns how many were placed or moved."""
        priced = 0
        self._pace_by_quota()
        for index in list(self._strays):
            self._strays.discard(index)
            result = await self.orders.cancel(self.spec.market_id, index)
            self._check(result, f"cancel stray coi={index}")
        for side, price, hedge_price, loss_line, size in (
                ("bid", target.bid, target.bid_hedge_price, target.bid_loss_line, target.bid_size),
                ("ask", target.ask, target.ask_hedge_price, target.ask_loss_line, target.ask_size)):
            quote = self.sides[side]
            if quote is not None and quote.in_flight:
                continue                    # one tx at a time per quote; the ghost check settles it
            if self.quota == "paused" and price is not None and not self._quota_probe_due():
                price = None                # take the quote down: it could not be moved any more
            rested_ms = int((self.clock.now_s() - quote.moved_at_s) * 1000) if quote else 0
            slow = self.quota_pacing.slow_factor if self.quota == "slow" else 1
            action = requote_action(quote.price if quote else None, price, rested_ms,
                                    self.tolerance_bps * slow, self.paced_lifetime_ms() * slow,
                                    side, loss_line)
            if action == "keep" or (action == "place" and self._replacing_too_soon(side)):
                continue
            if action != "cancel" and not self._affordable():
                self.counters.skipped_by_rate += 1
                continue
            if action == "place":
                await self._place(side, price, hedge_price, size)
                priced += 1
            elif action == "modify":
                await self._modify(side, quote, price, hedge_price)
                priced += 1
            else:
                if price is not None:       # pulled back across its loss line, not turned off
                    self._pulled_at_s[side] = self.clock.now_s()
                await self._cancel(side, quote)
        return priced

    def _replacing_too_soon(self, side: str) -> bool:
        """A side pulled back across its loss line is placed again only after the paced
        lifetime: a cancel and a placement cost two requests, and a market that keeps crossing
        the line must not spend the budget a pair at a time."""
        pulled = self._pulled_at_s.get(side)
        if pulled is None:
            return False
        return (self.clock.now_s() - pulled) * 1000 < self.paced_lifetime_ms()

    def paced_lifetime_ms(self) -> int:
        """The minimum quote life, or longer where the budget could not pay for moving both
        sides that often. The quote share (~40 requests a minute on a standard account) less
        what the other requests (position checks, reconciles) spent in the last window is what
        quotes can spend evenly: ~28 a minute, a side moving every ~4.3 s, instead of spending
        it all in the first half of the minute and then resting stale. Pulling back a quote
        that no longer pays is never held to it. Several markets share the quote budget evenly."""
        budget = self.orders.budget
        weight = request_weight(budget.tier, "sendTx")
        room = budget.capacity * SHARE[Priority.QUOTE] - budget.used_by_others(Priority.QUOTE)
        per_window = max(room, weight) / weight / self.markets_sharing
        return max(self.min_lifetime_ms, int(2 * budget.window_s * 1000 / per_window))

    def _affordable(self) -> bool:
        """A placement or modify goes only if the budget has room for it now (a requote that
        waits would be stale when it goes) and the optional tx cap agrees."""
        budget = self.orders.budget
        if budget.room(Priority.QUOTE) < request_weight(budget.tier, "sendTx"):
            return False
        return self._bucket is None or self._bucket.try_take()

    def _pace_by_quota(self) -> None:
        """Premium only: a standard account spends no volume quota (whatever the answers say)."""
        if self.orders.budget.tier != "premium":
            return
        state = quota_state(self.orders.counters.volume_quota_remaining, self.quota_pacing)
        if state == self.quota:
            return
        remaining = self.orders.counters.volume_quota_remaining
        if state == "paused":
            self.counters.quota_pauses += 1
            self._quota_probe_at_s = self.clock.now_s()
            logger.warning("{} quoting paused: Lighter volume quota {} is below {}; quotes taken "
                           "down until it grows", TAG, remaining, self.quota_pacing.pause_below)
        elif state == "slow":
            logger.warning("{} volume quota {} is below {}: requoting {}x slower", TAG, remaining,
                           self.quota_pacing.slow_below, self.quota_pacing.slow_factor)
        else:
            logger.info("{} volume quota {}: requoting at the normal pace", TAG, remaining)
        self.quota = state

    def _quota_probe_due(self) -> bool:
        if self.clock.now_s() - self._quota_probe_at_s < QUOTA_PROBE_S:
            return False
        self._quota_probe_at_s = self.clock.now_s()
        return True

    async def _place(self, side: str, price: Decimal, hedge_price: Decimal | None = None,
                     size: Decimal | None = None) -> None:
        size = size or self.order_size
        index = next(self._next_index)
        if self._journal is not None:
            self._journal.record_order(index, self.spec.market_id, side)
        self.own_client_indexes.append(index)
        del self.own_client_indexes[:-500]
        quote = RestingQuote(index, price, size, self.clock.now_s(), awaiting_answer=True,
                             hedge_price=hedge_price)
        self.sides[side] = quote
        result = await self.orders.create_post_only(self.spec.market_id, side == "ask",
                                                    size, price, index)
        quote.awaiting_answer, quote.sent_at_s = False, self.clock.now_s()
        self._check(result, f"place {side} {size} @ {price} coi={index}")
        if result.accepted:
            quote.accepted_at_s = self.clock.now_s()
        elif not result.timed_out and self.sides[side] is quote:
            self.sides[side] = None         # refused outright: nothing rests
        # timed out: it may rest; the ghost check asks the venue once it is overdue

    async def _modify(self, side: str, quote: RestingQuote, price: Decimal,
                      hedge_price: Decimal | None = None) -> None:
        """The old version's assumed hedge price stays in force until the stream shows the
        order at the new price: a fill meanwhile was priced against the old one."""
        previous, previous_at_s = quote.price, quote.moved_at_s
        quote.price, quote.moved_at_s = price, self.clock.now_s()
        quote.modify_hedge_price = hedge_price
        quote.state, quote.awaiting_answer = "modifying", True
        result = await self.orders.modify(self.spec.market_id, quote.client_order_index,
                                          quote.size, price)
        quote.awaiting_answer, quote.sent_at_s = False, self.clock.now_s()
        self._check(result, f"modify {side} coi={quote.client_order_index} {previous} -> {price}")
        if not result.accepted and not result.timed_out and quote.state == "modifying":
            # Refused: the order still rests at the old price; the next decision must know it.
            quote.state, quote.price, quote.moved_at_s = "open", previous, previous_at_s
            quote.modify_hedge_price = None

    async def _cancel(self, side: str, quote: RestingQuote) -> None:
        quote.state, quote.awaiting_answer = "canceling", True
        result = await self.orders.cancel(self.spec.market_id, quote.client_order_index)
        quote.awaiting_answer, quote.sent_at_s = False, self.clock.now_s()
        self._check(result, f"cancel {side} coi={quote.client_order_index}")

    def _check(self, result: TxResult, what: str) -> None:
        if result.accepted:
            logger.debug("{} {} accepted ({:.2f} ms, sign {:.2f} ms)", TAG, what, result.latency_ms,
                         result.sign_ms)
        else:
            self.counters.tx_rejected += 1
            logger.warning("{} {} rejected: code={} {}", TAG, what, result.code, result.message)

    def on_order(self, update: OrderUpdate) -> None:
        """Stream (or REST) update for any order of ours: the quote's state follows it."""
        if update.client_order_index in self._ghosts:
            self._ghost_seen(update)
            return
        for side, quote in self.sides.items():
            if quote is None or quote.client_order_index != update.client_order_index:
                continue
            quote.order_index = update.order_index
            if update.is_terminal:
                if update.status == "canceled-post-only":
                    self.counters.post_only_rejects += 1
                logger.debug("{} {} coi={} is {}", TAG, side, quote.client_order_index, update.status)
                self.sides[side] = None
            elif is_live(update.status):
                self._seen_live(quote, update)

    def _seen_live(self, quote: RestingQuote, update: OrderUpdate) -> None:
        if quote.state == "placing":
            quote.state = "open"
            if quote.accepted_at_s is not None:
                self.counters.tx_latency_ms.append((self.clock.now_s() - quote.accepted_at_s) * 1000)
        elif quote.state == "modifying" and update.price == quote.price:
            quote.state = "open"
            quote.hedge_price, quote.modify_hedge_price = quote.modify_hedge_price, None
        if quote.state == "open":
            quote.price = update.price      # what the venue says rests, not what we asked for

    def _ghost_seen(self, update: OrderUpdate) -> None:
        """A quote cleared as a ghost turned up after all: adopted if its side is free, else
        canceled; never left resting unmanaged."""
        side = self._ghosts.pop(update.client_order_index)
        if update.is_terminal:
            return
        logger.warning("{} {} coi={} cleared as a ghost is on the book after all ({} @ {})", TAG,
                       side, update.client_order_index, update.status, update.price)
        if self.sides[side] is None:
            self.sides[side] = RestingQuote(update.client_order_index, update.price, self.order_size,
                                            self.clock.now_s(), update.order_index, state="open")
        else:
            self._strays.add(update.client_order_index)

    # -- settling what the stream has not confirmed -----------------------------------------

    def overdue(self) -> list[tuple[str, RestingQuote]]:
        """Quotes whose last tx the stream has not confirmed within the settle timeout."""
        now = self.clock.now_s()
        return [(side, q) for side, q in self.sides.items()
                if q is not None and q.in_flight and not q.awaiting_answer
                and now - q.sent_at_s >= self.settle_timeout_s]

    def settle(self, side: str, quote: RestingQuote, found: OrderUpdate | None) -> None:
        """The venue's answer about an overdue quote (None: it has no such order)."""
        if self.sides.get(side) is not quote or not quote.in_flight:
            return                                   # the stream settled it meanwhile
        if found is None:
            self.sides[side] = None
            self._ghosts[quote.client_order_index] = side
            del_oldest(self._ghosts, 100)
            if quote.state == "placing":
                self.counters.silent_rejects_found += 1
                logger.warning("{} ghost quote: {} coi={} @ {} was accepted but never reached the "
                               "book (not on the stream, unknown to the venue): cleared", TAG,
                               side, quote.client_order_index, quote.price)
            else:
                logger.warning("{} ghost quote: {} coi={} ({}) is unknown to the venue: cleared",
                               TAG, side, quote.client_order_index, quote.state)
            return
        if found.is_terminal:
            self.on_order(found)
            return
        state = quote.state
        if state == "modifying" and found.price == quote.price:
            quote.hedge_price = quote.modify_hedge_price
        quote.modify_hedge_price = None
        quote.state, quote.price, quote.order_index = "open", found.price, found.order_index
        logger.warning("{} {} coi={} ({}) not confirmed on the stream; the venue shows it {} @ {}: "
                       "adopted", TAG, side, quote.client_order_index, state, found.status,
                       found.price)

    def hedge_price_assumed(self, client_order_index: int,
                            price: Decimal | None = None) -> Decimal | None:
        """The hedge price the version of the quote that rests at `price` (the stream's) was
        priced against: during a modify, the old version's until the order shows the new
        price."""
        for quote in self.sides.values():
            if quote is not None and quote.client_order_index == client_order_index:
                if (quote.state == "modifying" and price is not None and price == quote.price
                        and quote.modify_hedge_price is not None):
                    return quote.modify_hedge_price
                return quote.hedge_price
        return None

    def resting(self) -> dict[str, Decimal | None]:
        return {side: (q.price if q else None) for side, q in self.sides.items()}
