"""The binanceusdm-compatible hedge venue: an aiohttp app the real ccxt class can trade against.

Every answer is Binance-shaped: JSON `{"code", "msg"}` errors with Binance's HTTP statuses, also
for unknown paths and handler bugs (a bare 404 or 500 would look retryable to ccxt). The one
exception is the 502/503 fault, which imitates a gateway's HTML page on purpose.
"""
from __future__ import annotations

import logging
import random
from typing import Awaitable, Callable

from aiohttp import web

from hedge.sim.binance.control import add_control_routes, refusal_watch_ctx, remember_connection
from hedge.sim.binance.depth_stream import add_depth_stream
from hedge.sim.binance.errors import VenueError, error_response
from hedge.sim.binance.keys import CONNECTIONS_KEY, HEDGE_STATE_KEY, LISTENER_KEY
from hedge.sim.binance.routes import add_routes
from hedge.sim.binance.venue import HedgeVenueState
from hedge.sim.faults import HedgeFaults
from hedge.sim.price import PriceProcess

__all__ = ["build_hedge_app", "LISTENER_KEY", "HEDGE_STATE_KEY", "HedgeVenueState"]

log = logging.getLogger(__name__)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def binance_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn refusals, unknown routes and bugs into Binance JSON; remember the connection."""
    remember_connection(request)
    try:
        return await handler(request)
    except VenueError as exc:
        return exc.response()
    except web.HTTPNotFound:
        return error_response(-5000, f"Path {request.path}, Method {request.method} is invalid",
                              status=404)
    except web.HTTPMethodNotAllowed:
        return error_response(-1000, f"Method {request.method} is not supported for "
                                     f"{request.path}", status=405)
    except web.HTTPException as exc:
        return error_response(-1000, exc.reason, status=exc.status if exc.status < 500 else 400)
    except Exception:
        log.exception("hedge sim: unhandled error on %s %s", request.method, request.path)
        return error_response(-1000, "An unknown error occurred while processing the request.")


def build_hedge_app(prices: PriceProcess, faults: HedgeFaults, seed: int) -> web.Application:
    """The venue app; `faults` is read on every request, so mutating it applies live."""
    app = web.Application(middlewares=[binance_errors])
    app[HEDGE_STATE_KEY] = HedgeVenueState(prices, faults, random.Random(f"{seed}:hedge"))
    app[CONNECTIONS_KEY] = set()
    add_routes(app)
    add_control_routes(app)
    add_depth_stream(app)
    app.cleanup_ctx.append(refusal_watch_ctx)
    return app
