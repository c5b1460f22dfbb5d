"""Turn cumulative order frames into fill deltas, exactly once each.

Lighter's account order frames carry full order state with cumulative
`filled_base_amount`. Summing frames double-counts (repeats are normal), so a
fill is the *rise* of the cumulative size per order_index. Keeping the highest
cumulative seen per order makes duplicates, replays and reordering harmless:
anything not above the high-water mark yields nothing.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from hedge.core.types import ZERO, FillDelta, OrderUpdate, Trade, is_terminal


@dataclass(slots=True)
class _Watermark:
    """Highest cumulative fill seen for one order. quote None = not reliable."""

    base: Decimal = ZERO
    quote: Decimal | None = ZERO


@dataclass(frozen=True, slots=True)
class FillCrossCheck:
    """Disagreements between fill deltas and account trades, per order_index.

    `trades_without_fill`: trades sum above the order's detected fills (a fill
    the order stream has not shown yet, or lost). `fills_without_trade`: fills
    above the trades seen (trade frame pending or lost). Values are the excess.
    """

    trades_without_fill: dict[int, Decimal] = field(default_factory=dict)
    fills_without_trade: dict[int, Decimal] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.trades_without_fill and not self.fills_without_trade


class FillDetector:
    """Feed OrderUpdates; get one FillDelta per rise of cumulative filled size.

    Live orders are kept until a terminal status; retired orders move to a
    bounded LRU so that a late frame with a higher cumulative still yields its
    delta once, while memory stays bounded over a long run.
    """

    def __init__(self, retired_capacity: int = 20_000, trade_capacity: int = 50_000) -> None:
        if retired_capacity < 1 or trade_capacity < 1:
            raise ValueError("capacities must be >= 1")
        self._live: dict[int, _Watermark] = {}
        self._retired: OrderedDict[int, _Watermark] = OrderedDict()
        self._retired_capacity = retired_capacity
        self._trade_ids: OrderedDict[int, None] = OrderedDict()
        self._trade_base: OrderedDict[int, Decimal] = OrderedDict()
        self._trade_capacity = trade_capacity
        self.fills_emitted = 0
        self.stale_frames = 0           # a lower cumulative than already seen (late, reordered)
        self.repeated_fills = 0         # the same cumulative again (a duplicate or a replay)

    # -- order frames -------------------------------------------------------

    def on_update(self, update: OrderUpdate) -> FillDelta | None:
        """The fill this frame reveals, or None if it shows nothing new."""
        mark = self._watermark(update.order_index)
        delta = None
        if update.filled_base > mark.base:
            delta = self._delta(update, mark)
            mark.base = update.filled_base
            mark.quote = update.filled_quote if update.filled_quote > ZERO else None
            self.fills_emitted += 1
        elif update.filled_base < mark.base:
            self.stale_frames += 1
        elif update.filled_base > ZERO:
            self.repeated_fills += 1
        if is_terminal(update.status):
            self._retire(update.order_index, mark)
        return delta

    def on_updates(self, updates: Iterable[OrderUpdate]) -> list[FillDelta]:
        """All fills in a frame's orders, in the order given."""
        out = []
        for update in updates:
            delta = self.on_update(update)
            if delta is not None:
                out.append(delta)
        return out

    def seed(self, order_index: int, filled_base: Decimal, filled_quote: Decimal | None = None) -> None:
        """Mark fills already accounted for (startup reconcile, journal) without emitting."""
        mark = self._watermark(order_index)
        if filled_base > mark.base:
            mark.base = filled_base
            mark.quote = filled_quote if filled_quote is not None and filled_quote > ZERO else None

    def cum_filled(self, order_index: int) -> Decimal:
        mark = self._live.get(order_index) or self._retired.get(order_index)
        return mark.base if mark is not None else ZERO

    @property
    def live_count(self) -> int:
        return len(self._live)

    @property
    def retired_count(self) -> int:
        return len(self._retired)

    def _watermark(self, order_index: int) -> _Watermark:
        mark = self._live.get(order_index)
        if mark is not None:
            return mark
        mark = self._retired.get(order_index)
        if mark is not None:
            self._retired.move_to_end(order_index)
            return mark
        mark = _Watermark()
        self._live[order_index] = mark
        return mark

    def _retire(self, order_index: int, mark: _Watermark) -> None:
        self._live.pop(order_index, None)
        self._retired[order_index] = mark
        self._retired.move_to_end(order_index)
        while len(self._retired) > self._retired_capacity:
            self._retired.popitem(last=False)

    @staticmethod
    def _quote_usable(update: OrderUpdate, mark: _Watermark) -> bool:
        """filled_quote can price a delta only if both ends of it are known and it rose."""
        if mark.quote is None:
            return False
        return update.filled_quote > mark.quote

    def _delta(self, update: OrderUpdate, mark: _Watermark) -> FillDelta:
        size = update.filled_base - mark.base
        if self._quote_usable(update, mark):
            price = (update.filled_quote - mark.quote) / size
        else:
            price = update.price
        return FillDelta(
            order_index=update.order_index,
            client_order_index=update.client_order_index,
            market_id=update.market_id,
            is_ask=update.is_ask,
            size=size,
            price=price,
            cum_filled_base=update.filled_base,
            cum_filled_quote=update.filled_quote,
            status=update.status,
            timestamp_ms=update.timestamp_ms,
        )

    # -- optional cross-check against account trades -------------------------

    def on_trade(self, trade: Trade, account_index: int) -> bool:
        """Record an own trade for cross_check(); False if its id was seen before."""
        if trade.trade_id in self._trade_ids:
            return False
        self._trade_ids[trade.trade_id] = None
        for order_index in trade.own_order_indexes(account_index):
            self._trade_base[order_index] = self._trade_base.get(order_index, ZERO) + trade.size
            self._trade_base.move_to_end(order_index)
        while len(self._trade_ids) > self._trade_capacity:
            self._trade_ids.popitem(last=False)
        while len(self._trade_base) > self._trade_capacity:
            self._trade_base.popitem(last=False)
        return True

    def cross_check(self) -> FillCrossCheck:
        """Compare per-order trade totals with detected fills (call after things settle)."""
        trades_without_fill: dict[int, Decimal] = {}
        fills_without_trade: dict[int, Decimal] = {}
        for order_index, traded in self._trade_base.items():
            filled = self.cum_filled(order_index)
            if traded > filled:
                trades_without_fill[order_index] = traded - filled
        for marks in (self._live, self._retired):
            for order_index, mark in marks.items():
                traded = self._trade_base.get(order_index, ZERO)
                if mark.base > traded:
                    fills_without_trade[order_index] = mark.base - traded
        return FillCrossCheck(trades_without_fill, fills_without_trade)
