"""The /sim control API of the local Hyperliquid venue (accounts, faults, state) and refusal.

Refusal uses the binance venue's venue-neutral switch (the runner's Listener under
LISTENER_KEY, and the open connections under CONNECTIONS_KEY), driven by this venue's state.
"""
from __future__ import annotations

import asyncio
import json
import re
from decimal import Decimal, InvalidOperation
from typing import AsyncIterator

from aiohttp import web

from hedge.sim.binance.control import engage_refusal
from hedge.sim.binance.keys import LISTENER_KEY
from hedge.sim.binance.order_faults import REFUSE_PREFIX, parse_one_shot
from hedge.sim.faults import UnknownFaultError, apply_knobs, fault_profile, restore_defaults
from hedge.sim.hyperliquid.state import HyperliquidState

REFUSAL_POLL_S = 0.01
KNOB_REFUSAL_S = 24 * 3600.0   # `refuse_connections` holds until the knob is cleared
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")

HL_STATE_KEY = web.AppKey("hyperliquid_state", HyperliquidState)


async def _watch_refusal(app: web.Application) -> None:
    """Apply `refuse_connections` and a queued `refuse:<s>` as soon as they are set."""
    state = app[HL_STATE_KEY]
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


ACCOUNT_SHAPE = ('expected {"wallet_address": "0x<40 hex>", "balance": "10000"} '
                 '(optionally "agent_address": "0x<40 hex>", an API wallet that may sign)')


async def post_account(request: web.Request) -> web.Response:
    """POST /sim/accounts: register (or replace) the account of a wallet address."""
    body = await _json_body(request)
    if body is None:
        return _bad_request(ACCOUNT_SHAPE)
    wallet, agent = body.get("wallet_address"), body.get("agent_address")
    if not isinstance(wallet, str) or not ADDRESS.fullmatch(wallet):
        return _bad_request(f"wallet_address {wallet!r} is not an address; {ACCOUNT_SHAPE}")
    if agent is not None and not (isinstance(agent, str) and ADDRESS.fullmatch(agent)):
        return _bad_request(f"agent_address {agent!r} is not an address; {ACCOUNT_SHAPE}")
    try:
        balance = Decimal(str(body.get("balance", "10000")))
    except InvalidOperation:
        return _bad_request(f"balance {body.get('balance')!r} is not a number")
    if not balance.is_finite() or balance < 0:
        return _bad_request(f"balance {body.get('balance')!r} must be a number >= 0")
    account = request.app[HL_STATE_KEY].register(wallet, balance, agent)
    return web.json_response({"wallet_address": account.wallet, "balance": str(balance)})


async def post_faults(request: web.Request) -> web.Response:
    """POST /sim/faults {"profile": NAME} or a knob dict; unknown names answer 400."""
    body = await _json_body(request)
    if body is None:
        return _bad_request("expected a JSON object: {\"profile\": NAME} or knobs")
    faults = request.app[HL_STATE_KEY].faults
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


async def get_state(request: web.Request) -> web.Response:
    return web.json_response(request.app[HL_STATE_KEY].snapshot())


async def post_reset(request: web.Request) -> web.Response:
    """POST /sim/reset: faults back to defaults, accounts kept (a venue shared by tests)."""
    restore_defaults(request.app[HL_STATE_KEY].faults)
    return web.json_response({"status": "ok"})


def add_control_routes(app: web.Application) -> None:
    app.router.add_post("/sim/accounts", post_account)
    app.router.add_post("/sim/faults", post_faults)
    app.router.add_post("/sim/reset", post_reset)
    app.router.add_get("/sim/state", get_state)
