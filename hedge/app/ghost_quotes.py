"""Quotes the stream never confirmed, settled by asking the venue.

Lighter answers sendTx 200 when it takes a transaction for sequencing; the sequencer may still
refuse it (price band, margin) and then no order frame ever comes. A quote whose transaction is
overdue (quote_keeper.SETTLE_TIMEOUT_S) is looked up over REST by client order index: found, it
is adopted (and any fill on it goes through the fill path); not found, it is a ghost and cleared,
logged at WARNING as `ghost quote` and counted as a silent reject.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from loguru import logger

from hedge.adapters.lighter.request_budget import Priority
from hedge.adapters.lighter.rest import LighterRest
from hedge.app.quote_keeper import QuoteKeeper
from hedge.core.types import OrderUpdate
from hedge.infra.clock import REAL_CLOCK, MonotonicClock

CHECK_INTERVAL_S = 0.5


class GhostQuoteCheck:
    def __init__(self, quotes: QuoteKeeper, rest: LighterRest, account: int,
                 auth_token: Callable[[], Awaitable[str]],
                 on_found: Callable[[OrderUpdate], None],
                 clock: MonotonicClock = REAL_CLOCK) -> None:
        self.clock = clock
        self.quotes = quotes
        self.rest = rest
        self.account = account
        self.auth_token = auth_token
        self.on_found = on_found          # the engine's order path (fills included)

    async def run(self) -> None:
        while True:
            await self.clock.sleep(CHECK_INTERVAL_S)
            await self.check_once()

    async def check_once(self) -> int:
        """Settle every overdue quote; returns how many were asked about."""
        overdue = self.quotes.overdue()
        if not overdue:
            return 0
        try:
            token = await self.auth_token()
            found = await self.rest.orders_by_client_index(
                self.account, [q.client_order_index for _, q in overdue], token, Priority.SAFETY)
        except Exception as exc:  # REST hiccup: the next check asks again
            logger.warning("overdue quote lookup failed: {}: {}", type(exc).__name__, exc)
            return 0
        by_index = {o.client_order_index: o for o in found}
        for side, quote in overdue:
            order = by_index.get(quote.client_order_index)
            if order is not None:
                self.on_found(order)
            if quote.in_flight:
                self.quotes.settle(side, quote, order)
        return len(overdue)
