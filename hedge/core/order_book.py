"""Local L2 book for one market, kept in step with Lighter's snapshot + diff stream.

Continuity: when frames carry nonces, each update's `begin_nonce` must equal the
previous frame's `nonce`; anything else is a gap and the book is unusable until
the caller resubscribes and a new snapshot arrives. Oct-2025 frames carry no
nonces and their offsets are not guaranteed contiguous, so those are accepted.
A crossed book (best bid >= best ask) is corruption and also asks for a resync.

Prices are kept in two ascending sorted lists (bisect), so the best level is O(1)
and an update costs O(log n) plus the list insert; the real ETH book has ~2400
levels a side.
"""
from __future__ import annotations

import enum
from bisect import bisect_left, insort
from collections.abc import Iterable
from decimal import Decimal

from hedge.core.hedge_order import average_price
from hedge.core.types import ZERO, BookLevel, Side


class BookState(enum.Enum):
    AWAITING_SNAPSHOT = "awaiting_snapshot"
    LIVE = "live"
    NEEDS_RESYNC = "needs_resync"


class _BookSide:
    """Price -> size plus an ascending sorted price list."""

    __slots__ = ("sizes", "prices")

    def __init__(self) -> None:
        self.sizes: dict[Decimal, Decimal] = {}
        self.prices: list[Decimal] = []

    def clear(self) -> None:
        self.sizes.clear()
        self.prices.clear()

    def set(self, price: Decimal, size: Decimal) -> None:
        """Absolute size at price; zero (or less) deletes the level."""
        if size <= ZERO:
            if self.sizes.pop(price, None) is not None:
                i = bisect_left(self.prices, price)
                if i < len(self.prices) and self.prices[i] == price:
                    del self.prices[i]
            return
        if price not in self.sizes:
            insort(self.prices, price)
        self.sizes[price] = size

    def __len__(self) -> int:
        return len(self.prices)


class OrderBook:
    """One market's book; feed it parsed snapshot/update levels, read best levels."""

    def __init__(self, market_id: int) -> None:
        self.market_id = market_id
        self._bids = _BookSide()
        self._asks = _BookSide()
        self.state = BookState.AWAITING_SNAPSHOT
        self.nonce: int | None = None
        self.offset: int | None = None
        self.resync_reason = ""
        self.resync_count = 0
        self.snapshots_applied = 0
        self.updates_applied = 0
        self.dropped_before_snapshot = 0
        self.dropped_while_resync = 0
        self.stale_updates = 0

    # -- feeding --------------------------------------------------------------

    def apply_snapshot(
        self,
        asks: Iterable[BookLevel],
        bids: Iterable[BookLevel],
        nonce: int | None = None,
        offset: int | None = None,
    ) -> None:
        """Replace the whole book; clears any resync state."""
        self._asks.clear()
        self._bids.clear()
        for level in asks:
            self._asks.set(level.price, level.size)
        for level in bids:
            self._bids.set(level.price, level.size)
        self.nonce = nonce
        self.offset = offset
        self.state = BookState.LIVE
        self.resync_reason = ""
        self.snapshots_applied += 1
        self._check_crossed()

    def apply_update(
        self,
        asks: Iterable[BookLevel],
        bids: Iterable[BookLevel],
        nonce: int | None = None,
        begin_nonce: int | None = None,
        offset: int | None = None,
    ) -> bool:
        """Apply absolute level sizes; False if the update was dropped."""
        if self.state is BookState.AWAITING_SNAPSHOT:
            self.dropped_before_snapshot += 1
            return False
        if self.state is BookState.NEEDS_RESYNC:
            self.dropped_while_resync += 1
            return False
        if nonce is not None and self.nonce is not None:
            if nonce <= self.nonce:
                self.stale_updates += 1  # already applied (duplicate or replay)
                return False
            if begin_nonce is not None and begin_nonce != self.nonce:
                self.mark_needs_resync(f"nonce gap: begin_nonce {begin_nonce} != last nonce {self.nonce}")
                return False
        for level in asks:
            self._asks.set(level.price, level.size)
        for level in bids:
            self._bids.set(level.price, level.size)
        if nonce is not None:
            self.nonce = nonce
        if offset is not None:
            self.offset = offset
        self.updates_applied += 1
        self._check_crossed()
        return self.state is BookState.LIVE

    def mark_needs_resync(self, reason: str) -> None:
        """Declare the book unusable until the next snapshot (caller resubscribes)."""
        if self.state is not BookState.NEEDS_RESYNC:
            self.resync_count += 1
        self.state = BookState.NEEDS_RESYNC
        self.resync_reason = reason

    def _check_crossed(self) -> None:
        bid, ask = self.best_bid(), self.best_ask()
        if bid is not None and ask is not None and bid.price >= ask.price:
            self.mark_needs_resync(f"crossed book: bid {bid.price} >= ask {ask.price}")

    # -- reading --------------------------------------------------------------

    @property
    def is_live(self) -> bool:
        return self.state is BookState.LIVE

    def best_bid(self) -> BookLevel | None:
        if not self._bids.prices:
            return None
        price = self._bids.prices[-1]
        return BookLevel(price, self._bids.sizes[price])

    def best_ask(self) -> BookLevel | None:
        if not self._asks.prices:
            return None
        price = self._asks.prices[0]
        return BookLevel(price, self._asks.sizes[price])

    def mid(self) -> Decimal | None:
        bid, ask = self.best_bid(), self.best_ask()
        if bid is None or ask is None:
            return None
        return (bid.price + ask.price) / 2

    def bid_count(self) -> int:
        return len(self._bids)

    def ask_count(self) -> int:
        return len(self._asks)

    def size_at(self, side: Side, price: Decimal) -> Decimal:
        """Resting size at a price on the bid (BUY) or ask (SELL) side."""
        book_side = self._bids if side is Side.BUY else self._asks
        return book_side.sizes.get(price, ZERO)

    def levels(self, side: Side, depth: int | None = None) -> list[BookLevel]:
        """Best-first levels of the bid (BUY) or ask (SELL) side."""
        if side is Side.BUY:
            prices = self._bids.prices[::-1] if depth is None else self._bids.prices[: -depth - 1 : -1]
            sizes = self._bids.sizes
        else:
            prices = self._asks.prices if depth is None else self._asks.prices[:depth]
            sizes = self._asks.sizes
        return [BookLevel(p, sizes[p]) for p in prices]

    def executable_price(self, taker_side: Side, size: Decimal) -> Decimal | None:
        """Average price a taker of `size` would get (BUY walks asks); None if too thin."""
        if taker_side is Side.BUY:
            book_side, prices = self._asks, self._asks.prices
        else:
            book_side, prices = self._bids, reversed(self._bids.prices)
        return average_price(((p, book_side.sizes[p]) for p in prices), size)
