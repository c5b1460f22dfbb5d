"""The hedge venue as the hedge desk sees it, in process, over the model's hedge book.

A hedge is priced at submit (Hs), travels `model.hedge.latency_ms`, then takes from the book
at that moment (Ph) and depletes it; the ledger keeps both for the split.
"""
from __future__ import annotations

import asyncio
from decimal import Decimal

from hedge.adapters.hedging.venue import (HedgeLeg, HedgeOutcome, HedgeRequest, HedgeStatus,
                                          MarketRules, OrderLookup)
from hedge.core.hedge_order import hedge_client_id
from hedge.lab.ledger import HedgeFact, Ledger
from hedge.lab.lighter_double import LabLighter

AMOUNT_STEP = Decimal("0.001")
RULES = dict(amount_step=AMOUNT_STEP, price_tick=Decimal("0.01"), min_amount=AMOUNT_STEP,
             min_notional=Decimal("5"))


class LabHedgeVenue:
    def __init__(self, lighter: LabLighter, ledger: Ledger) -> None:
        self.lighter = lighter
        self.sim = lighter.sim
        self.ledger = ledger
        self.position_base = Decimal(0)
        self._orders: dict[str, OrderLookup] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def rules(self, symbol: str) -> MarketRules:
        return MarketRules(symbol, **RULES)

    async def refresh_book(self, symbol: str) -> None:
        return None

    async def watch_book(self, symbol: str) -> None:
        """The book is always fresh here: the feed only waits to be cancelled."""
        await asyncio.Event().wait()

    def book_age_ms(self, symbol: str) -> float | None:
        return 0.0

    def executable_price(self, symbol: str, amount: Decimal, is_buy: bool) -> Decimal | None:
        filled, price = self.sim.hedge_price(float(amount), is_buy)
        if filled < float(amount) - 1e-12:
            return None
        return Decimal(repr(price))

    async def position(self, symbol: str) -> Decimal:
        return self.position_base

    async def balance(self, asset: str) -> Decimal:
        return Decimal(10**9)

    async def find_order(self, symbol: str, client_id: str) -> OrderLookup | None:
        return self._orders.get(client_id)

    async def submit_hedge(self, request: HedgeRequest) -> HedgeOutcome:
        client_id = hedge_client_id(*request.fill_key, attempt=request.first_attempt)
        is_buy = request.amount > 0
        size = float(abs(request.amount))
        _, at_submit = self.sim.hedge_price(size, is_buy)
        if request.before_send is not None:
            request.before_send(client_id, request.amount)
        await asyncio.sleep(self.sim.model.hedge.latency_ms / 1000)
        self.lighter.flush()
        filled_base, price = self.sim.hedge_take(size, is_buy)
        filled = (Decimal(repr(filled_base)).quantize(AMOUNT_STEP) * (1 if is_buy else -1))
        fill = self.ledger.last_fill_of(request.fill_key[0])
        self.ledger.hedges.append(HedgeFact(float(request.amount), float(filled), at_submit,
                                            price, fill.seen if fill is not None else None))
        self.position_base += filled
        average = Decimal(repr(price)) if filled else None
        status = HedgeStatus.FILLED if filled == request.amount else (
            HedgeStatus.PARTIAL if filled else HedgeStatus.REJECTED)
        self._orders[client_id] = OrderLookup(client_id, "closed", filled, average)
        return HedgeOutcome(request, status, filled, average, (client_id,),
                            "" if filled else "no depth",
                            legs=(HedgeLeg(client_id, status, filled, average),))
