"""The /sim control API (accounts, faults, state) and the connection-refusal switch.

Refusal closes the listening socket through the runner's Listener and also closes the
keep-alive connections already accepted; otherwise a pooled client connection would keep
working and the client would never see 'connection refused'.
"""
from __future__ import annotations

import asyncio
import json
import logging
from decimal import Decimal, InvalidOperation
from typing import AsyncIterator

from aiohttp import web

from hedge.sim.binance.keys import CONNECTIONS_KEY, HEDGE_STATE_KEY, LISTENER_KEY
from hedge.sim.binance.order_faults import REFUSE_PREFIX, parse_one_shot
from hedge.sim.faults import UnknownFaultError, apply_knobs, fault_profile, restore_defaults

log = logging.getLogger(__name__)

REFUSAL_POLL_S = 0.01
KNOB_REFUSAL_S = 24 * 3600.0   # `refuse_connections` holds until the knob is cleared


MAX_TRACKED_CONNECTIONS = 256   # closed transports are pruned once this many are remembered


def remember_connection(request: web.Request) -> None:
    """Track the request's connection, so a refusal can close the keep-alive ones too."""
    connections = request.app[CONNECTIONS_KEY]
    if request.transport is not None and request.transport not in connections:
        if len(connections) >= MAX_TRACKED_CONNECTIONS:
            connections.difference_update([t for t in connections if t.is_closing()])
        connections.add(request.transport)


def close_open_connections(app: web.Application) -> None:
    for transport in list(app[CONNECTIONS_KEY]):
        if not transport.is_closing():
            transport.close()
    app[CONNECTIONS_KEY].clear()


async def engage_refusal(app: web.Application, seconds: float) -> None:
    """Refuse connections for `seconds`; the Listener reopens the socket by itself."""
    listener = app.get(LISTENER_KEY)
    if listener is None:
        log.warning("hedge sim: refusal requested but no listener is attached; ignored")
        return
    await listener.close_for(seconds)
    close_open_connections(app)


async def _watch_refusal(app: web.Application) -> None:
    """Apply `refuse_connections` and a queued `refuse:<s>` as soon as they are set."""
    state = app[HEDGE_STATE_KEY]
    while True:
        faults = state.faults
        if faults.next and faults.next[0].startswith(REFUSE_PREFIX):
            fault = parse_one_shot(faults.next.pop(0))
            await engage_refusal(app, fault.refuse_seconds)
        if faults.refuse_connections and not state.refusing:
            state.refusing = True
            await engage_refusal(app, KNOB_REFUSAL_S)
        elif not faults.refuse_connections and state.refusing:
            state.refusing = False
            listener = app.get(LISTENER_KEY)
            if listener is not None:
                await listener.close_for(0)   # already closed: this just reopens now
        await asyncio.sleep(REFUSAL_POLL_S)


async def refusal_watch_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.get_running_loop().create_task(_watch_refusal(app))
    yield
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


def _bad_request(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


async def _json_body(request: web.Request) -> dict | None:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


async def post_account(request: web.Request) -> web.Response:
    """POST /sim/accounts {"api_key", "secret", "balance"}: register (or replace) an account."""
    body = await _json_body(request)
    if body is None or not isinstance(body.get("api_key"), str) \
            or not isinstance(body.get("secret"), str) or not body["api_key"]:
        return _bad_request('expected {"api_key": str, "secret": str, "balance": "10000"}')
    try:
        balance = Decimal(str(body.get("balance", "10000")))
    except InvalidOperation:
        return _bad_request(f"balance {body.get('balance')!r} is not a number")
    request.app[HEDGE_STATE_KEY].register(body["api_key"], body["secret"], balance)
    return web.json_response({"api_key": body["api_key"], "balance": str(balance)})


async def post_faults(request: web.Request) -> web.Response:
    """POST /sim/faults {"profile": NAME} or a knob dict; unknown names answer 400."""
    body = await _json_body(request)
    if body is None:
        return _bad_request("expected a JSON object: {\"profile\": NAME} or knobs")
    faults = request.app[HEDGE_STATE_KEY].faults
    try:
        if "profile" in body:
            if len(body) != 1:
                raise UnknownFaultError("send either a profile or knobs, not both")
            fresh = fault_profile(str(body["profile"])).hedge
            apply_knobs(faults, {k: getattr(fresh, k) for k in vars(fresh)})
        else:
            for item in body.get("next", []):
                if isinstance(item, str):
                    parse_one_shot(item)
            apply_knobs(faults, body)
    except (UnknownFaultError, ValueError) as exc:
        return _bad_request(str(exc))
    return web.json_response({"faults": vars(faults)})


async def post_reset(request: web.Request) -> web.Response:
    """POST /sim/reset: faults (refusal, one-shots, rejected symbols) back to defaults;
    accounts kept. Tests sharing one venue call it after each test."""
    faults = request.app[HEDGE_STATE_KEY].faults
    restore_defaults(faults)
    return web.json_response({"faults": vars(faults)})


async def get_state(request: web.Request) -> web.Response:
    return web.json_response(request.app[HEDGE_STATE_KEY].snapshot())


def add_control_routes(app: web.Application) -> None:
    app.router.add_post("/sim/accounts", post_account)
    app.router.add_post("/sim/faults", post_faults)
    app.router.add_post("/sim/reset", post_reset)
    app.router.add_get("/sim/state", get_state)
