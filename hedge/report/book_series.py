"""The Lighter mid and our own resting bid/ask over time, rebuilt from ws_lighter.jsonl.

The book is rebuilt from the recorded order_book frames with plain floats (a snapshot replaces
it, an update sets absolute level sizes, size 0 deletes): an hour holds ~40,000 frames and the
bot's Decimal parser would take most of a minute over them. A gap in the nonces is not checked
here; the next snapshot (the bot resubscribes on a gap) puts the book right. Our quotes come from
the account_orders frames (read in floats, like the book): each carries the full state of the
orders that changed. Only change points are kept; plots downsample further.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from hedge.adapters.lighter.fields import FieldError, read_bool
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
    quotes = OurQuotes()
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
            for index, market, is_ask, price, status in _orders_of(frame):
                if market_id is not None and market != market_id:
                    continue
                quotes.update(index, is_ask, price, is_live(status))
            out.our_bid.add(ts, quotes.newest(is_ask=False))
            out.our_ask.add(ts, quotes.newest(is_ask=True))
    return out


def _orders_of(frame: dict):
    """(order_index, market, is_ask, price, status) of each readable order of an account orders
    frame, in floats (the bot's Decimal parser would cost a day's report a minute); an entry
    that cannot be read is skipped, as the bot's parser drops it."""
    orders = frame.get("orders")
    if not isinstance(orders, dict):
        return
    for key, items in orders.items():
        if not isinstance(items, list):
            continue
        for d in items:
            try:
                yield (int(d["order_index"]), int(d.get("market_index", key)), read_bool(d, "is_ask"),
                       float(d["price"]), str(d["status"]))
            except (KeyError, TypeError, ValueError, AttributeError, FieldError):
                continue


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
        self.best_bid = _apply_side(self.bids, bids, self.best_bid, True)
        self.best_ask = _apply_side(self.asks, asks, self.best_ask, False)

    def mid(self) -> float | None:
        if self.best_bid is None or self.best_ask is None:
            return None
        return round((self.best_bid + self.best_ask) / 2, 10)   # no float noise in the page


def _apply_side(side: dict[float, float], levels, best: float | None, is_bid: bool) -> float | None:
    """Set absolute sizes (0 deletes) and return the new best; the hot loop of a day's report."""
    try:
        pairs = [(float(level["price"]), float(level["size"])) for level in levels]
    except (KeyError, TypeError, ValueError):
        pairs = list(_readable_levels(levels))
    stale = False
    for price, size in pairs:
        if size > 0:
            side[price] = size
            if best is None or (price > best if is_bid else price < best):
                best = price
        elif side.pop(price, None) is not None and price == best:
            stale = True
    if stale:
        best = (max(side) if is_bid else min(side)) if side else None
    return best


def _readable_levels(levels):
    for level in levels:
        try:
            yield float(level["price"]), float(level["size"])
        except (KeyError, TypeError, ValueError):
            continue


class OurQuotes:
    """Our live orders per side, newest update last: the quote shown is the newest live order
    (the bot rests one order a side; during a requote the new one is the quote). O(1) a frame,
    and at most `KEEP` orders a side are remembered (an order never seen to end is forgotten)."""

    KEEP = 1000

    def __init__(self) -> None:
        self.sides: dict[bool, dict[int, float]] = {False: {}, True: {}}

    def update(self, order_index: int, is_ask: bool, price: float, live: bool) -> None:
        side = self.sides[is_ask]
        side.pop(order_index, None)
        if live:
            side[order_index] = price
            if len(side) > self.KEEP:
                del side[next(iter(side))]

    def newest(self, is_ask: bool) -> float | None:
        side = self.sides[is_ask]
        return next(reversed(side.values())) if side else None
