"""Binance USD-M's diff depth stream (`<symbol>@depth@100ms`), as ccxt's binanceusdm pro class
consumes it.

A client connects to `/public/ws/<n>` (or `/ws`), sends `{"method": "SUBSCRIBE", "params":
["ethusdt@depth@100ms"], "id": 1}` and is answered `{"result": null, "id": 1}`; it then fetches
`/fapi/v1/depth` and applies the diff events that follow. One event is published per 100 ms
step of the shared price process (also when no level changed, as for a liquid market): `u` is
the book nonce of that step (the `lastUpdateId` the REST snapshot gives at the same step), `pu`
the `u` of the event before, `U` = `pu` + 1; quantities are absolute and "0" removes a level.

Faults (HedgeFaults): `book_stream_gap` skips the next N events (one-shot count) and
`book_stream_gap_prob` skips each with that probability, so the next `pu` breaks the chain;
`book_stream_drop` (one-shot, cleared once done) closes every stream connection, and
`book_stream_refuse_s` then answers new stream connections with HTTP 503 for that long.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import AsyncIterator

from aiohttp import WSCloseCode, WSMsgType, web

from hedge.sim.binance.book import Book
from hedge.sim.binance.keys import HEDGE_STATE_KEY
from hedge.sim.binance.markets import SYMBOLS
from hedge.sim.binance.venue import HedgeVenueState, now_ms
from hedge.sim.price import STEP_MS

log = logging.getLogger(__name__)

STREAM_SUFFIXES = ("@depth@100ms", "@depth")
PUBLISH_OFFSET_MS = 2          # publish just after each price step begins


@dataclass
class DepthStreams:
    """Subscribers per symbol, the last event published per symbol, and the fault clock."""

    subscribers: dict[str, set[web.WebSocketResponse]] = field(default_factory=dict)
    last: dict[str, Book] = field(default_factory=dict)
    connections: set[web.WebSocketResponse] = field(default_factory=set)
    refuse_until_s: float = 0.0
    events_published: int = 0
    events_skipped: int = 0
    drops: int = 0
    refused: int = 0               # stream connections answered 503 while refusing


DEPTH_STREAMS_KEY = web.AppKey("depth_streams", DepthStreams)


def _symbol_of(stream: object) -> str | None:
    if not isinstance(stream, str):
        return None
    for suffix in STREAM_SUFFIXES:
        if stream.endswith(suffix):
            symbol = stream[:-len(suffix)].upper()
            return symbol if symbol in SYMBOLS else None
    return None


def levels_changed(old: tuple, new: tuple) -> list[list[str]]:
    """[[price, qty]] that turn side `old` into side `new`; qty "0" removes a level."""
    before = {lv.price: lv.qty for lv in old}
    after = {lv.price: lv.qty for lv in new}
    changed = [[str(p), str(q)] for p, q in after.items() if before.get(p) != q]
    changed += [[str(p), "0"] for p in before if p not in after]
    return changed


def depth_event(previous: Book, book: Book, at_ms: int) -> dict:
    return {"e": "depthUpdate", "E": at_ms, "T": at_ms, "s": book.symbol,
            "U": previous.nonce + 1, "u": book.nonce, "pu": previous.nonce,
            "b": levels_changed(previous.bids, book.bids),
            "a": levels_changed(previous.asks, book.asks)}


async def depth_ws(request: web.Request) -> web.StreamResponse:
    """One stream connection: SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS, then diff events."""
    streams = request.app[DEPTH_STREAMS_KEY]
    if time.monotonic() < streams.refuse_until_s:
        streams.refused += 1
        return web.Response(status=503, text="stream unavailable")
    ws = web.WebSocketResponse(autoping=True)
    await ws.prepare(request)
    streams.connections.add(ws)
    mine: set[str] = set()
    try:
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            reply = _handle_request(streams, ws, mine, msg.data)
            if reply is not None:
                await ws.send_str(json.dumps(reply))
    finally:
        streams.connections.discard(ws)
        for symbol in mine:
            streams.subscribers.get(symbol, set()).discard(ws)
    return ws


def _handle_request(streams: DepthStreams, ws: web.WebSocketResponse, mine: set[str],
                    text: str) -> dict | None:
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
        if method == "SUBSCRIBE":
            mine.add(symbol)
            streams.subscribers.setdefault(symbol, set()).add(ws)
        else:
            mine.discard(symbol)
            streams.subscribers.get(symbol, set()).discard(ws)
    return {"result": None, "id": rid}


async def drop_all(streams: DepthStreams, refuse_s: float) -> None:
    streams.drops += 1
    streams.refuse_until_s = time.monotonic() + max(0.0, refuse_s)
    for ws in list(streams.connections):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"stream dropped")


async def publish_once(state: HedgeVenueState, streams: DepthStreams, at_ms: int) -> None:
    """One event per symbol whose book stepped since the last one, sent to its subscribers.

    The chain runs from the venue's start, so a client subscribing at any moment gets events
    whose `pu` continues what the REST snapshot's `lastUpdateId` says."""
    faults = state.faults
    if faults.book_stream_drop:
        faults.book_stream_drop = False
        await drop_all(streams, faults.book_stream_refuse_s)
    for symbol in SYMBOLS:   # every symbol steps, listened to or not, as on the real venue
        book = state.book(symbol, at_ms)
        # The chain's first link is the step before: a snapshot fetched then is continued too.
        previous = streams.last.get(symbol) or state.book(symbol, at_ms - STEP_MS)
        if book.nonce <= previous.nonce:
            continue
        streams.last[symbol] = book
        clients = streams.subscribers.get(symbol)
        if not clients:
            continue
        if faults.book_stream_gap > 0 or (faults.book_stream_gap_prob > 0
                                          and state.rng.random() < faults.book_stream_gap_prob):
            faults.book_stream_gap = max(0, faults.book_stream_gap - 1)
            streams.events_skipped += 1
            continue
        text = json.dumps(depth_event(previous, book, at_ms))
        streams.events_published += 1
        for ws in list(clients):
            try:
                await ws.send_str(text)
            except (ConnectionError, RuntimeError):
                clients.discard(ws)


async def _publish_loop(app: web.Application) -> None:
    state, streams = app[HEDGE_STATE_KEY], app[DEPTH_STREAMS_KEY]
    await publish_once(state, streams, now_ms())
    while True:
        now = now_ms()
        step_start = state.prices.origin_ms + state.prices.step_index(now) * STEP_MS
        await asyncio.sleep(max(0.0, (step_start + STEP_MS + PUBLISH_OFFSET_MS - now) / 1000))
        try:
            await publish_once(state, streams, now_ms())
        except Exception:  # a bug here must not end the stream for good
            log.exception("hedge sim: depth publish failed")


async def depth_stream_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.get_running_loop().create_task(_publish_loop(app))
    yield
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


async def close_stream_connections(app: web.Application) -> None:
    """On shutdown, before aiohttp waits for open handlers: a stream handler ends only when its
    connection does, so left open each one would hold the venue's stop for the whole graceful
    shutdown timeout (60 s)."""
    for ws in list(app[DEPTH_STREAMS_KEY].connections):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


def add_depth_stream(app: web.Application) -> None:
    app[DEPTH_STREAMS_KEY] = DepthStreams()
    for path in ("/ws", "/public/ws", "/public/ws/{index}", "/market/ws", "/market/ws/{index}"):
        app.router.add_get(path, depth_ws)
    app.cleanup_ctx.append(depth_stream_ctx)
    app.on_shutdown.append(close_stream_connections)
