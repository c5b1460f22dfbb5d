"""The Hyperliquid-compatible hedge venue: an aiohttp app ccxt's own `hyperliquid` class trades
against unchanged (`POST /info`, `POST /exchange`), plus the /sim control routes.

Unknown paths and handler bugs still answer something ccxt can classify: a plain-text 404 or 500
(Hyperliquid's API has no JSON error body outside /exchange's {"status": "err"}).
"""
from __future__ import annotations

import json
import logging
import random
from typing import Awaitable, Callable

from aiohttp import web

from hedge.sim.binance.keys import CONNECTIONS_KEY, LISTENER_KEY
from hedge.sim.faults import HedgeFaults
from hedge.sim.binance.control import remember_connection
from hedge.sim.hyperliquid.control import HL_STATE_KEY, add_control_routes, refusal_watch_ctx
from hedge.sim.hyperliquid.exchange import handle_exchange
from hedge.sim.hyperliquid.info import read_info, unprocessable
from hedge.sim.hyperliquid.state import HyperliquidState
from hedge.sim.price import PriceProcess

__all__ = ["build_app", "LISTENER_KEY", "HL_STATE_KEY", "HyperliquidState"]

log = logging.getLogger(__name__)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def plain_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Remember the connection (for refusal), and never let a bug escape as a traceback page."""
    remember_connection(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        return web.Response(status=exc.status, text=exc.reason, content_type="text/plain")
    except Exception:
        log.exception("hyperliquid sim: unhandled error on %s %s", request.method, request.path)
        return web.Response(status=500, text="Internal Server Error", content_type="text/plain")


async def info(request: web.Request) -> web.StreamResponse:
    try:
        body = json.loads(await request.read())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return unprocessable()
    state = request.app[HL_STATE_KEY]
    state.requests.append(f"info:{body.get('type') if isinstance(body, dict) else '?'}")
    answer = read_info(state, body)
    return answer if isinstance(answer, web.StreamResponse) else web.json_response(answer)


async def exchange(request: web.Request) -> web.StreamResponse:
    return await handle_exchange(request, request.app[HL_STATE_KEY])


def build_app(prices: PriceProcess, faults: HedgeFaults, seed: int) -> web.Application:
    """The venue app; `faults` is read on every request, so mutating it applies live."""
    app = web.Application(middlewares=[plain_errors])
    app[HL_STATE_KEY] = HyperliquidState(prices, faults, random.Random(f"{seed}:hyperliquid"))
    app[CONNECTIONS_KEY] = set()
    app.router.add_post("/info", info)
    app.router.add_post("/exchange", exchange)
    add_control_routes(app)
    app.cleanup_ctx.append(refusal_watch_ctx)
    return app
