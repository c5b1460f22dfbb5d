"""One market stepped in time: fair, basis, both books, both kinds of takers, and our orders
landing after the account tier's latencies.

The caller passes time in (ms since the model's start) and gets back what happened to our
orders. Every draw comes from a stream of its own, drawn the same number of times per step
whatever our orders do, so two runs with the same seed see the same market.
"""
from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hedge.core.lighter_tiers import tier_named
from hedge.market.fair import Basis, FairPath
from hedge.market.hedge_book import HedgeBook
from hedge.market.lighter_book import Fill, LighterBook, RestingOrder
from hedge.market.model_file import MarketModel, usual_price
from hedge.market.streams import stream


@dataclass(frozen=True)
class OrderEvent:
    t_ms: float
    order_id: int
    kind: str                 # open | modified | fill | canceled | rejected
    price_ticks: int
    lots: int                 # filled by this event (fill), else the order's size
    remaining_lots: int
    filled_lots: int          # filled so far, this event included
    taker: str = ""           # fill: uninformed | informed


class OrderLanding:
    """Our places, modifies and cancels, landing after the account tier's latencies: shared by
    the model's market and a recorded one (hedge/lab/recorded_market.py). The subclass sets
    `tier`, `_pending` (a heap) and `_seq`, and lands each kind in `_land_<kind>`."""

    tier: Any
    _pending: list[tuple[float, int, str, tuple]]
    _seq: Iterator[int]

    def _later(self, t_ms: float, lane: str, kind: str, *args) -> None:
        self._at(t_ms + self.tier.latency_ms(lane), kind, *args)

    def _at(self, land_ms: float, kind: str, *args) -> None:
        heapq.heappush(self._pending, (land_ms, next(self._seq), kind, args))

    def place(self, t_ms: float, order_id: int, is_ask: bool, price_ticks: int, lots: int) -> None:
        self._later(t_ms, "maker", "place", order_id, is_ask, price_ticks, lots)

    def modify(self, t_ms: float, order_id: int, price_ticks: int, lots: int) -> None:
        self._later(t_ms, "maker", "modify", order_id, price_ticks, lots)

    def cancel(self, t_ms: float, order_id: int) -> None:
        self._later(t_ms, "cancel", "cancel", order_id)

    def cancel_all(self, t_ms: float) -> None:
        self._later(t_ms, "cancel", "cancel_all")


class MarketSimulation(OrderLanding):
    def __init__(self, model: MarketModel, *, seed: int, market: str = "ETH",
                 tier: str = "standard") -> None:
        self.model = model
        self.tier = tier_named(tier)
        self.step_ms = model.step_ms
        start = model.fair.start if model.fair.start is not None else usual_price(market)
        lag_steps = math.ceil(model.lighter.lag_ms / model.step_ms)
        self.fair_path = FairPath(model.fair, model.step_ms, start, seed, market, lag_steps)
        self.basis = Basis(model.lighter, model.step_ms, seed, market)
        self._lag_steps = round(model.lighter.lag_ms / model.step_ms)
        self.hedge_book = HedgeBook(model.hedge)
        self.lighter_book = LighterBook(model.lighter)
        self.lighter_book.recentre(self.lighter_fair())
        self._uninformed = stream(seed, "uninformed", market)
        self._informed = stream(seed, "informed", market)
        step_s = model.step_ms / 1000
        self._uninformed_mean = model.uninformed.per_s * step_s
        self._informed_p = 1 - math.exp(-model.informed.per_s_max * step_s)
        self._informed_lots = self.lots(model.informed.size_base)
        self._pending: list[tuple[float, int, str, tuple]] = []
        self._seq = itertools.count()
        self._filled: dict[int, int] = {}
        self.t_ms = 0.0
        self.events: list[OrderEvent] = []
        self.taker_fills = {"uninformed": 0, "informed": 0}

    # -- prices ---------------------------------------------------------------------------

    @property
    def fair(self) -> float:
        """The hedge venue's fair now (hedge quote currency)."""
        return self.fair_path.x

    def lighter_fair(self, lagged: bool = True) -> float:
        """Lighter's fair in its own quote currency: X(t - lag) shifted by the basis."""
        x = self.fair_path.steps_ago(self._lag_steps) if lagged else self.fair_path.x
        return x * (1 + self.basis.bps / 1e4) / self.model.lighter.quote_rate

    def lots(self, base: float) -> int:
        return max(1, round(base / self.model.lighter.lot))

    def hedge_price(self, size_base: float, is_buy: bool) -> tuple[float, float]:
        """(fillable base, average price) a market order of this size would get now."""
        return self.hedge_book.walk(self.fair, size_base, is_buy, self.t_ms)

    def hedge_take(self, size_base: float, is_buy: bool) -> tuple[float, float]:
        """Our hedge: fills against the book now and depletes it."""
        return self.hedge_book.walk(self.fair, size_base, is_buy, self.t_ms, take=True)

    # -- time -------------------------------------------------------------------------------

    def advance_to(self, t_ms: float) -> list[OrderEvent]:
        """Step to `t_ms`; the events of our orders since the last call, in time order."""
        self.events = []
        next_step_ms = (self.fair_path.step + 1) * self.step_ms
        while next_step_ms <= t_ms:
            self._land_until(next_step_ms)
            self.t_ms = next_step_ms
            self._step()
            next_step_ms += self.step_ms
        self._land_until(t_ms)
        self.t_ms = max(self.t_ms, t_ms)
        return self.events

    def _land_until(self, t_ms: float) -> None:
        while self._pending and self._pending[0][0] <= t_ms:
            land, _, kind, args = heapq.heappop(self._pending)
            self.t_ms = max(self.t_ms, land)
            getattr(self, f"_land_{kind}")(*args)

    def _step(self) -> None:
        self.fair_path.advance()
        self.basis.advance()
        self.lighter_book.recentre(self.lighter_fair())
        self._uninformed_arrivals()
        self._informed_arrival()

    def _uninformed_arrivals(self) -> None:
        flow = self.model.uninformed
        for _ in range(poisson(self._uninformed, self._uninformed_mean)):
            buys = self._uninformed.random() < 0.5
            size = flow.size_median_base * math.exp(flow.size_sigma * self._uninformed.gauss(0, 1))
            for fill in self.lighter_book.take(buys, self.lots(size)):
                self._fill(fill, "uninformed")

    def _informed_arrival(self) -> None:
        u = self._informed.random()
        if u >= self._informed_p:
            return
        fair = self.lighter_fair(lagged=False)
        threshold = self.model.informed.threshold_bps
        tick = self.model.lighter.tick
        best, best_through = None, threshold
        for order in self.lighter_book.orders.values():
            price = order.price_ticks * tick
            through = (fair - price if order.is_ask else price - fair) / fair * 1e4
            if through > best_through:
                best, best_through = order, through
        if best is not None:
            delay_ms = self.model.informed.delay_ms
            if delay_ms is None:
                delay_ms = self.tier.latency_ms("taker")
            self._at(self.t_ms + delay_ms, "informed", best.order_id,
                     best.price_ticks, self._informed_lots)

    # -- landings -----------------------------------------------------------------------------

    def _event(self, order_id: int, kind: str, price_ticks: int, lots: int, remaining: int,
               taker: str = "") -> None:
        self.events.append(OrderEvent(self.t_ms, order_id, kind, price_ticks, lots, remaining,
                                      self._filled.get(order_id, 0), taker))

    def _land_place(self, order_id: int, is_ask: bool, price_ticks: int, lots: int) -> None:
        if self.lighter_book.crosses(is_ask, price_ticks):
            self._event(order_id, "rejected", price_ticks, lots, 0)
            return
        self.lighter_book.orders[order_id] = RestingOrder(order_id, is_ask, price_ticks, lots,
                                                          next(self._seq))
        self._event(order_id, "open", price_ticks, lots, lots)

    def _land_modify(self, order_id: int, price_ticks: int, lots: int) -> None:
        order = self.lighter_book.orders.get(order_id)
        if order is None:
            return
        remaining = lots - self._filled.get(order_id, 0)
        if remaining <= 0 or self.lighter_book.crosses(order.is_ask, price_ticks):
            self.lighter_book.orders.pop(order_id)
            self._event(order_id, "canceled", order.price_ticks, lots, 0)
            return
        if price_ticks != order.price_ticks or remaining > order.remaining_lots:
            order.seq = next(self._seq)
        order.price_ticks, order.remaining_lots = price_ticks, remaining
        self._event(order_id, "modified", price_ticks, lots, remaining)

    def _land_cancel(self, order_id: int) -> None:
        order = self.lighter_book.orders.pop(order_id, None)
        if order is not None:
            self._event(order_id, "canceled", order.price_ticks, 0, 0)

    def _land_cancel_all(self) -> None:
        for order_id in sorted(self.lighter_book.orders):
            self._land_cancel(order_id)

    def _land_informed(self, order_id: int, price_ticks: int, lots: int) -> None:
        fill = self.lighter_book.take_order(order_id, price_ticks, lots)
        if fill is not None:
            self._fill(fill, "informed")

    def _fill(self, fill: Fill, taker: str) -> None:
        self._filled[fill.order_id] = self._filled.get(fill.order_id, 0) + fill.lots
        self.taker_fills[taker] += 1
        self._event(fill.order_id, "fill", fill.price_ticks, fill.lots, fill.remaining_lots, taker)


def poisson(rng, mean: float) -> int:
    """Knuth's count of arrivals in one step (small means: a draw or two per step)."""
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
