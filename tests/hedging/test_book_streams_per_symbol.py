"""One hedge-book stream per symbol: a symbol whose stream goes silent has its own connection
restarted (and polls meanwhile); the other symbols keep streaming on theirs."""
from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from hedge.adapters.hedging.book_feed import POLL, STREAM, FeedTimings
from hedge.adapters.hedging.venue_books import VenueBooks
from hedge.infra.rate_limit import TokenBucket

TIMINGS = FeedTimings(poll_interval_s=0.02, fallback_after_ms=200, silence_reconnect_s=0.2,
                      retry_base_s=0.01, retry_max_s=0.05)


class ProClient:
    """What the feed asks of a ccxt pro client: watch a book, close the connection."""

    def __init__(self, silent: set[str]) -> None:
        self.silent = silent
        self.closes = 0
        self.watched: set[str] = set()
        self.markets = {"ETH/USDT:USDT": {}, "BTC/USDT:USDT": {}}
        self.currencies: dict = {}

    def set_markets(self, markets, currencies) -> None:
        self.markets, self.currencies = markets, currencies

    async def watch_order_book(self, symbol: str, depth: int) -> dict:
        self.watched.add(symbol)
        if symbol in self.silent:
            await asyncio.Event().wait()
        await asyncio.sleep(0.01)
        return {"bids": [[100.0, 1.0]], "asks": [[101.0, 1.0]],
                "timestamp": int(time.time() * 1000)}

    async def close(self) -> None:
        self.closes += 1


class Rest:
    async def fetch_order_book(self, symbol: str, depth: int) -> dict:
        return {"bids": [[99.0, 1.0]], "asks": [[102.0, 1.0]]}


async def test_a_silent_symbol_stream_is_restarted_alone():
    silent: set[str] = {"ETH/USDT:USDT"}
    clients: list[ProClient] = []

    def new_stream() -> ProClient:
        clients.append(ProClient(silent))
        return clients[-1]
    books = VenueBooks(Rest(), new_stream(), reads=TokenBucket(1000, 1000),
                       to_base=lambda symbol, size: Decimal(str(size)), depth=5, stream_depth=5,
                       max_age_ms=1000, timings=TIMINGS, new_stream=new_stream)
    tasks = [asyncio.create_task(books.feed(s).run()) for s in ("ETH/USDT:USDT", "BTC/USDT:USDT")]
    try:
        eth, btc = clients
        deadline = time.monotonic() + 10
        while eth.closes < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert eth.closes >= 2                       # ETH's connection restarted, again
        assert btc.closes == 0                       # BTC's never touched
        assert eth.watched == {"ETH/USDT:USDT"} and btc.watched == {"BTC/USDT:USDT"}
        assert books.feed("BTC/USDT:USDT").book().source == STREAM
        assert books.feed("ETH/USDT:USDT").book().source == POLL
        assert books.executable_price("BTC/USDT:USDT", Decimal("0.5"), True) == Decimal("101.0")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await books.close()
    assert [c.closes for c in clients][1] == 1       # closed once, at the end


async def test_a_feed_that_starts_drops_the_book_read_before_it():
    """The startup checks read each book once; quoting waits for the feed's own first book."""
    gate = asyncio.Event()

    class SlowRest(Rest):
        async def fetch_order_book(self, symbol: str, depth: int) -> dict:
            if reads:
                await gate.wait()
            reads.append(symbol)
            return await super().fetch_order_book(symbol, depth)
    reads: list[str] = []
    books = VenueBooks(SlowRest(), None, reads=TokenBucket(1000, 1000),
                       to_base=lambda symbol, size: Decimal(str(size)), depth=5, stream_depth=5,
                       max_age_ms=60_000, timings=TIMINGS)
    await books.feed("ETH/USDT:USDT").poll_now()                    # the startup read
    assert books.executable_price("ETH/USDT:USDT", Decimal("0.5"), True) == Decimal("102.0")
    task = asyncio.create_task(books.feed("ETH/USDT:USDT").run())
    try:
        await asyncio.sleep(0.05)
        assert books.executable_price("ETH/USDT:USDT", Decimal("0.5"), True) is None
        gate.set()
        await asyncio.sleep(0.05)
        assert books.executable_price("ETH/USDT:USDT", Decimal("0.5"), True) == Decimal("102.0")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
