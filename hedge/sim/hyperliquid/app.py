"""The Hyperliquid-compatible hedge venue: the one hedge-venue simulator with Hyperliquid's wire
(`POST /info`, `POST /exchange`, EIP-712 signers); ccxt's own `hyperliquid` class trades against
it unchanged. Unknown paths and bugs answer a plain-text 404 or 500 (Hyperliquid's API has no JSON
error body outside /exchange's {"status": "err"})."""
from __future__ import annotations

import json
import random
import re

from aiohttp import web

from hedge.sim.faults import HedgeFaults
from hedge.sim.hedge_venue.app import build_venue_app, log_bug
from hedge.sim.hedge_venue.control import AccountForm
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY, LISTENER_KEY
from hedge.sim.hyperliquid.exchange import handle_exchange
from hedge.sim.hyperliquid.info import read_info, unprocessable
from hedge.sim.hyperliquid.state import HyperliquidState
from hedge.sim.price import PriceProcess

__all__ = ["build_app", "LISTENER_KEY", "HL_STATE_KEY", "HyperliquidState"]

HL_STATE_KEY = HEDGE_STATE_KEY
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
ACCOUNT_FORM = AccountForm(
    key="wallet_address", required=(), optional=("agent_address",), position_modes=False,
    check=lambda name, value: (None if ADDRESS.fullmatch(value)
                               else "is not an address (0x<40 hex>)"),
    normalize=str.lower)


def map_error(request: web.Request, exc: Exception) -> web.Response:
    if isinstance(exc, web.HTTPException):
        return web.Response(status=exc.status, text=exc.reason, content_type="text/plain")
    log_bug(request, "hyperliquid")
    return web.Response(status=500, text="Internal Server Error", content_type="text/plain")


async def info(request: web.Request) -> web.StreamResponse:
    try:
        body = json.loads(await request.read())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return unprocessable()
    state = request.app[HEDGE_STATE_KEY]
    state.requests.append(f"info:{body.get('type') if isinstance(body, dict) else '?'}")
    answer = read_info(state, body)
    return answer if isinstance(answer, web.StreamResponse) else web.json_response(answer)


async def exchange(request: web.Request) -> web.StreamResponse:
    return await handle_exchange(request, request.app[HEDGE_STATE_KEY])


def add_routes(app: web.Application) -> None:
    app.router.add_post("/info", info)
    app.router.add_post("/exchange", exchange)


def build_app(prices: PriceProcess, faults: HedgeFaults, seed: int) -> web.Application:
    state = HyperliquidState(prices, faults, random.Random(f"{seed}:hyperliquid"))
    return build_venue_app(state, map_error, add_routes, ACCOUNT_FORM)
