"""`python run.py record`: both venues' public books and Lighter's public trades, to a directory
the lab replays (`lab --recording DIR`; the layout is in hedge/lab/recording.py).

No keys: Lighter's `order_book` and `trade` channels through the production stream client and
parser, the hedge venue's book through the same ccxt feed the bot quotes from (streamed where
ccxt.pro has the venue, else polled). In paper mode the local venues are started, as `run` does.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hedge.adapters.hedging.book_feed import FeedBook
from hedge.adapters.hedging.ccxt_venue import CcxtHedgeVenue
from hedge.adapters.lighter.rest import LighterRest
from hedge.adapters.lighter.ws_client import LighterWsClient
from hedge.app.paper import PaperVenues
from hedge.app.settings import hedge_venue_settings
from hedge.infra.clock import monotonic_s, wall_s
from hedge.infra.config_schema import BotConfig
from hedge.lab.recording import (HEDGE_BOOK, LIGHTER_BOOK, LIGHTER_TRADES, StreamWriter,
                                 write_meta)

HEDGE_SAMPLE_S = 0.005     # how often the hedge feed is looked at for a new book
HEDGE_DEPTH = 20           # levels kept per side


class RecordError(RuntimeError):
    """The venues could not be read; the message names which and why."""


class TradesStream(LighterWsClient):
    """The public stream client with the `trade` channel beside the book's."""

    @property
    def channels(self) -> list[str]:
        return super().channels + [f"trade/{mk}" for mk in self.markets]


class LighterTap:
    """Takes the place of the frame recorder: each book or trade frame to its stream file."""

    def __init__(self, books: StreamWriter, trades: StreamWriter) -> None:
        self._books, self._trades = books, trades

    def record_in(self, conn: str, text: str, frame: Any = None, ts_ns: int | None = None) -> None:
        if not isinstance(frame, dict):
            return
        kind = str(frame.get("type", "")).partition("/")[2]
        writer = {"order_book": self._books, "trade": self._trades}.get(kind)
        if writer is not None:
            writer.write({"ts_ns": int(wall_s() * 1e9) if ts_ns is None else ts_ns,
                          "frame": frame})

    def record_out(self, conn: str, frame: Any, ts_ns: int | None = None) -> None:
        return None

    def flush(self) -> None:
        return None


def _levels(levels: Sequence[tuple[Any, Any]]) -> list[list[str]]:
    return [[str(p), str(s)] for p, s in levels[:HEDGE_DEPTH]]


async def _sample_hedge(venue: CcxtHedgeVenue, symbol: str, writer: StreamWriter) -> None:
    """Every new book the feed holds, stamped with the wall time it arrived."""
    feed = venue.feed(symbol)
    last: FeedBook | None = None
    while True:
        book = feed.book()
        if book is not None and book is not last and book.bids and book.asks:
            last = book
            arrived_s = wall_s() - (monotonic_s() - book.arrived_monotonic)
            writer.write({"ts_ns": int(arrived_s * 1e9), "source": book.source,
                          "bids": _levels(book.bids), "asks": _levels(book.asks)})
        await asyncio.sleep(HEDGE_SAMPLE_S)


async def record(config: BotConfig, duration_s: float, out: Path, compress: bool = True) -> dict:
    """Record for `duration_s`; the line counts per stream."""
    paper = None
    lighter_url, hedge_url = config.lighter.base_url, config.hedge.base_url
    if config.lighter.is_sim or config.hedge.is_sim:
        paper = PaperVenues(config.sim.seed, config.sim.faults,
                            config.hedge.exchange if config.hedge.is_sim else "binanceusdm",
                            config.market_model)
        await paper.start()
        lighter_url = paper.lighter_url if config.lighter.is_sim else lighter_url
        hedge_url = paper.hedge_url if config.hedge.is_sim else hedge_url
    try:
        return await _record(config, str(lighter_url), hedge_url, duration_s, out, compress,
                             paper is not None)
    finally:
        if paper is not None:
            await paper.stop()


async def _record(config: BotConfig, lighter_url: str, hedge_url: str | None, duration_s: float,
                  out: Path, compress: bool, is_paper: bool) -> dict:
    market = config.trading_markets[0]
    try:
        async with LighterRest(lighter_url) as rest:
            spec = (await rest.markets()).by_symbol(market.lighter_market)
    except LookupError:          # an unknown market: the CLI names the known ones and the fix
        raise
    except Exception as exc:
        raise RecordError(f"cannot read Lighter markets from {lighter_url}: "
                          f"{type(exc).__name__}: {exc}") from None
    hedge = CcxtHedgeVenue(hedge_venue_settings(config, hedge_url, None, None))
    try:
        await hedge.start()
        hedge.rules(market.hedge_symbol)          # an unknown symbol fails here, named
    except Exception as exc:
        await hedge.close()
        raise RecordError(f"cannot read the hedge venue {config.hedge.exchange}: "
                          f"{type(exc).__name__}: {exc}") from None
    out.mkdir(parents=True, exist_ok=True)
    writers = {s: StreamWriter(out, s, compress) for s in (LIGHTER_BOOK, LIGHTER_TRADES,
                                                          HEDGE_BOOK)}
    stream = TradesStream(lighter_url, markets=[spec.market_id], conn_name="record",
                          recorder=LighterTap(writers[LIGHTER_BOOK],
                                              writers[LIGHTER_TRADES]))  # type: ignore[arg-type]
    stream.on_message = lambda msg: None          # the files are the record; no queue grows
    started_s = wall_s()
    tasks = [asyncio.create_task(hedge.watch_book(market.hedge_symbol), name="record-hedge"),
             asyncio.create_task(_sample_hedge(hedge, market.hedge_symbol, writers[HEDGE_BOOK]),
                                 name="record-hedge-sample")]
    stream.start()
    try:
        await asyncio.sleep(duration_s)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await stream.close()
        await hedge.close()
        for writer in writers.values():
            writer.close()
    write_meta(out, {
        "lighter_market": spec.symbol, "lighter_market_id": spec.market_id,
        "tick": str(spec.tick_size), "lot": str(spec.lot_size),
        "hedge_venue": config.hedge.exchange, "hedge_symbol": market.hedge_symbol,
        "hedge_book_streamed": hedge.stream_exchange is not None, "paper": is_paper,
        "started_s": round(started_s, 3), "duration_s": duration_s,
        "lines": {name: w.lines for name, w in writers.items()}})
    return {name: w.lines for name, w in writers.items()}
