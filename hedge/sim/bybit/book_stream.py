"""Bybit v5's order-book stream (`orderbook.<depth>.<symbol>` on /v5/public/linear), as ccxt's
bybit pro class consumes it: subscribe, a `snapshot`, then one `delta` per 100 ms price step
("0" removes a level; `u` is the book nonce). Each connection gets deltas from what it was last
sent, so a client joining between steps still ends up with the venue's book. ccxt does not check
`u`, so `book_stream_gap` goes unnoticed by it."""
from __future__ import annotations

import json
import secrets

from aiohttp import web

from hedge.sim.bybit.markets import SYMBOLS
from hedge.sim.hedge_venue import streams as shared
from hedge.sim.hedge_venue.book import Book
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY
from hedge.sim.hedge_venue.streams import DEPTH_STREAMS_KEY, levels_changed, levels_json

DEPTHS = ("1", "50", "200", "500", "1000")


def _message(topic: str, kind: str, book: Book, bids: list, asks: list, at_ms: int) -> str:
    return json.dumps({"topic": topic, "type": kind, "ts": at_ms, "cts": at_ms,
                       "data": {"s": book.symbol, "b": bids, "a": asks, "u": book.nonce,
                                "seq": book.nonce}})


def _topic_symbol(topic: object) -> tuple[str, str] | None:
    parts = topic.split(".") if isinstance(topic, str) else []
    if len(parts) == 3 and parts[0] == "orderbook" and parts[1] in DEPTHS and parts[2] in SYMBOLS:
        return topic, parts[2]
    return None


async def book_ws(request: web.Request) -> web.StreamResponse:
    """subscribe/unsubscribe/ping; a subscription starts with its snapshot. `streams.sent[ws]`
    holds {symbol: (topic, Book last sent)}."""
    state, streams = request.app[HEDGE_STATE_KEY], request.app[DEPTH_STREAMS_KEY]
    conn_id = secrets.token_hex(8)

    async def on_text(ws: web.WebSocketResponse, text: str) -> None:
        try:
            req = json.loads(text)
        except json.JSONDecodeError:
            req = {}
        if not isinstance(req, dict):
            req = {}
        op, args = req.get("op"), req.get("args") or []
        answer = {"success": True, "ret_msg": "", "conn_id": conn_id,
                  "req_id": req.get("req_id", ""), "op": op}
        if op == "ping":
            await ws.send_str(json.dumps(answer | {"ret_msg": "pong"}))
            return
        found = [_topic_symbol(a) for a in args] if isinstance(args, list) else [None]
        if op not in ("subscribe", "unsubscribe") or None in found:
            await ws.send_str(json.dumps(answer | {"success": False,
                                                   "ret_msg": f"error:handler not found {args}"}))
            return
        await ws.send_str(json.dumps(answer))
        sent = streams.sent.setdefault(ws, {})
        for topic, symbol in found:
            streams.subscribe(symbol, ws, op == "subscribe")
            if op == "unsubscribe":
                sent.pop(symbol, None)
                continue
            now = state.now_ms()
            book = state.book(symbol, now)
            sent[symbol] = (topic, book)
            await ws.send_str(_message(topic, "snapshot", book, levels_json(book.bids),
                                       levels_json(book.asks), now))
    return await shared.serve_stream(request, on_text)


async def publish_once(app: web.Application, at_ms: int) -> None:
    state, streams = app[HEDGE_STATE_KEY], app[DEPTH_STREAMS_KEY]
    for symbol, clients in streams.subscribers.items():
        if not clients:
            continue
        book = state.book(symbol, at_ms)
        skipped = shared.skip_event(app)

        def delta(ws: web.WebSocketResponse) -> str | None:
            topic, previous = streams.sent.get(ws, {}).get(symbol, ("", None))
            if previous is None or book.nonce <= previous.nonce:
                return None
            streams.sent[ws][symbol] = (topic, book)      # a skipped event moves the venue on too
            return None if skipped else _message(
                topic, "delta", book, levels_changed(previous.bids, book.bids),
                levels_changed(previous.asks, book.asks), at_ms)

        await shared.send_all(streams, symbol, delta)


def add_book_stream(app: web.Application) -> None:
    shared.add_book_stream(app, ("/v5/public/linear",), book_ws, publish_once)
