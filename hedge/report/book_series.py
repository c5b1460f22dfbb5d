"""The Lighter mid and our own resting bid/ask over time, rebuilt from ws_lighter.jsonl.

The book is rebuilt from the recorded order_book frames with plain floats (a snapshot replaces
it, an update sets absolute level sizes, size 0 deletes): an hour holds ~40,000 frames and the
bot's Decimal parser would take most of a minute over them. A gap in the nonces is not checked
here; the next snapshot (the bot resubscribes on a gap) puts the book right. Our quotes come from
the account_orders frames, read with the bot's own parser: each carries the full state of the
orders that changed. Only change points are kept; plots downsample further.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.parse import parse_frame
from hedge.core.types import is_live
from hedge.infra.frame_files import frame_lines


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
    book: FloatBook | None = None
    channel = None if market_id is None else f"order_book:{market_id}"
    orders: dict[int, tuple[bool, float]] = {}   # our live orders
    for line in frame_lines(path):                 # every rotated part, then the live file
        if b'"dir":"in"' not in line[:120] and b'"dir": "in"' not in line[:120]:
            continue
        is_book = b"order_book" in line
        if not is_book and b"account_orders" not in line:
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        frame = record.get("frame")
        if not isinstance(frame, dict):
            continue
        ts = record.get("ts_ns", 0) / 1e9
        out.first_ts = ts if out.first_ts is None else out.first_ts
        out.last_ts = ts
        out.frames += 1
        kind = frame.get("type", "")
        if kind in ("subscribed/order_book", "update/order_book"):
            channel = channel or frame.get("channel")
            if frame.get("channel") != channel:
                continue
            if market_id is None:
                market_id = _market_of(channel)
            levels = frame.get("order_book") or {}
            if book is None or kind == "subscribed/order_book":
                book = FloatBook()
            book.apply(levels.get("bids") or (), levels.get("asks") or ())
            out.mid.add(ts, book.mid())
        elif "account_orders" in kind:
            msg = parse_frame(frame, record.get("ts_ns", 0))
            if not isinstance(msg, m.AccountOrders):
                continue
            for order in msg.all_orders():
                if market_id is not None and order.market_id != market_id:
                    continue
                if is_live(order.status):
                    orders[order.order_index] = (order.is_ask, float(order.price))
                else:
                    orders.pop(order.order_index, None)
            _quote_points(out, ts, orders)
    return out


def _market_of(channel: str | None) -> int | None:
    try:
        return int(str(channel).rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return None


class FloatBook:
    """Best bid and ask of a book fed absolute level sizes (0 deletes), in floats."""

    def __init__(self) -> None:
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.best_bid: float | None = None
        self.best_ask: float | None = None

    def apply(self, bids, asks) -> None:
        self.best_bid = self._side(self.bids, bids, self.best_bid, max)
        self.best_ask = self._side(self.asks, asks, self.best_ask, min)

    @staticmethod
    def _side(side: dict[float, float], levels, best: float | None, pick) -> float | None:
        stale = False
        for level in levels:
            try:
                price, size = float(level["price"]), float(level["size"])
            except (KeyError, TypeError, ValueError):
                continue
            if size > 0:
                side[price] = size
                if best is None or pick(price, best) == price:
                    best = price
            else:
                side.pop(price, None)
                stale = stale or price == best
        if stale:
            best = pick(side) if side else None
        return best

    def mid(self) -> float | None:
        if self.best_bid is None or self.best_ask is None:
            return None
        return round((self.best_bid + self.best_ask) / 2, 10)   # no float noise in the page


def _quote_points(out: BookSeries, ts: float, orders: dict[int, tuple[bool, float]]) -> None:
    bids = [price for is_ask, price in orders.values() if not is_ask]
    asks = [price for is_ask, price in orders.values() if is_ask]
    out.our_bid.add(ts, max(bids) if bids else None)
    out.our_ask.add(ts, min(asks) if asks else None)
