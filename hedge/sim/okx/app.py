"""The okx-compatible hedge venue: an aiohttp app ccxt's own `okx` class trades against.

Every answer is OKX-shaped: `{"code", "msg", "data"}`, also for unknown paths and handler bugs.
The one exception is the 502/503 fault, which imitates a gateway's HTML page on purpose.
Faults, /sim/faults, /sim/state and connection refusal are the binance venue's, shared.
"""
from __future__ import annotations

import json
import logging
import random
from decimal import Decimal, InvalidOperation
from typing import Awaitable, Callable

from aiohttp import web

from hedge.sim.binance.control import (get_state, post_faults, post_reset, refusal_watch_ctx,
                                       remember_connection)
from hedge.sim.binance.keys import CONNECTIONS_KEY, HEDGE_STATE_KEY, LISTENER_KEY
from hedge.sim.faults import HedgeFaults
from hedge.sim.okx.errors import OkxError, error_response
from hedge.sim.okx.routes import add_routes
from hedge.sim.okx.state import OkxVenueState
from hedge.sim.price import PriceProcess

__all__ = ["build_app", "LISTENER_KEY", "HEDGE_STATE_KEY", "OkxVenueState"]

log = logging.getLogger(__name__)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def okx_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn refusals, unknown routes and bugs into OKX JSON; remember the connection."""
    remember_connection(request)
    try:
        return await handler(request)
    except OkxError as exc:
        return exc.response()
    except web.HTTPNotFound:
        return error_response("404", "Not Found", status=404)
    except web.HTTPMethodNotAllowed:
        return error_response("405", "Method Not Allowed", status=405)
    except web.HTTPException as exc:
        return error_response(str(exc.status), exc.reason, status=exc.status)
    except Exception:
        log.exception("okx sim: unhandled error on %s %s", request.method, request.path)
        return error_response("50026", "System error. Try again later.", status=500)


async def post_account(request: web.Request) -> web.Response:
    """POST /sim/accounts {"api_key", "secret", "passphrase", "balance"}."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    fields = ("api_key", "secret", "passphrase")
    if not isinstance(body, dict) or not all(isinstance(body.get(f), str) and body[f]
                                             for f in fields):
        return web.json_response({"error": 'expected {"api_key": str, "secret": str, '
                                           '"passphrase": str, "balance": "10000"}'}, status=400)
    try:
        balance = Decimal(str(body.get("balance", "10000")))
    except InvalidOperation:
        return web.json_response({"error": f"balance {body.get('balance')!r} is not a number"},
                                 status=400)
    request.app[HEDGE_STATE_KEY].register_okx(body["api_key"], body["secret"],
                                              body["passphrase"], balance)
    return web.json_response({"api_key": body["api_key"], "balance": str(balance)})


def build_app(prices: PriceProcess, faults: HedgeFaults, seed: int) -> web.Application:
    """The venue app; `faults` is read on every request, so mutating it applies live."""
    app = web.Application(middlewares=[okx_errors])
    app[HEDGE_STATE_KEY] = OkxVenueState(prices, faults, random.Random(f"{seed}:hedge"))
    app[CONNECTIONS_KEY] = set()
    add_routes(app)
    app.router.add_post("/sim/accounts", post_account)
    app.router.add_post("/sim/faults", post_faults)
    app.router.add_post("/sim/reset", post_reset)
    app.router.add_get("/sim/state", get_state)
    app.cleanup_ctx.append(refusal_watch_ctx)
    return app
