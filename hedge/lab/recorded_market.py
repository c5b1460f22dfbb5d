"""A recorded market as the lab's venue doubles see a market: the same face as the model's
MarketSimulation (time passed in, our orders landing after the tier's latencies, events back).

Our orders join the queue behind the recorded depth at their price (hedge/market/queue_model.py)
and fill only when recorded trades consume what is ahead, or trade through their price. The
recorded market does not respond to us: our fills take nothing from the recorded Lighter book,
and our hedges deplete the hedge book only until its next recorded update replaces it.
"""
from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass
from decimal import Decimal

from hedge.adapters.lighter import messages as m
from hedge.core.lighter_tiers import tier_named
from hedge.core.order_book import OrderBook
from hedge.core.types import Side, Trade
from hedge.lab.recording import (HEDGE_BOOK, LIGHTER_BOOK, Recording, RecordedEvent,
                                 RecordingError, read_recording)
from hedge.market.model_file import MarketModel, with_changes
from hedge.market.queue_model import QueuePosition
from hedge.market.simulation import OrderEvent, OrderLanding

REPLAY_STEP_MS = 10        # the driver's step: a recorded event reaches the bot within it


@dataclass
class RecordedOrder:
    order_id: int
    is_ask: bool
    price_ticks: int
    lots: int                  # the order's size
    filled_lots: int
    queue: QueuePosition

    @property
    def remaining_lots(self) -> int:
        return self.lots - self.filled_lots


class RecordedLighterBook:
    """The recorded Lighter book with our resting orders beside it (not inside it)."""

    def __init__(self, market_id: int, tick: float, lot: float) -> None:
        self.book = OrderBook(market_id)
        self.orders: dict[int, RecordedOrder] = {}
        self._tick = tick
        self._tick_exact = Decimal(repr(tick))
        self._lot = lot
        self._last_top: dict[bool, tuple[int, int]] = {False: (0, 0), True: (0, 0)}

    def ticks(self, price: Decimal) -> int:
        return round(float(price) / self._tick)

    def size_base(self, is_ask: bool, price_ticks: int) -> float:
        price = price_ticks * self._tick_exact           # the book's keys compare by value
        return float(self.book.size_at(Side.SELL if is_ask else Side.BUY, price))

    def best_ticks(self, is_ask: bool) -> int | None:
        level = self.book.best_ask() if is_ask else self.book.best_bid()
        return None if level is None else self.ticks(level.price)

    def top(self, is_ask: bool) -> tuple[int, int]:
        """(price ticks, lots) of the best level on a side, our orders included; the last
        one seen while the recorded side is empty."""
        level = self.book.best_ask() if is_ask else self.book.best_bid()
        if level is not None:
            self._last_top[is_ask] = (self.ticks(level.price), round(float(level.size) / self._lot))
        best, lots = self._last_top[is_ask]
        ours = [o for o in self.orders.values() if o.is_ask == is_ask]
        better = [o.price_ticks for o in ours if (o.price_ticks < best if is_ask
                                                  else o.price_ticks > best)]
        if better:
            best = min(better) if is_ask else max(better)
            lots = 0
        return best, lots + sum(o.remaining_lots for o in ours if o.price_ticks == best)


class RecordedMarket(OrderLanding):
    def __init__(self, recording: Recording, model: MarketModel, *, tier: str = "standard",
                 queue: str = "conservative") -> None:
        QueuePosition.join(0.0, 0.0, queue)            # an unknown model fails here, not later
        self.model = model
        self.tier = tier_named(tier)
        self.step_ms = REPLAY_STEP_MS
        self.queue = queue
        self.lighter_book = RecordedLighterBook(int(recording.meta["lighter_market_id"]),
                                                model.lighter.tick, model.lighter.lot)
        self._events = recording.events
        self._next = 0
        self._hedge: dict[str, list[list[float]]] = {"bids": [], "asks": []}
        self._seen_trades: set[int] = set()
        self._pending: list[tuple[float, int, str, tuple]] = []
        self._seq = itertools.count()
        self.t_ms = 0.0
        self.events: list[OrderEvent] = []
        self.taker_fills = {"recorded": 0}
        self.start_ms = self._warm_up()
        self.duration_s = max(0.0, recording.duration_s - self.start_ms / 1000)

    def _warm_up(self) -> float:
        """Apply the recording until both books show both sides: the replay starts there."""
        while self._next < len(self._events):
            event = self._events[self._next]
            self._apply(event)
            self._next += 1
            book = self.lighter_book.book
            if (book.is_live and book.best_bid() and book.best_ask()
                    and self._hedge["bids"] and self._hedge["asks"]):
                return event.t_ms
        raise RecordingError("the recording never shows both sides of both books; record for "
                             "longer (`--duration`)")

    # -- prices ---------------------------------------------------------------------------

    @property
    def fair(self) -> float:
        """The hedge venue's mid (hedge quote currency)."""
        return (self._hedge["bids"][0][0] + self._hedge["asks"][0][0]) / 2

    def lighter_fair(self, lagged: bool = True) -> float:
        """The hedge mid in Lighter's quote currency (a recording has no model lag)."""
        return self.fair / self.model.lighter.quote_rate

    def hedge_price(self, size_base: float, is_buy: bool) -> tuple[float, float]:
        return self._walk(size_base, is_buy, take=False)

    def hedge_take(self, size_base: float, is_buy: bool) -> tuple[float, float]:
        return self._walk(size_base, is_buy, take=True)

    def _walk(self, size_base: float, is_buy: bool, take: bool) -> tuple[float, float]:
        left, cost = size_base, 0.0
        for level in self._hedge["asks" if is_buy else "bids"]:
            if left <= 1e-12:
                break
            here = min(left, level[1])
            cost += here * level[0]
            left -= here
            if take:
                level[1] -= here
        filled = size_base - left
        return filled, (cost / filled if filled > 0 else 0.0)

    # -- time -------------------------------------------------------------------------------

    def advance_to(self, t_ms: float) -> list[OrderEvent]:
        """Recorded events and our landings up to `t_ms`, in time order (a recorded event
        first at a tie: what the venue saw first is ahead of us)."""
        self.events = []
        while True:
            land = self._pending[0][0] if self._pending else math.inf
            recorded = (self._events[self._next].t_ms - self.start_ms
                        if self._next < len(self._events) else math.inf)
            if min(land, recorded) > t_ms:
                break
            if recorded <= land:
                self.t_ms = max(self.t_ms, recorded)
                self._apply(self._events[self._next])
                self._next += 1
            else:
                _, _, kind, args = heapq.heappop(self._pending)
                self.t_ms = max(self.t_ms, land)
                getattr(self, f"_land_{kind}")(*args)
        self.t_ms = max(self.t_ms, t_ms)
        return self.events

    def _apply(self, event: RecordedEvent) -> None:
        if event.stream == HEDGE_BOOK:
            self._hedge = {side: [list(lv) for lv in event.payload[side]]
                           for side in ("bids", "asks")}
        elif event.stream == LIGHTER_BOOK:
            self._on_book(event.payload)
        elif not event.payload.is_snapshot:        # a snapshot repeats trades of the past
            for trade in event.payload.trades:
                if trade.trade_id not in self._seen_trades:
                    self._seen_trades.add(trade.trade_id)
                    self._on_trade(trade)

    def _on_book(self, msg: m.OrderBookFrame) -> None:
        book = self.lighter_book.book
        if isinstance(msg, m.OrderBookSnapshot):
            book.apply_snapshot(msg.asks, msg.bids, nonce=msg.nonce, offset=msg.offset)
        else:
            book.apply_update(msg.asks, msg.bids, nonce=msg.nonce, begin_nonce=msg.begin_nonce,
                              offset=msg.offset)
        for order in self.lighter_book.orders.values():
            order.queue.on_level(self.lighter_book.size_base(order.is_ask, order.price_ticks))

    def _on_trade(self, trade: Trade) -> None:
        """A recorded trade: the makers on the side it took (the ask when `is_maker_ask`)."""
        price_ticks = self.lighter_book.ticks(trade.price)
        for order in list(self.lighter_book.orders.values()):
            if order.is_ask != trade.is_maker_ask:
                continue
            beyond = (order.price_ticks < price_ticks if order.is_ask
                      else order.price_ticks > price_ticks)
            if beyond:
                filled_base = order.queue.on_trade_through()
            elif order.price_ticks == price_ticks:
                filled_base = order.queue.on_trade(float(trade.size))
            else:
                continue
            if order.queue.remaining_base <= 1e-12:       # the queue says: all of it
                lots = order.remaining_lots
            else:
                lots = min(order.remaining_lots, round(filled_base / self.model.lighter.lot))
            if lots > 0:
                self._fill(order, lots)

    def _fill(self, order: RecordedOrder, lots: int) -> None:
        order.filled_lots += lots
        self.taker_fills["recorded"] += 1
        if order.remaining_lots <= 0:
            self.lighter_book.orders.pop(order.order_id, None)
        self._event(order, "fill", lots, order.remaining_lots, "recorded")

    def _event(self, order: RecordedOrder, kind: str, lots: int, remaining: int,
               taker: str = "") -> None:
        self.events.append(OrderEvent(self.t_ms, order.order_id, kind, order.price_ticks, lots,
                                      remaining, order.filled_lots, taker))

    # -- landings -----------------------------------------------------------------------------

    def _crosses(self, is_ask: bool, price_ticks: int) -> bool:
        best = self.lighter_book.best_ticks(not is_ask)
        return best is not None and (price_ticks <= best if is_ask else price_ticks >= best)

    def _join(self, is_ask: bool, price_ticks: int, lots: int) -> QueuePosition:
        level = self.lighter_book.size_base(is_ask, price_ticks)
        return QueuePosition.join(level, lots * self.model.lighter.lot, self.queue)

    def _land_place(self, order_id: int, is_ask: bool, price_ticks: int, lots: int) -> None:
        order = RecordedOrder(order_id, is_ask, price_ticks, lots, 0,
                              self._join(is_ask, price_ticks, lots))
        if self._crosses(is_ask, price_ticks):
            self._event(order, "rejected", lots, 0)
            return
        self.lighter_book.orders[order_id] = order
        self._event(order, "open", lots, lots)

    def _land_modify(self, order_id: int, price_ticks: int, lots: int) -> None:
        order = self.lighter_book.orders.get(order_id)
        if order is None:
            return
        remaining = lots - order.filled_lots
        if remaining <= 0 or self._crosses(order.is_ask, price_ticks):
            self.lighter_book.orders.pop(order_id)
            self._event(order, "canceled", lots, 0)
            return
        if price_ticks != order.price_ticks or remaining > order.remaining_lots:
            order.queue = self._join(order.is_ask, price_ticks, remaining)   # to the back
        else:
            order.queue.remaining_base = remaining * self.model.lighter.lot
        order.price_ticks, order.lots = price_ticks, lots
        self._event(order, "modified", lots, remaining)

    def _land_cancel(self, order_id: int) -> None:
        order = self.lighter_book.orders.pop(order_id, None)
        if order is not None:
            self._event(order, "canceled", 0, 0)

    def _land_cancel_all(self) -> None:
        for order_id in sorted(self.lighter_book.orders):
            self._land_cancel(order_id)


@dataclass(frozen=True)
class Replay:
    """A recording ready for trials: the model it runs under and the source of its market."""
    recording: Recording
    model: MarketModel           # the given model with the recording's tick and lot
    queue: str
    duration_s: float            # from the moment both books show both sides

    def market(self, model: MarketModel, seed: int, market: str, tier: str) -> RecordedMarket:
        return RecordedMarket(self.recording, model, tier=tier, queue=self.queue)


def load_replay(directory: str, model: MarketModel, queue: str) -> Replay:
    """Read and check a recording once; the model keeps its fees, latency and quote rate."""
    recording = read_recording(directory)
    meta = recording.meta
    try:
        model = with_changes(model, lighter={"tick": float(meta["tick"]),
                                             "lot": float(meta["lot"])})
    except (TypeError, ValueError):
        raise RecordingError(f"{directory}/meta.json: tick and lot must be numbers, got "
                             f"{meta['tick']!r} and {meta['lot']!r}") from None
    first = RecordedMarket(recording, model, queue=queue)
    return Replay(recording, model, queue, first.duration_s)
