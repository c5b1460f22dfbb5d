"""HedgeBookFeed: one symbol's hedge-venue book, streamed, with REST polling only as a fallback.

The stream is ccxt's pro class (`watch_order_book`): ccxt keeps the book from a REST snapshot
plus the venue's diff events and resyncs from a new snapshot on a sequence gap. While the
stream is down or silent, the feed polls the REST book instead; once the stream delivers again,
polling stops. Quoting and hedging read `book()`, which is whichever book is younger, with its
source and age: for a streamed book, now minus the venue's own timestamp of its newest event;
for a polled one, now minus the arrival of the REST answer.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Awaitable, Callable

import ccxt
from loguru import logger

from hedge.infra.logs import HEDGE_TAG
from hedge.infra.retry import backoff_s
from hedge.infra.clock import monotonic_s, wall_s

TAG = HEDGE_TAG + " book"   # "[HEDGE] book ETH/USDT:USDT stream down (...)"
STREAM = "stream"
POLL = "poll"

Levels = tuple[tuple[Decimal, Decimal], ...]


@dataclass(frozen=True)
class FeedBook:
    bids: Levels                 # best first, base units
    asks: Levels
    source: str                  # STREAM or POLL
    venue_ms: int | None         # the venue's timestamp of the newest data (stream)
    arrived_monotonic: float     # when the book reached us

    def age_ms(self, wall_ms: float | None = None, now_monotonic: float | None = None) -> float:
        if self.source == STREAM and self.venue_ms is not None:
            wall = wall_s() * 1000 if wall_ms is None else wall_ms
            return max(0.0, wall - self.venue_ms)   # a venue clock ahead of ours reads as 0
        now = monotonic_s() if now_monotonic is None else now_monotonic
        return (now - self.arrived_monotonic) * 1000


@dataclass(frozen=True)
class FeedTimings:
    poll_interval_s: float = 0.25      # REST poll cadence while the stream is down
    fallback_after_ms: float = 500     # a streamed book older than this: poll as well
    silence_reconnect_s: float = 5.0   # no stream event this long: reconnect the stream
    retry_base_s: float = 0.1          # stream reconnect backoff
    retry_max_s: float = 10.0


class HedgeBookFeed:
    def __init__(self, symbol: str, *, fetch_rest: Callable[[], Awaitable[dict]],
                 to_levels: Callable[[Any], Levels],
                 watch: Callable[[], Awaitable[dict]] | None = None,
                 reconnect: Callable[[], Awaitable[None]] | None = None,
                 timings: FeedTimings = FeedTimings()) -> None:
        self.symbol = symbol
        self.timings = timings
        self._fetch_rest = fetch_rest
        self._to_levels = to_levels
        self._watch = watch
        self._reconnect = reconnect
        self.stream_book: FeedBook | None = None
        self.poll_book: FeedBook | None = None
        self.stream_up = False
        self.resyncs = 0            # sequence gaps ccxt reported (it refetches the snapshot)
        self.stream_failures = 0    # connections lost, refused or gone silent
        self.polls = 0
        self.stream_updates = 0     # books the stream delivered
        self._wake_poll = asyncio.Event()

    @property
    def streams(self) -> bool:
        return self._watch is not None

    def book(self) -> FeedBook | None:
        """The younger of the streamed and the polled book (None before either arrives)."""
        books = [b for b in (self.stream_book, self.poll_book) if b is not None]
        return min(books, key=lambda b: b.age_ms()) if books else None

    def _stream_fresh(self) -> bool:
        book = self.stream_book
        return (self.stream_up and book is not None
                and book.age_ms() <= self.timings.fallback_after_ms)

    async def run(self) -> None:
        """Keep the book fresh until cancelled. A book read before (the startup checks' one-off
        read) is dropped: quoting starts on the feed's own first book, not on one that aged
        through the startup."""
        self.poll_book = None
        if self._watch is None:
            await self._poll_loop()
            return
        await asyncio.gather(self._stream_loop(), self._poll_loop())

    async def poll_now(self) -> FeedBook:
        """One REST read, kept as the polled book (also what a hedge uses when all is stale)."""
        raw = await self._fetch_rest()
        book = FeedBook(self._to_levels(raw["bids"]), self._to_levels(raw["asks"]), POLL, None,
                        monotonic_s())
        self.poll_book = book
        self.polls += 1
        return book

    async def _poll_loop(self) -> None:
        failures = 0
        while True:
            if not self._stream_fresh():
                try:
                    await self.poll_now()
                    failures = 0
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # no fresh book: quoting pauses by itself
                    failures += 1
                    if failures == 1 or failures % 20 == 0:
                        logger.warning("{} {} REST poll failed ({} in a row): {}: {}", TAG,
                                       self.symbol, failures, type(exc).__name__, exc)
            self._wake_poll.clear()
            try:
                await asyncio.wait_for(self._wake_poll.wait(), self.timings.poll_interval_s)
            except asyncio.TimeoutError:
                pass

    def _stream_down(self, why: str) -> None:
        if self.stream_up:
            logger.warning("{} {} stream down ({}): polling REST until it is back", TAG,
                           self.symbol, why)
        self.stream_up = False
        self._wake_poll.set()

    async def _stream_loop(self) -> None:
        assert self._watch is not None
        failures = 0
        while True:
            try:
                raw = await asyncio.wait_for(self._watch(), self.timings.silence_reconnect_s)
            except asyncio.CancelledError:
                raise
            except ccxt.ChecksumError:  # a sequence gap: ccxt refetches the snapshot next call
                self.resyncs += 1
                logger.info("{} {} stream sequence gap: resyncing from the REST snapshot", TAG,
                            self.symbol)
                self._stream_down("sequence gap")
                continue
            except Exception as exc:
                failures += 1
                self.stream_failures += 1
                what = ("silent" if isinstance(exc, asyncio.TimeoutError)
                        else f"{type(exc).__name__}: {str(exc)[:200]}")
                self._stream_down(what)
                if failures == 1 or failures % 10 == 0:
                    logger.warning("{} {} stream unavailable ({} in a row): {}", TAG, self.symbol,
                                   failures, what)
                if self._reconnect is not None:
                    try:
                        await self._reconnect()
                    except Exception:  # closing a broken connection may fail as well
                        pass
                await asyncio.sleep(backoff_s(failures, self.timings.retry_base_s,
                                              self.timings.retry_max_s))
                continue
            self._take(raw)
            if not self.stream_up:
                logger.info("{} {} stream up", TAG, self.symbol)
            self.stream_up = True
            failures = 0

    def _take(self, raw: dict) -> None:
        self.stream_updates += 1
        stamp = raw.get("timestamp")
        self.stream_book = FeedBook(self._to_levels(raw["bids"]), self._to_levels(raw["asks"]),
                                    STREAM, int(stamp) if stamp is not None else None,
                                    monotonic_s())
