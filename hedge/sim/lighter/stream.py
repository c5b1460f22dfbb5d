"""The `/stream` WebSocket: sessions, channels, snapshots, 50 ms book diffs, keepalive, faults.

Every outgoing frame goes through a session's queue, so a snapshot always precedes the
updates that follow it, and the fault knobs (silence, duplicates, late resends, periodic
disconnects) are applied in one place.
"""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from hedge.sim.lighter import channels
from hedge.sim.lighter.auth import token_problem
from hedge.sim.lighter.keys import LIGHTER_HUB, LIGHTER_STATE
from hedge.sim.lighter.gate import accounts_in_tx_infos
from hedge.sim.lighter.limits import TOO_MANY_REQUESTS
from hedge.sim.lighter.tx import TxRejected, quota_fields, submit
from hedge.sim.lighter.venue import LighterVenue

PING_INTERVAL_S = 20.0       # server {"type":"ping"}; no pong before the next one -> 1008
IDLE_TIMEOUT_S = 120.0       # close when the client has sent nothing for this long
WATCHDOG_TICK_S = 0.1
LATE_FRAME_DELAY_S = (0.2, 0.8)
TX_MESSAGES = ("jsonapi/sendtx", "jsonapi/sendtxbatch")   # counted with the REST caps instead
TOO_MANY_CONNECTIONS = {"code": 23003, "message": "Too Many Connections!"}


@dataclass(frozen=True)
class Answer:
    """A frame answering a client message; the message stops being in flight once it is sent."""

    frame: dict


@dataclass(eq=False)
class Session:
    """One client connection."""

    ws: web.WebSocketResponse
    ip: str = ""
    inflight: int = 0            # client messages whose answer has not been sent yet
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    subs: set[str] = field(default_factory=set)
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    last_client_s: float = field(default_factory=time.monotonic)
    opened_s: float = field(default_factory=time.monotonic)
    ping_outstanding: bool = False
    previous_account_frame: dict[str, dict] = field(default_factory=dict)


class StreamHub(channels.ChannelFrames):
    """Fans venue events out to subscribed sessions (implements venue.Publisher)."""

    def __init__(self, venue: LighterVenue) -> None:
        super().__init__(venue)
        self.sessions: set[Session] = set()

    def deliver(self, channel: str, frame: dict, account_frame: bool = False) -> None:
        for s in list(self.sessions):
            if channel in s.subs:
                self.enqueue(s, frame, channel if account_frame else None)

    def enqueue(self, s: Session, frame: dict, account_channel: str | None = None) -> None:
        s.queue.put_nowait(frame)
        if account_channel is None:
            return
        faults, rng = self.venue.faults, self.venue.rng
        if faults.duplicate_account_frame_prob and rng.random() < faults.duplicate_account_frame_prob:
            s.queue.put_nowait(frame)
        older = s.previous_account_frame.get(account_channel)
        if older is not None and faults.late_account_frame_prob and rng.random() < faults.late_account_frame_prob:
            delay = rng.uniform(*LATE_FRAME_DELAY_S)
            asyncio.get_running_loop().call_later(delay, s.queue.put_nowait, older)
        s.previous_account_frame[account_channel] = frame


def error_frame(code: int, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


async def handle_stream(request: web.Request) -> web.StreamResponse:
    venue: LighterVenue = request.app[LIGHTER_STATE]
    hub: StreamHub = request.app[LIGHTER_HUB]
    if venue.faults.refuse_ws:
        return web.json_response({"code": 503, "message": "service unavailable"}, status=503)
    if not venue.limiter.admit_ws_connection(request.remote or ""):
        return web.json_response(TOO_MANY_CONNECTIONS, status=429)
    ws = web.WebSocketResponse(autoping=True, max_msg_size=1 << 22)
    await ws.prepare(request)
    session = Session(ws, ip=request.remote or "")
    hub.sessions.add(session)
    session.queue.put_nowait({"type": "connected", "session_id": session.session_id})
    tasks = [asyncio.create_task(_writer(venue, session)), asyncio.create_task(_watchdog(venue, session))]
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                session.last_client_s = time.monotonic()
                continue
            session.last_client_s = time.monotonic()
            await _on_text(venue, hub, session, msg.data)
    finally:
        hub.sessions.discard(session)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return ws


async def _writer(venue: LighterVenue, s: Session) -> None:
    while not s.ws.closed:
        frame = await s.queue.get()
        answered = isinstance(frame, Answer)
        if answered:
            frame = frame.frame
        try:
            if not venue.faults.ws_silent:
                await s.ws.send_str(json.dumps(frame))
        except (ConnectionError, RuntimeError):
            return
        finally:
            if answered:
                s.inflight -= 1


async def _watchdog(venue: LighterVenue, s: Session) -> None:
    """Server pings, the no-pong and idle closes, and the periodic-disconnect fault."""
    next_ping = time.monotonic() + PING_INTERVAL_S
    while not s.ws.closed:
        await asyncio.sleep(WATCHDOG_TICK_S)
        now = time.monotonic()
        every = venue.faults.ws_disconnect_every_s
        if every and now - s.opened_s >= every:
            await s.ws.close(code=1001, message=b"going away")
            return
        if now - s.last_client_s >= IDLE_TIMEOUT_S:
            await s.ws.close(code=1000, message=b"idle timeout")
            return
        if now >= next_ping:
            if s.ping_outstanding:
                await s.ws.close(code=1008, message=b"no pong")
                return
            s.ping_outstanding = True
            s.queue.put_nowait({"type": "ping"})
            next_ping = now + PING_INTERVAL_S


async def _on_text(venue: LighterVenue, hub: StreamHub, s: Session, text: str) -> None:
    """Caps first (30009 per IP a window, 30010 unanswered), then one answer per message."""
    try:
        msg = json.loads(text)
        if not isinstance(msg, dict):
            raise ValueError
    except ValueError:
        s.queue.put_nowait(error_frame(30000, "Invalid Json"))
        return
    kind = msg.get("type")
    if kind not in TX_MESSAGES and not venue.limiter.admit_ws_message(s.ip):
        s.queue.put_nowait(error_frame(30009, "Too Many Websocket Messages!"))
        return
    if kind == "pong":
        s.ping_outstanding = False
        return
    if s.inflight >= venue.faults.ws_inflight_max:
        s.queue.put_nowait(error_frame(30010, "Too Many Inflight Messages!"))
        return
    s.inflight += 1
    _answer(venue, s, lambda: _handle(venue, hub, s, kind, msg))


def _answer(venue: LighterVenue, s: Session, handle) -> None:
    """`ws_ack_delay_ms` later, the message is handled and answered: a delayed subscribe
    starts its channel with its snapshot, as a slow venue does (no updates before it)."""
    delay_s = venue.faults.ws_ack_delay_ms / 1000
    if delay_s > 0:
        asyncio.get_running_loop().call_later(delay_s, lambda: s.queue.put_nowait(Answer(handle())))
    else:
        s.queue.put_nowait(Answer(handle()))


def _handle(venue: LighterVenue, hub: StreamHub, s: Session, kind: object, msg: dict) -> dict:
    if kind == "ping":
        return {"type": "pong"}
    if kind == "subscribe":
        return _subscribe(venue, hub, s, msg)
    if kind == "unsubscribe":
        channel = str(msg.get("channel", ""))
        if channel in s.subs:
            s.subs.discard(channel)
            return {"type": "unsubscribed", "channel": channel.replace("/", ":")}
        return error_frame(30002, f"Not Subscribed to : {channel.replace('/', ':')}")
    if kind in TX_MESSAGES:
        return _send_tx(venue, s, str(kind), msg.get("data") or {})
    return error_frame(30001, f"Invalid Type: {kind}")


def _subscribe(venue: LighterVenue, hub: StreamHub, s: Session, msg: dict) -> dict:
    channel = str(msg.get("channel", ""))
    spec = channels.parse_channel(venue, channel)
    if spec is None:
        return error_frame(30005, f"Invalid Channel:  ({channel})")
    colon = channel.replace("/", ":")
    if spec.account is not None and (spec.auth_required or msg.get("auth") is not None):
        if not msg.get("auth"):
            return error_frame(20001, f"invalid param : auth field is required: {colon}")
        problem = token_problem(venue, msg.get("auth"), spec.account, subscription=True)
        if problem is not None:
            return error_frame(20013, f"invalid auth: {problem}: {colon}")
    if channel in s.subs:
        return error_frame(30003, f"Already Subscribed to : {colon}")
    s.subs.add(channel)
    return hub.snapshot(spec)


def _send_tx(venue: LighterVenue, s: Session, kind: str, data: dict) -> dict:
    """A transaction over the stream: the same caps, checks and answer fields as sendTx."""
    reply: dict = {"type": kind}
    if "id" in data:
        reply["id"] = data["id"]
    try:
        if kind == "jsonapi/sendtx":
            items = [(data.get("tx_type"), data.get("tx_info"))]
        else:
            types, infos = json.loads(data.get("tx_types") or "[]"), json.loads(data.get("tx_infos") or "[]")
            if not isinstance(types, list) or not isinstance(infos, list) or len(types) != len(infos):
                raise TxRejected(21513, "tx_types and tx_infos length mismatch")
            items = list(zip(types, infos))
        endpoint = "sendTx" if kind == "jsonapi/sendtx" else "sendTxBatch"
        if not venue.limiter.admit(s.ip, accounts_in_tx_infos([i for _, i in items]), endpoint):
            return {**reply, **TOO_MANY_REQUESTS}
        recs = submit(venue, items)
        reply.update(code=200, tx_hash=recs[0].hash if kind == "jsonapi/sendtx" else [r.hash for r in recs],
                     predicted_execution_time_ms=max(r.due_ms for r in recs), **quota_fields(venue, recs))
    except TxRejected as e:
        reply.update(e.body())
    except ValueError:
        reply.update(code=21501, message="invalid tx info")
    return reply
