"""The book-stream plumbing every hedge venue's WebSocket shares: connections, subscribers, the
publish clock (one tick per 100 ms price step), the faults and shutdown; a venue keeps its
subscribe protocol and frames. `book_stream_gap`/`_gap_prob` skip events, `book_stream_drop`
(one-shot) closes every stream connection and `book_stream_refuse_s` then answers new ones HTTP
503 for that long."""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import AsyncIterator, Awaitable, Callable

from aiohttp import WSCloseCode, WSMsgType, web

from hedge.sim.hedge_venue.book import Book
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY

log = logging.getLogger(__name__)

PUBLISH_OFFSET_MS = 2          # publish just after each price step begins


@dataclass
class DepthStreams:
    """Subscribers per symbol, the last book published per symbol (or sent per connection), and
    the fault clock."""

    subscribers: dict[str, set[web.WebSocketResponse]] = field(default_factory=dict)
    last: dict[str, Book] = field(default_factory=dict)
    sent: dict[web.WebSocketResponse, dict] = field(default_factory=dict)
    connections: set[web.WebSocketResponse] = field(default_factory=set)
    refuse_until_s: float = 0.0
    events_published: int = 0
    events_skipped: int = 0
    drops: int = 0
    refused: int = 0               # stream connections answered 503 while refusing

    def refusing(self) -> bool:
        if time.monotonic() < self.refuse_until_s:
            self.refused += 1
            return True
        return False

    def subscribe(self, symbol: str, ws: web.WebSocketResponse, wanted: bool = True) -> None:
        if wanted:
            self.subscribers.setdefault(symbol, set()).add(ws)
        else:
            self.subscribers.get(symbol, set()).discard(ws)

    def unsubscribe_all(self, ws: web.WebSocketResponse) -> None:
        self.connections.discard(ws)
        self.sent.pop(ws, None)
        for clients in self.subscribers.values():
            clients.discard(ws)


DEPTH_STREAMS_KEY = web.AppKey("depth_streams", DepthStreams)


def levels_json(levels: tuple, limit: int | None = None) -> list[list[str]]:
    return [[str(lv.price), str(lv.qty)] for lv in levels[:limit]]


def levels_changed(old: tuple, new: tuple) -> list[list[str]]:
    """[[price, qty]] that turn side `old` into side `new`; qty "0" removes a level."""
    before = {lv.price: lv.qty for lv in old}
    after = {lv.price: lv.qty for lv in new}
    changed = [[str(p), str(q)] for p, q in after.items() if before.get(p) != q]
    changed += [[str(p), "0"] for p in before if p not in after]
    return changed


async def drop_all(streams: DepthStreams, refuse_s: float) -> None:
    streams.drops += 1
    streams.refuse_until_s = time.monotonic() + max(0.0, refuse_s)
    for ws in list(streams.connections):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"stream dropped")


def skip_event(app: web.Application) -> bool:
    """Whether the gap knobs skip this event (counting it)."""
    state, streams = app[HEDGE_STATE_KEY], app[DEPTH_STREAMS_KEY]
    faults = state.faults
    if faults.book_stream_gap > 0 or (faults.book_stream_gap_prob > 0
                                      and state.rng.random() < faults.book_stream_gap_prob):
        faults.book_stream_gap = max(0, faults.book_stream_gap - 1)
        streams.events_skipped += 1
        return True
    return False


async def send_all(streams: DepthStreams, symbol: str,
                   text: str | Callable[[web.WebSocketResponse], str | None]) -> None:
    """Send one event to a symbol's subscribers (`text` may be per connection, None to skip)."""
    clients = streams.subscribers.get(symbol, set())
    for ws in list(clients):
        body = text(ws) if callable(text) else text
        if body is None:
            continue
        streams.events_published += 1
        try:
            await ws.send_str(body)
        except (ConnectionError, RuntimeError):
            clients.discard(ws)


OnText = Callable[[web.WebSocketResponse, str], Awaitable[None]]


async def serve_stream(request: web.Request, on_text: OnText) -> web.StreamResponse:
    """One stream connection: HTTP 503 while a drop's refusal lasts, else every text frame to
    `on_text` until the client leaves."""
    streams = request.app[DEPTH_STREAMS_KEY]
    if streams.refusing():
        return web.Response(status=503, text="stream unavailable")
    ws = web.WebSocketResponse(autoping=True)
    await ws.prepare(request)
    streams.connections.add(ws)
    try:
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                await on_text(ws, msg.data)
    finally:
        streams.unsubscribe_all(ws)
    return ws


Publish = Callable[[web.Application, int], Awaitable[None]]


async def _publish_loop(app: web.Application, publish: Publish) -> None:
    state, streams = app[HEDGE_STATE_KEY], app[DEPTH_STREAMS_KEY]
    while True:
        faults = state.faults
        if faults.book_stream_drop:
            faults.book_stream_drop = False
            await drop_all(streams, faults.book_stream_refuse_s)
        try:
            await publish(app, state.now_ms())
        except Exception:  # a bug here must not end the stream for good
            log.exception("hedge sim: book stream publish failed")
        now = int(time.time() * 1000)
        step_start = state.prices.origin_ms + state.prices.step_index(now) * state.prices.step_ms
        next_ms = step_start + state.prices.step_ms + PUBLISH_OFFSET_MS
        await asyncio.sleep(max(0.0, (next_ms - now) / 1000))


async def close_stream_connections(app: web.Application) -> None:
    """On shutdown, before aiohttp waits for open handlers: a stream handler ends only when its
    connection does, so left open each one would hold the venue's stop for the whole graceful
    shutdown timeout (60 s)."""
    for ws in list(app[DEPTH_STREAMS_KEY].connections):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


def add_book_stream(app: web.Application, paths: tuple[str, ...],
                    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                    publish: Publish) -> None:
    """Serve `handler` on `paths` and run `publish(app, now_ms)` once per price step."""
    app[DEPTH_STREAMS_KEY] = DepthStreams()
    for path in paths:
        app.router.add_get(path, handler)

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(_publish_loop(app, publish))
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    app.cleanup_ctx.append(ctx)
    app.on_shutdown.append(close_stream_connections)
