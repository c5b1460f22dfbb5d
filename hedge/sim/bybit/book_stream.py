"""Bybit v5's order-book stream (`orderbook.<depth>.<symbol>` on /v5/public/linear), as ccxt's
bybit pro class consumes it: subscribe, a `snapshot`, then one `delta` per 100 ms price step
("0" removes a level; `u` is the book nonce). Each connection gets deltas from what it was last
sent, so a client joining between steps still ends up with the venue's book. ccxt does not check
`u`, so `book_stream_gap` goes unnoticed by it. Faults and clock: hedge_venue/streams.py."""
from __future__ import annotations

import json
import secrets

from aiohttp import WSMsgType, web

from hedge.sim.bybit.markets import SYMBOLS
from hedge.sim.hedge_venue import streams as shared
from hedge.sim.hedge_venue.book import Book
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY
from hedge.sim.hedge_venue.streams import DEPTH_STREAMS_KEY, levels_changed

DEPTHS = ("1", "50", "200", "500", "1000")
SENT_KEY = web.AppKey("bybit_book_sent", dict)   # ws -> {symbol: (topic, Book last sent)}


def _message(topic: str, kind: str, book: Book, bids: list, asks: list, at_ms: int) -> str:
    return json.dumps({"topic": topic, "type": kind, "ts": at_ms, "cts": at_ms,
                       "data": {"s": book.symbol, "b": bids, "a": asks, "u": book.nonce,
                                "seq": book.nonce}})


def _full(levels: tuple) -> list[list[str]]:
    return [[str(lv.price), str(lv.qty)] for lv in levels]


def _topic_symbol(topic: object) -> tuple[str, str] | None:
    parts = topic.split(".") if isinstance(topic, str) else []
    if len(parts) == 3 and parts[0] == "orderbook" and parts[1] in DEPTHS and parts[2] in SYMBOLS:
        return topic, parts[2]
    return None


async def book_ws(request: web.Request) -> web.StreamResponse:
    streams, sent = request.app[DEPTH_STREAMS_KEY], request.app[SENT_KEY]
    if streams.refusing():
        return web.Response(status=503, text="stream unavailable")
    ws = web.WebSocketResponse(autoping=True)
    await ws.prepare(request)
    conn_id = secrets.token_hex(8)
    streams.connections.add(ws)
    sent[ws] = {}
    try:
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            try:
                req = json.loads(msg.data)
            except json.JSONDecodeError:
                req = {}
            op, args = (req.get("op"), req.get("args") or []) if isinstance(req, dict) else (None, [])
            answer = {"success": True, "ret_msg": "", "conn_id": conn_id,
                      "req_id": req.get("req_id", "") if isinstance(req, dict) else "", "op": op}
            if op == "ping":
                await ws.send_str(json.dumps(answer | {"ret_msg": "pong"}))
                continue
            found = [_topic_symbol(a) for a in args] if isinstance(args, list) else [None]
            if op not in ("subscribe", "unsubscribe") or None in found:
                await ws.send_str(json.dumps(answer | {"success": False,
                                                       "ret_msg": f"error:handler not found {args}"}))
                continue
            await ws.send_str(json.dumps(answer))
            state = request.app[HEDGE_STATE_KEY]
            for topic, symbol in found:
                if op == "unsubscribe":
                    sent[ws].pop(symbol, None)
                    streams.subscribers.get(symbol, set()).discard(ws)
                    continue
                now = state.now_ms()
                book = state.book(symbol, now)
                sent[ws][symbol] = (topic, book)
                streams.subscribers.setdefault(symbol, set()).add(ws)
                await ws.send_str(_message(topic, "snapshot", book, _full(book.bids),
                                           _full(book.asks), now))
    finally:
        streams.unsubscribe_all(ws)
        sent.pop(ws, None)
    return ws


async def publish_once(app: web.Application, at_ms: int) -> None:
    state, streams, sent = app[HEDGE_STATE_KEY], app[DEPTH_STREAMS_KEY], app[SENT_KEY]
    for symbol, clients in streams.subscribers.items():
        if not clients:
            continue
        book = state.book(symbol, at_ms)
        skipped = shared.skip_event(app)

        def delta(ws: web.WebSocketResponse) -> str | None:
            topic, previous = sent.get(ws, {}).get(symbol, ("", None))
            if previous is None or book.nonce <= previous.nonce:
                return None
            sent[ws][symbol] = (topic, book)      # a skipped event moves the venue on too
            return None if skipped else _message(
                topic, "delta", book, levels_changed(previous.bids, book.bids),
                levels_changed(previous.asks, book.asks), at_ms)

        await shared.send_all(streams, symbol, delta)


def add_book_stream(app: web.Application) -> None:
    app[SENT_KEY] = {}
    shared.add_book_stream(app, ("/v5/public/linear",), book_ws, publish_once)
