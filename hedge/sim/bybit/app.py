"""The bybit-compatible hedge venue: an aiohttp app ccxt's own `bybit` class trades against.

v5 REST for linear USDT perpetuals. Every answer is bybit's envelope, also for unknown paths and
handler bugs (a bare 404 or 500 would look retryable to ccxt); the 502/503/504 faults imitate a
gateway's HTML page on purpose. The control routes (/sim/accounts, /sim/faults, /sim/state) and
the connection-refusal switch are the binance venue's, shared as they are.
"""
from __future__ import annotations

import logging
import random
from typing import Awaitable, Callable

from aiohttp import web

from hedge.sim.binance.control import add_control_routes, refusal_watch_ctx, remember_connection
from hedge.sim.binance.keys import CONNECTIONS_KEY, HEDGE_STATE_KEY, LISTENER_KEY
from hedge.sim.bybit.book_stream import add_book_stream
from hedge.sim.bybit.envelope import BybitError, error_response
from hedge.sim.bybit.routes import add_routes
from hedge.sim.bybit.state import BybitVenueState
from hedge.sim.faults import HedgeFaults
from hedge.sim.price import PriceProcess

__all__ = ["build_app", "LISTENER_KEY", "HEDGE_STATE_KEY", "BybitVenueState"]

log = logging.getLogger(__name__)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def bybit_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn refusals, unknown routes and bugs into bybit's envelope; remember the connection."""
    remember_connection(request)
    try:
        return await handler(request)
    except BybitError as exc:
        return exc.response()
    except web.HTTPNotFound:
        return error_response(10001, f"path {request.path} not found", status=404)
    except web.HTTPMethodNotAllowed:
        return error_response(10001, f"method {request.method} not allowed for {request.path}",
                              status=405)
    except web.HTTPException as exc:
        return error_response(10001, exc.reason, status=exc.status if exc.status < 500 else 400)
    except Exception:
        log.exception("bybit sim: unhandled error on %s %s", request.method, request.path)
        return error_response(10016, "Internal server error.")


def build_app(prices: PriceProcess, faults: HedgeFaults, seed: int) -> web.Application:
    """The venue app; `faults` is read on every request, so mutating it applies live."""
    app = web.Application(middlewares=[bybit_errors])
    app[HEDGE_STATE_KEY] = BybitVenueState(prices, faults, random.Random(f"{seed}:bybit"))
    app[CONNECTIONS_KEY] = set()
    add_routes(app)
    add_control_routes(app)
    add_book_stream(app)
    app.cleanup_ctx.append(refusal_watch_ctx)
    return app
