"""Lighter's book in ticks and lots: background levels around Lighter's fair, plus our orders.

Prices are whole ticks and sizes whole lots, so matching is exact. Background depth at a price
is ahead of our order at that price (it is always there first: the conservative queue).
Background depth is not depleted by takers: it is redrawn around the fair every step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from hedge.market.model_file import LighterBookModel


@dataclass
class RestingOrder:
    order_id: int
    is_ask: bool
    price_ticks: int
    remaining_lots: int
    seq: int            # arrival order at its price (a modify goes to the back)


@dataclass(frozen=True)
class Fill:
    order_id: int
    price_ticks: int
    lots: int
    remaining_lots: int


class LighterBook:
    def __init__(self, model: LighterBookModel) -> None:
        self.model = model
        self.orders: dict[int, RestingOrder] = {}
        self.best_bid_ticks = 0      # background, set by recentre
        self.best_ask_ticks = 0
        self.level_lots = max(1, round(model.level_base / model.lot))

    def recentre(self, lighter_fair: float) -> None:
        half = lighter_fair * self.model.half_spread_bps / 1e4
        self.best_bid_ticks = math.floor((lighter_fair - half) / self.model.tick + 1e-9)
        self.best_ask_ticks = math.ceil((lighter_fair + half) / self.model.tick - 1e-9)
        if self.best_ask_ticks <= self.best_bid_ticks:
            self.best_ask_ticks = self.best_bid_ticks + 1

    def background_lots(self, is_ask: bool, price_ticks: int) -> int:
        """Background depth at a price on one side (0 between levels and beyond the last)."""
        step = self.model.level_step_ticks
        away = price_ticks - self.best_ask_ticks if is_ask else self.best_bid_ticks - price_ticks
        if away < 0 or away % step or away // step >= self.model.levels:
            return 0
        return self.level_lots

    def crosses(self, is_ask: bool, price_ticks: int) -> bool:
        """A post-only order at this price would take (the venue cancels it)."""
        return price_ticks <= self.best_bid_ticks if is_ask else price_ticks >= self.best_ask_ticks

    def top(self, is_ask: bool) -> tuple[int, int]:
        """(price, lots) of the best level on a side, our orders included."""
        best = self.best_ask_ticks if is_ask else self.best_bid_ticks
        ours = [o.price_ticks for o in self.orders.values() if o.is_ask == is_ask]
        if ours:
            best = min(best, *ours) if is_ask else max(best, *ours)
        lots = self.background_lots(is_ask, best) + sum(
            o.remaining_lots for o in self.orders.values()
            if o.is_ask == is_ask and o.price_ticks == best)
        return best, lots

    def take(self, taker_buys: bool, lots: int) -> list[Fill]:
        """A taker walking the book: price by price, background first, then ours by arrival."""
        resting_ask = taker_buys
        ours = sorted((o for o in self.orders.values() if o.is_ask == resting_ask),
                      key=lambda o: (o.price_ticks if resting_ask else -o.price_ticks, o.seq))
        fills: list[Fill] = []
        step = self.model.level_step_ticks
        start = self.best_ask_ticks if resting_ask else self.best_bid_ticks
        prices = {start + (i * step if resting_ask else -i * step) for i in range(self.model.levels)}
        prices.update(o.price_ticks for o in ours)
        for price in sorted(prices, reverse=not resting_ask):
            if lots <= 0:
                break
            lots -= min(lots, self.background_lots(resting_ask, price))
            for order in ours:
                if lots <= 0:
                    break
                if order.price_ticks != price or order.remaining_lots <= 0:
                    continue
                here = min(lots, order.remaining_lots)
                order.remaining_lots -= here
                lots -= here
                fills.append(Fill(order.order_id, price, here, order.remaining_lots))
        for fill in fills:
            if fill.remaining_lots == 0:
                self.orders.pop(fill.order_id, None)
        return fills

    def take_order(self, order_id: int, price_ticks: int, lots: int) -> Fill | None:
        """An informed taker aimed at one order: it fills if the order still rests at that price."""
        order = self.orders.get(order_id)
        if order is None or order.price_ticks != price_ticks:
            return None
        here = min(lots, order.remaining_lots)
        order.remaining_lots -= here
        if order.remaining_lots == 0:
            self.orders.pop(order_id)
        return Fill(order_id, price_ticks, here, order.remaining_lots)
