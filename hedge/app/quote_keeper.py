"""The bot's resting post-only quotes on Lighter: place, move with one modify, take down.

It learns what happened to each quote from the account stream only (`code 200` means accepted,
not executed): a quote is gone when the stream shows a terminal status for it.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from decimal import Decimal

from loguru import logger

from hedge.adapters.lighter.markets import MarketSpec
from hedge.adapters.lighter.order_client import LighterOrderClient, TxResult
from hedge.core.quoting import QuoteTarget, requote_action
from hedge.core.types import OrderUpdate
from hedge.infra.journal import Journal
from hedge.infra.rate_limit import TokenBucket

TAG = "[QUOTE]"
CLIENT_INDEX_MAX = 2**48 - 1


@dataclass
class RestingQuote:
    client_order_index: int
    price: Decimal
    size: Decimal
    moved_at_s: float
    order_index: int | None = None
    hedge_price: Decimal | None = None     # what the quote assumed its hedge would fetch


@dataclass
class QuoteCounters:
    post_only_rejects: int = 0
    tx_rejected: int = 0
    skipped_by_rate: int = 0


def client_index_source():
    """Client order indexes that do not repeat across runs: milliseconds * 64 + a counter."""
    base = (int(time.time() * 1000) * 64) % CLIENT_INDEX_MAX
    return (base + i for i in itertools.count(1))


class QuoteKeeper:
    def __init__(self, orders: LighterOrderClient, spec: MarketSpec, order_size: Decimal,
                 tolerance_bps: Decimal, min_lifetime_ms: int, tx_bucket: TokenBucket,
                 journal: Journal | None = None) -> None:
        self.orders = orders
        self.spec = spec
        self.order_size = order_size
        self.tolerance_bps = tolerance_bps
        self.min_lifetime_ms = min_lifetime_ms
        self.counters = QuoteCounters()
        self.sides: dict[str, RestingQuote | None] = {"bid": None, "ask": None}
        self.own_client_indexes: list[int] = []       # every quote this run placed, oldest first
        self._next_index = client_index_source()
        self._bucket = tx_bucket
        self._journal = journal

    async def apply(self, target: QuoteTarget) -> int:
        """Move the quotes toward `target`; returns how many were placed or moved."""
        priced = 0
        for side, price, hedge_price in (("bid", target.bid, target.bid_hedge_price),
                                         ("ask", target.ask, target.ask_hedge_price)):
            quote = self.sides[side]
            rested_ms = int((time.monotonic() - quote.moved_at_s) * 1000) if quote else 0
            action = requote_action(quote.price if quote else None, price, rested_ms,
                                    self.tolerance_bps, self.min_lifetime_ms)
            if action == "keep":
                continue
            if action != "cancel" and not self._bucket.try_take():
                self.counters.skipped_by_rate += 1
                continue
            if action == "place":
                await self._place(side, price, hedge_price)
                priced += 1
            elif action == "modify":
                quote.hedge_price = hedge_price
                await self._modify(side, quote, price)
                priced += 1
            else:
                await self._cancel(side, quote)
        return priced

    async def _place(self, side: str, price: Decimal, hedge_price: Decimal | None = None) -> None:
        index = next(self._next_index)
        if self._journal is not None:
            self._journal.record_order(index, self.spec.market_id, side)
        self.own_client_indexes.append(index)
        del self.own_client_indexes[:-500]
        quote = RestingQuote(index, price, self.order_size, time.monotonic(),
                             hedge_price=hedge_price)
        self.sides[side] = quote
        result = await self.orders.create_post_only(self.spec.market_id, side == "ask",
                                                    self.order_size, price, index)
        self._check(result, f"place {side} {self.order_size} @ {price} coi={index}")
        if not result.accepted and self.sides[side] is quote:
            self.sides[side] = None

    async def _modify(self, side: str, quote: RestingQuote, price: Decimal) -> None:
        previous = quote.price
        quote.price, quote.moved_at_s = price, time.monotonic()
        result = await self.orders.modify(self.spec.market_id, quote.client_order_index,
                                          quote.size, price)
        self._check(result, f"modify {side} coi={quote.client_order_index} {previous} -> {price}")

    async def _cancel(self, side: str, quote: RestingQuote) -> None:
        result = await self.orders.cancel(self.spec.market_id, quote.client_order_index)
        self._check(result, f"cancel {side} coi={quote.client_order_index}")

    def _check(self, result: TxResult, what: str) -> None:
        if result.accepted:
            logger.debug("{} {} accepted ({:.2f} ms, sign {:.2f} ms)", TAG, what, result.latency_ms,
                         result.sign_ms)
        else:
            self.counters.tx_rejected += 1
            logger.warning("{} {} rejected: code={} {}", TAG, what, result.code, result.message)

    def on_order(self, update: OrderUpdate) -> None:
        """Stream update for any order of ours: forget a quote once it is terminal."""
        for side, quote in self.sides.items():
            if quote is None or quote.client_order_index != update.client_order_index:
                continue
            quote.order_index = update.order_index
            if update.is_terminal:
                if update.status == "canceled-post-only":
                    self.counters.post_only_rejects += 1
                logger.debug("{} {} coi={} is {}", TAG, side, quote.client_order_index, update.status)
                self.sides[side] = None

    def hedge_price_assumed(self, client_order_index: int) -> Decimal | None:
        """The hedge price the resting quote with this client index was priced against."""
        for quote in self.sides.values():
            if quote is not None and quote.client_order_index == client_order_index:
                return quote.hedge_price
        return None

    def resting(self) -> dict[str, Decimal | None]:
        return {side: (q.price if q else None) for side, q in self.sides.items()}
