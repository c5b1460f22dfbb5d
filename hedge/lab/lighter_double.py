"""Lighter as the engine sees it (order client, REST, stream), in process, over the model.

Transactions spend the real request budget and land in the model after the tier's latency;
what happens to our orders comes back as account_orders frames read by the production parser.
`flush()` steps the model to the loop's time and hands its events to the engine: the driver
task calls it every model step, and a timer calls it when an order of ours lands in between.
"""
from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from hedge.adapters.lighter.markets import MarketSpec
from hedge.adapters.lighter.order_client import OrderCounters, TxResult
from hedge.adapters.lighter.parse import parse_frame
from hedge.adapters.lighter.request_budget import Priority, RequestBudget
from hedge.core.lighter_tiers import endpoint_weight
from hedge.core.types import BookLevel, OrderUpdate
from hedge.lab.account_frames import account_all_orders, order_entry
from hedge.lab.ledger import MARKOUT_HORIZONS_S, FillFact, Ledger
from hedge.market.simulation import MarketSimulation, OrderEvent

ACCOUNT = 1
ACCEPTED = TxResult(accepted=True, code=200)
RATE_LIMITED = TxResult(accepted=False, code=429, message="too many requests")
WINDOW_MS = 60_000
HEARTBEAT_S = 1.0          # the stream's frames keep coming even when our orders are quiet
STATUS = {"open": "open", "modified": "open", "fill": "open", "canceled": "canceled",
          "rejected": "canceled-post-only"}


class LabLighter:
    def __init__(self, sim: MarketSimulation, spec: MarketSpec, ledger: Ledger,
                 budget: RequestBudget) -> None:
        self.sim = sim
        self.spec = spec
        self.ledger = ledger
        self.budget = budget
        self.counters = OrderCounters()
        self.connected = asyncio.Event()
        self.on_message = None
        self.assumed_hedge_price = lambda coi: None     # the quote keeper's, once composed
        self._orders: dict[int, dict[str, Any]] = {}    # client index -> what the venue knows
        self._markouts: list[tuple[float, FillFact, int]] = []
        self._lot = Decimal(str(sim.model.lighter.lot))
        self._tick = Decimal(str(sim.model.lighter.tick))
        self.position_base = Decimal(0)
        self._window: deque[tuple[float, int]] = deque()   # (at ms, weight): the venue's cap

    # -- time ------------------------------------------------------------------------------

    def now_ms(self) -> float:
        return round(asyncio.get_running_loop().time() * 1000, 6)

    def _land_at(self, t_ms: float) -> None:
        loop = asyncio.get_running_loop()
        loop.call_at(t_ms / 1000 + 1e-9, self.flush)

    def flush(self) -> None:
        """The model to now; our orders' events to the engine as one account_orders frame."""
        events = self.sim.advance_to(self.now_ms())
        if events:
            self._deliver(events)
        self._due_markouts()

    async def drive(self) -> None:
        """The market's own task: one model step at a time, a heartbeat frame every second."""
        step_s = self.sim.step_ms / 1000
        beat_in = HEARTBEAT_S
        while True:
            await asyncio.sleep(step_s)
            self.flush()
            beat_in -= step_s
            if beat_in <= 1e-9:
                beat_in = HEARTBEAT_S
                self._feed({"type": "pong"})
                self.ledger.quoting_samples.append(bool(self.sim.lighter_book.orders))
                self.ledger.positions.append((self.now_ms() / 1000, float(abs(self.position_base))))

    def start(self) -> None:
        """Connected, then the account snapshot: the engine can see fills."""
        self.connected.set()
        self._feed({"type": "connected", "session_id": "lab"})
        self._feed(account_all_orders([], account=ACCOUNT, snapshot=True))

    # -- frames ----------------------------------------------------------------------------

    def _feed(self, raw: dict[str, Any]) -> None:
        if self.on_message is not None:
            self.on_message(parse_frame(raw, 0))

    def _deliver(self, events: list[OrderEvent]) -> None:
        changed = []
        for event in events:
            state = self._orders.get(event.order_id)
            if state is None:
                continue
            state["status"] = STATUS[event.kind]
            if event.kind in ("open", "modified", "fill", "canceled"):
                state["price_ticks"] = event.price_ticks
            if event.kind == "modified":
                state["initial_lots"] = event.lots
            if event.kind == "fill":
                state["filled_lots"] = event.filled_lots
                if event.remaining_lots == 0:
                    state["status"] = "filled"
                self._note_fill(event, state)
            changed.append(self._raw_order(event.order_id))
        if changed:
            self._feed(account_all_orders(changed, account=ACCOUNT))

    def _note_fill(self, event: OrderEvent, state: dict[str, Any]) -> None:
        size = event.lots * self.sim.model.lighter.lot
        side = "ask" if state["is_ask"] else "bid"
        self.position_base += (self._lot * event.lots) * (-1 if state["is_ask"] else 1)
        assumed = self.assumed_hedge_price(event.order_id)
        filled, seen = self.sim.hedge_price(size, is_buy=state["is_ask"])
        fact = FillFact(event.t_ms / 1000, event.order_id, side, size,
                        event.price_ticks * self.sim.model.lighter.tick,
                        float(assumed) if assumed is not None else None, seen)
        self.ledger.fills.append(fact)
        for horizon in MARKOUT_HORIZONS_S:
            self._markouts.append((fact.t_s + horizon, fact, horizon))

    def _due_markouts(self) -> None:
        if not self._markouts:
            return
        now_s = self.sim.t_ms / 1000
        fair = self.sim.lighter_fair(lagged=False)
        left = []
        for due_s, fact, horizon in self._markouts:
            if due_s <= now_s + 1e-9:
                fact.markouts_bps[f"{horizon}s"] = fact.sign * (fair - fact.price) / fact.price * 1e4
            else:
                left.append((due_s, fact, horizon))
        self._markouts = left

    def _raw_order(self, coi: int) -> dict[str, Any]:
        s = self._orders[coi]
        price = self._tick * s["price_ticks"]
        initial, filled = self._lot * s["initial_lots"], self._lot * s["filled_lots"]
        remaining = initial - filled if s["status"] in ("open", "pending") else Decimal(0)
        return order_entry(order_index=coi, client_order_index=coi, market=self.spec.market_id,
                           account=ACCOUNT, is_ask=s["is_ask"], price=str(price),
                           initial=str(initial), filled=str(filled), remaining=str(remaining),
                           filled_quote=str(filled * price), status=s["status"],
                           timestamp_ms=int(self.now_ms()))

    # -- the order client ------------------------------------------------------------------

    async def _spend(self, kind: str, priority: Priority) -> bool:
        """The bot's own budget first, then the venue's cap for the tier (as the local Lighter
        venue counts it): False when the venue would answer 429."""
        await self.budget.acquire(kind, priority)
        self.ledger.requests += 1
        now = self.now_ms()
        while self._window and self._window[0][0] <= now - WINDOW_MS:
            self._window.popleft()
        tier = self.sim.tier
        weight = endpoint_weight(kind) if tier.weighted else 1
        if sum(w for _, w in self._window) + weight > tier.requests_per_window:
            self.budget.note_rate_limited()
            return False
        self._window.append((now, weight))
        return True

    async def create_post_only(self, market: int, is_ask: bool, size: Decimal, price: Decimal,
                               client_order_index: int) -> TxResult:
        if not await self._spend("sendTx", Priority.QUOTE):
            return RATE_LIMITED
        lots, ticks = int(size / self._lot), int(price / self._tick)
        self._orders[client_order_index] = {"is_ask": is_ask, "price_ticks": ticks,
                                            "initial_lots": lots, "filled_lots": 0,
                                            "status": "pending"}
        self.sim.place(self.now_ms(), client_order_index, is_ask, ticks, lots)
        self._land_at(self.now_ms() + self.sim.tier.maker_latency_ms)
        self.counters.orders_placed += 1
        return ACCEPTED

    async def modify(self, market: int, index: int, size: Decimal, price: Decimal) -> TxResult:
        if not await self._spend("sendTx", Priority.QUOTE):
            return RATE_LIMITED
        self.sim.modify(self.now_ms(), index, int(price / self._tick), int(size / self._lot))
        self._land_at(self.now_ms() + self.sim.tier.maker_latency_ms)
        self.counters.orders_modified += 1
        return ACCEPTED

    async def cancel(self, market: int, index: int) -> TxResult:
        if not await self._spend("sendTx", Priority.CANCEL):
            return RATE_LIMITED
        self.sim.cancel(self.now_ms(), index)
        self._land_at(self.now_ms() + self.sim.tier.cancel_latency_ms)
        self.counters.orders_canceled += 1
        return ACCEPTED

    async def cancel_all(self) -> TxResult:
        if not await self._spend("sendTx", Priority.CANCEL):
            return RATE_LIMITED
        self.sim.cancel_all(self.now_ms())
        self._land_at(self.now_ms() + self.sim.tier.cancel_latency_ms)
        self.counters.cancel_alls += 1
        return ACCEPTED

    async def schedule_cancel_all(self, in_ms: int) -> TxResult:
        if not await self._spend("sendTx", Priority.DEAD_MANS):
            return RATE_LIMITED
        return ACCEPTED

    async def abort_scheduled_cancel_all(self) -> TxResult:
        if not await self._spend("sendTx", Priority.DEAD_MANS):
            return RATE_LIMITED
        return ACCEPTED

    # -- REST --------------------------------------------------------------------------------

    def _updates(self, indexes) -> list[OrderUpdate]:
        raws = [self._raw_order(i) for i in indexes if i in self._orders]
        if not raws:
            return []
        return list(parse_frame(account_all_orders(raws, account=ACCOUNT), 0).all_orders())

    async def account_position(self, account: int, market: int,
                               priority: Priority = Priority.SAFETY) -> Decimal:
        await self._spend("account", priority)
        return self.position_base

    async def orders_in_chunks(self, account: int, client_order_indexes: list[int],
                               token: str) -> AsyncIterator[list[OrderUpdate]]:
        if not client_order_indexes:       # as the REST client: no indexes, no request
            return
        await self._spend("accountActiveOrders", Priority.SAFETY)
        yield self._updates(client_order_indexes)

    async def read(self, kind: str, priority: Priority = Priority.READ) -> None:
        """A read whose answer the lab does not need, spent as the run spends it."""
        await self._spend(kind, priority)

    async def orders_by_client_index(self, account: int, client_order_indexes: list[int],
                                     token: str, priority: Priority = Priority.SAFETY
                                     ) -> list[OrderUpdate]:
        await self._spend("accountActiveOrders", priority)
        return self._updates(client_order_indexes)

    async def active_orders(self, account: int, market: int, token: str,
                            priority: Priority = Priority.SAFETY) -> list[OrderUpdate]:
        await self._spend("accountActiveOrders", priority)
        return self._updates(i for i, s in self._orders.items() if s["status"] == "open")

    # -- the stream's book -------------------------------------------------------------------

    def best_bid_ask(self, market: int) -> tuple[BookLevel | None, BookLevel | None]:
        book = self.sim.lighter_book
        (bid, bid_lots), (ask, ask_lots) = book.top(False), book.top(True)
        return (BookLevel(self._tick * bid, self._lot * bid_lots),
                BookLevel(self._tick * ask, self._lot * ask_lots))

