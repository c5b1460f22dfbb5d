"""The Lighter mid and our own resting bid/ask over time, rebuilt from ws_lighter.jsonl.

The book is replayed through the bot's own parser and OrderBook (as `replay` does), so the mid
here is the mid the bot saw. Our quotes come from the account_orders frames: each carries the
full state of the orders that changed. Only change points are kept, so an hour of frames stays
small; plots downsample further.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.parse import parse_frame
from hedge.core.order_book import OrderBook
from hedge.core.types import is_live


@dataclass
class Series:
    """A step series: the value holds from each ts until the next."""

    ts: list[float] = field(default_factory=list)
    values: list[float | None] = field(default_factory=list)

    def add(self, ts: float, value: float | None) -> None:
        if self.values and self.values[-1] == value:
            return
        self.ts.append(ts)
        self.values.append(value)

    def at(self, ts: float) -> float | None:
        i = bisect.bisect_right(self.ts, ts) - 1
        return self.values[i] if i >= 0 else None

    def sampled(self, max_points: int) -> tuple[list[float], list[float | None]]:
        """At most ~max_points points: the last value of each time bucket (steps kept visible)."""
        if len(self.ts) <= max_points or len(self.ts) < 2:
            return list(self.ts), list(self.values)
        width = (self.ts[-1] - self.ts[0]) / max_points
        out_ts: list[float] = []
        out_values: list[float | None] = []
        bucket = None
        for ts, value in zip(self.ts, self.values):
            b = int((ts - self.ts[0]) / width)
            if b == bucket:
                out_ts[-1], out_values[-1] = ts, value
            else:
                out_ts.append(ts)
                out_values.append(value)
                bucket = b
        return out_ts, out_values


@dataclass
class BookSeries:
    mid: Series = field(default_factory=Series)
    our_bid: Series = field(default_factory=Series)
    our_ask: Series = field(default_factory=Series)
    first_ts: float | None = None
    last_ts: float | None = None
    frames: int = 0


def read_book_series(path: Path, market_id: int | None = None) -> BookSeries:
    """`market_id` None: the first market whose book appears."""
    out = BookSeries()
    if not path.exists():
        return out
    book: OrderBook | None = None
    orders: dict[int, tuple[bool, float, str]] = {}
    with open(path, "rb") as lines:
        for line in lines:
            if b'"dir":"in"' not in line[:120] and b'"dir": "in"' not in line[:120]:
                continue
            is_book = b"order_book" in line
            if not is_book and b"account_orders" not in line:
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            ts = record.get("ts_ns", 0) / 1e9
            out.first_ts = ts if out.first_ts is None else out.first_ts
            out.last_ts = ts
            out.frames += 1
            msg = parse_frame(record.get("frame"), record.get("ts_ns", 0))
            if isinstance(msg, (m.OrderBookSnapshot, m.OrderBookUpdate)):
                if market_id is None:
                    market_id = msg.market_id
                if msg.market_id != market_id:
                    continue
                if book is None or isinstance(msg, m.OrderBookSnapshot):
                    book = book or OrderBook(msg.market_id)
                if isinstance(msg, m.OrderBookSnapshot):
                    book.apply_snapshot(msg.asks, msg.bids, msg.nonce, msg.offset)
                else:
                    book.apply_update(msg.asks, msg.bids, msg.nonce, msg.begin_nonce, msg.offset)
                mid = book.mid() if book.is_live else None
                out.mid.add(ts, None if mid is None else float(mid))
            elif isinstance(msg, m.AccountOrders):
                for order in msg.all_orders():
                    if market_id is not None and order.market_id != market_id:
                        continue
                    orders[order.order_index] = (order.is_ask, float(order.price), order.status)
                _quote_points(out, ts, orders)
    return out


def _quote_points(out: BookSeries, ts: float, orders: dict[int, tuple[bool, float, str]]) -> None:
    bids = [price for is_ask, price, status in orders.values() if not is_ask and is_live(status)]
    asks = [price for is_ask, price, status in orders.values() if is_ask and is_live(status)]
    out.our_bid.add(ts, max(bids) if bids else None)
    out.our_ask.add(ts, min(asks) if asks else None)
    for index in [i for i, (_, _, status) in orders.items() if not is_live(status)]:
        del orders[index]
