"""One market's order book: FIFO queues per price level, synthetic depth, and matching.

Resting entries are `Order` objects (accounts' orders and synthetic ones alike), so a fill
updates the owner's order in place. Synthetic depth is topped up at the tail of a level, so
an order that joined a level keeps its place ahead of liquidity that arrives later.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from hedge.market.model_file import LighterBookModel
from hedge.sim.lighter.accounts import Order
from hedge.sim.lighter.markets import MarketSpec

SYNTHETIC_ACCOUNT = 281474976710654   # the account the captures show as the LLP maker


@dataclass(frozen=True)
class Match:
    """`lots` of `maker` traded at the maker's price."""

    maker: Order
    lots: int
    price: int


class OrderBook:
    """Price-time priority book of one market; prices in ticks, sizes in lots."""

    def __init__(self, spec: MarketSpec) -> None:
        self.spec = spec
        self.bids: dict[int, deque[Order]] = {}
        self.asks: dict[int, deque[Order]] = {}

    def side(self, is_ask: bool) -> dict[int, deque[Order]]:
        return self.asks if is_ask else self.bids

    def add(self, order: Order) -> None:
        self.side(order.is_ask).setdefault(order.price, deque()).append(order)

    def remove(self, order: Order) -> None:
        levels = self.side(order.is_ask)
        queue = levels.get(order.price)
        if queue is None:
            return
        try:
            queue.remove(order)
        except ValueError:
            return
        if not queue:
            del levels[order.price]

    def best(self, is_ask: bool) -> int | None:
        levels = self.side(is_ask)
        if not levels:
            return None
        return min(levels) if is_ask else max(levels)

    def crosses(self, is_ask: bool, price: int) -> bool:
        """Would an order on this side at `price` take liquidity?"""
        other = self.best(not is_ask)
        if other is None:
            return False
        return price <= other if is_ask else price >= other

    def levels(self, is_ask: bool) -> dict[int, int]:
        return {p: sum(o.remaining for o in q) for p, q in self.side(is_ask).items()}

    def sorted_orders(self, is_ask: bool) -> list[Order]:
        levels = self.side(is_ask)
        return [o for p in sorted(levels, reverse=not is_ask) for o in levels[p]]

    def take(self, taker_is_ask: bool, lots: int, limit: int | None, skip_owner: int | None = None) -> list[Match]:
        """Walk the opposite side from the touch, FIFO within a level, up to `limit`."""
        levels = self.side(not taker_is_ask)
        matches: list[Match] = []
        for price in sorted(levels, reverse=taker_is_ask):
            if lots <= 0:
                break
            if limit is not None and (price < limit if taker_is_ask else price > limit):
                break
            queue = levels[price]
            for maker in list(queue):
                if lots <= 0:
                    break
                if skip_owner is not None and maker.owner_account_index == skip_owner:
                    continue
                n = min(lots, maker.remaining)
                maker.remaining -= n
                lots -= n
                matches.append(Match(maker, n, price))
                if maker.remaining == 0:
                    queue.remove(maker)
            if not queue:
                del levels[price]
        return matches

    def reprice_synthetic(self, targets: dict[bool, dict[int, int]], make: callable) -> None:
        """Make synthetic depth equal `targets[is_ask][price]`; `make(is_ask, price, lots)` builds one."""
        for is_ask in (False, True):
            levels = self.side(is_ask)
            want = targets[is_ask]
            for price in list(levels):
                if price not in want:
                    self._shrink_synthetic(levels, price, None)
            for price, lots in want.items():
                have = sum(o.remaining for o in levels.get(price, ()) if o.synthetic)
                if lots > have:
                    levels.setdefault(price, deque()).append(make(is_ask, price, lots - have))
                elif lots < have:
                    self._shrink_synthetic(levels, price, have - lots)

    @staticmethod
    def _shrink_synthetic(levels: dict[int, deque[Order]], price: int, lots: int | None) -> None:
        """Take `lots` (all when None) of synthetic size off the tail of a level."""
        queue = levels[price]
        for o in reversed(list(queue)):
            if not o.synthetic:
                continue
            if lots is None or o.remaining <= lots:
                if lots is not None:
                    lots -= o.remaining
                queue.remove(o)
            else:
                o.remaining -= lots
                lots = 0
            if lots == 0:
                break
        if not queue:
            del levels[price]


def synthetic_targets(spec: MarketSpec, lighter_fair: float,
                      book: LighterBookModel) -> dict[bool, dict[int, int]]:
    """The model's background book around Lighter's fair, on this market's grid: the best
    bid/ask `half_spread_bps` away, `levels` levels `level_step_ticks` apart, `level_base` each
    (at least the market's minimum). Sizes do not depend on time, so re-centring emits small
    diffs."""
    tick = float(spec.price(1))
    half = lighter_fair * book.half_spread_bps / 1e4
    best_bid = math.floor((lighter_fair - half) / tick + 1e-9)
    best_ask = max(math.ceil((lighter_fair + half) / tick - 1e-9), best_bid + 1)
    lots = max(spec.min_base_lots, 1, round(book.level_base * 10 ** spec.size_decimals))
    step = book.level_step_ticks
    return {False: {best_bid - i * step: lots for i in range(book.levels)},
            True: {best_ask + i * step: lots for i in range(book.levels)}}
