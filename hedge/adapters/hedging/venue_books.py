"""VenueBooks: every hedge symbol's book feed on one venue, and the reads quoting and hedging make.

The stream client is ccxt's pro class of the venue (public data only, no keys), pointed at the
same host as the REST client, one per symbol: a symbol whose stream goes silent has its own
connection restarted while the others keep streaming. Where ccxt has no pro class, or
`hedge.book_stream` is off, each feed polls REST. A book older than `max_age_ms` is not used: quoting pauses, a hedge reads REST.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

import ccxt.pro as ccxt_pro

from hedge.adapters.hedging.book_feed import FeedBook, FeedTimings, HedgeBookFeed, Levels
from hedge.adapters.hedging.urls import point_at
from hedge.core.hedge_order import average_price, depth_within_bps
from hedge.infra.rate_limit import TokenBucket
from hedge.infra.clock import monotonic_s


def stream_client(exchange_id: str, public_config: dict, base_url: str | None) -> Any | None:
    """ccxt's pro class of `exchange_id` (None where ccxt has none), on `base_url` if given."""
    if exchange_id not in ccxt_pro.exchanges:
        return None
    client = getattr(ccxt_pro, exchange_id)(public_config)
    if base_url:
        point_at(client, base_url)
    return client


class VenueBooks:
    def __init__(self, rest: Any, stream: Any | None, *, reads: TokenBucket,
                 to_base: Callable[[str, Any], Decimal], depth: int, stream_depth: int,
                 max_age_ms: int, timings: FeedTimings,
                 new_stream: Callable[[], Any] | None = None) -> None:
        """`stream`: the first symbol's stream client (and the one the venue's markets are
        loaded into); `new_stream()`: another one, for each further symbol."""
        self.rest = rest
        self.stream = stream
        self._new_stream = new_stream
        self._streams: dict[str, Any] = {}        # symbol -> its own stream client
        self._reads = reads
        self._to_base = to_base
        self._depth = depth
        self._stream_depth = stream_depth
        self.max_age_ms = max_age_ms
        self._timings = timings
        self._feeds: dict[str, HedgeBookFeed] = {}
        self._reread_after: dict[str, float] = {}   # symbol -> monotonic time of a partial IOC

    def feed(self, symbol: str) -> HedgeBookFeed:
        feed = self._feeds.get(symbol)
        if feed is None:
            watch = reconnect = None
            stream = self._stream_for(symbol)
            if stream is not None:
                depth = self._stream_depth
                watch = lambda: stream.watch_order_book(symbol, depth)  # noqa: E731
                reconnect = stream.close           # this symbol's connection only
            feed = HedgeBookFeed(symbol, fetch_rest=lambda: self._fetch(symbol),
                                 to_levels=lambda side: self._levels(symbol, side), watch=watch,
                                 reconnect=reconnect, timings=self._timings)
            self._feeds[symbol] = feed
        return feed

    def _stream_for(self, symbol: str) -> Any | None:
        if self.stream is None:
            return None
        if not self._streams or self._new_stream is None:
            client = self.stream
        else:
            client = self._new_stream()
            if getattr(self.stream, "markets", None):
                client.set_markets(self.stream.markets, self.stream.currencies)
        self._streams[symbol] = client
        return client

    async def _fetch(self, symbol: str) -> dict:
        await self._reads.acquire()
        return await self.rest.fetch_order_book(symbol, self._depth)

    def _levels(self, symbol: str, side: Any) -> Levels:
        return tuple((Decimal(str(p)), self._to_base(symbol, s))
                     for p, s, *_ in list(side)[:self._depth])

    def fresh(self, symbol: str) -> FeedBook | None:
        """The feed's book if young enough to trade on, else None."""
        feed = self._feeds.get(symbol)
        book = feed.book() if feed is not None else None
        if book is None or book.age_ms() > self.max_age_ms:
            return None
        if book.arrived_monotonic <= self._reread_after.get(symbol, 0.0):
            return None   # an IOC filled partially on it: the book moved away since
        return book

    async def for_hedge(self, symbol: str) -> FeedBook:
        """A fresh book, read over REST now if the feed has none."""
        return self.fresh(symbol) or await self.feed(symbol).poll_now()

    def moved(self, symbol: str) -> None:
        """An IOC filled partially: books that arrived before now are not traded on again."""
        self._reread_after[symbol] = monotonic_s()

    def age_ms(self, symbol: str) -> float | None:
        feed = self._feeds.get(symbol)
        book = feed.book() if feed is not None else None
        return None if book is None else book.age_ms()

    def executable_price(self, symbol: str, amount: Decimal, is_buy: bool) -> Decimal | None:
        book = self.fresh(symbol)
        return None if book is None else average_price(book.asks if is_buy else book.bids, amount)

    def depth_base(self, symbol: str, is_buy: bool, within_bps: Decimal) -> Decimal | None:
        book = self.fresh(symbol)
        return None if book is None else depth_within_bps(book.asks if is_buy else book.bids,
                                                          within_bps)

    async def close(self) -> None:
        for client in {id(c): c for c in [self.stream, *self._streams.values()]
                       if c is not None}.values():
            await client.close()
