"""Binance USD-M's diff depth stream (`<symbol>@depth@100ms`), as ccxt's binanceusdm pro class
consumes it: SUBSCRIBE, then one event per 100 ms price step (also when no level changed), `u`
the book nonce of that step (the REST snapshot's `lastUpdateId`), `pu` the `u` before, `U` = `pu`
+ 1; quantities are absolute and "0" removes a level."""
from __future__ import annotations

import json

from aiohttp import web

from hedge.sim.binance.markets import SYMBOLS
from hedge.sim.hedge_venue.book import Book
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY
from hedge.sim.hedge_venue.streams import (DEPTH_STREAMS_KEY, DepthStreams, add_book_stream,
                                           levels_changed, send_all, serve_stream, skip_event)
from hedge.sim.price import STEP_MS

STREAM_SUFFIXES = ("@depth@100ms", "@depth")
PATHS = ("/ws", "/public/ws", "/public/ws/{index}", "/market/ws", "/market/ws/{index}")


def _symbol_of(stream: object) -> str | None:
    for suffix in STREAM_SUFFIXES:
        if isinstance(stream, str) and stream.endswith(suffix):
            symbol = stream[:-len(suffix)].upper()
            return symbol if symbol in SYMBOLS else None
    return None


def depth_event(previous: Book, book: Book, at_ms: int) -> dict:
    return {"e": "depthUpdate", "E": at_ms, "T": at_ms, "s": book.symbol,
            "U": previous.nonce + 1, "u": book.nonce, "pu": previous.nonce,
            "b": levels_changed(previous.bids, book.bids),
            "a": levels_changed(previous.asks, book.asks)}


async def depth_ws(request: web.Request) -> web.StreamResponse:
    """SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS, each answered; events come from publish_once."""
    streams = request.app[DEPTH_STREAMS_KEY]
    mine: set[str] = set()

    async def on_text(ws: web.WebSocketResponse, text: str) -> None:
        await ws.send_str(json.dumps(_answer(streams, ws, mine, text)))
    return await serve_stream(request, on_text)


def _answer(streams: DepthStreams, ws: web.WebSocketResponse, mine: set[str], text: str) -> dict:
    try:
        request = json.loads(text)
    except json.JSONDecodeError:
        return {"error": {"code": 3, "msg": "Invalid JSON"}}
    if not isinstance(request, dict):
        return {"error": {"code": 3, "msg": "Invalid request"}}
    method, params, rid = request.get("method"), request.get("params") or [], request.get("id")
    if method == "LIST_SUBSCRIPTIONS":
        return {"result": [f"{s.lower()}@depth@100ms" for s in sorted(mine)], "id": rid}
    if method not in ("SUBSCRIBE", "UNSUBSCRIBE") or not isinstance(params, list):
        return {"error": {"code": 2, "msg": f"Invalid request: unknown method {method!r}"},
                "id": rid}
    symbols = [_symbol_of(p) for p in params]
    if None in symbols:
        bad = params[symbols.index(None)]
        return {"error": {"code": 2, "msg": f"Invalid request: unknown stream {bad!r}"}, "id": rid}
    for symbol in symbols:
        wanted = method == "SUBSCRIBE"
        if wanted:
            mine.add(symbol)
        else:
            mine.discard(symbol)
        streams.subscribe(symbol, ws, wanted)
    return {"result": None, "id": rid}


async def publish_once(app: web.Application, at_ms: int) -> None:
    """One event per symbol whose book stepped since the last one. The chain runs from the
    venue's start, so whoever subscribes gets events continuing the REST snapshot's nonce."""
    state, streams = app[HEDGE_STATE_KEY], app[DEPTH_STREAMS_KEY]
    for symbol in SYMBOLS:   # every symbol steps, listened to or not, as on the real venue
        book = state.book(symbol, at_ms)
        # The chain's first link is the step before: a snapshot fetched then is continued too.
        previous = streams.last.get(symbol) or state.book(symbol, at_ms - STEP_MS)
        if book.nonce <= previous.nonce:
            continue
        streams.last[symbol] = book
        if streams.subscribers.get(symbol) and not skip_event(app):
            await send_all(streams, symbol, json.dumps(depth_event(previous, book, at_ms)))


def add_depth_stream(app: web.Application) -> None:
    add_book_stream(app, PATHS, depth_ws, publish_once)
