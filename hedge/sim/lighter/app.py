"""The Lighter-protocol venue as one aiohttp app: REST under /api/v1, WebSocket at /stream,
control routes under /sim/. Background loops live in cleanup_ctx and stop with the app."""
from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from hedge.sim.faults import LighterFaults
from hedge.sim.lighter import control, gate, rest
from hedge.sim.lighter.enum_drift import unknown_enums
from hedge.sim.lighter.keys import LIGHTER_HUB, LIGHTER_STATE
from hedge.sim.lighter.market_life import run_market_life
from hedge.sim.lighter.sequencer import Sequencer
from hedge.sim.lighter.stream import StreamHub, handle_stream
from hedge.sim.lighter.venue import LighterVenue
from hedge.sim.price import PriceProcess

__all__ = ["LIGHTER_HUB", "LIGHTER_STATE", "build_lighter_app"]


async def _background(app: web.Application):
    venue, hub = app[LIGHTER_STATE], app[LIGHTER_HUB]
    venue.pending = Sequencer()
    tasks = [asyncio.create_task(venue.run_executor(), name="lighter-executor"),
             asyncio.create_task(run_market_life(venue, hub), name="lighter-market-life")]
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    venue.pending = None


async def _close_sessions(app: web.Application) -> None:
    hub = app[LIGHTER_HUB]
    for session in list(hub.sessions):
        await session.ws.close(code=1001, message=b"server shutdown")


def build_lighter_app(prices: PriceProcess, faults: LighterFaults, seed: int,
                      default_tier: str = "standard") -> web.Application:
    venue = LighterVenue(prices, faults, seed, default_tier)
    hub = StreamHub(venue)
    venue.hub = hub
    app = web.Application(middlewares=[gate.request_gate, unknown_enums, rest.json_errors])
    app[LIGHTER_STATE] = venue
    app[LIGHTER_HUB] = hub
    app.router.add_get("/stream", handle_stream)
    app.add_routes(rest.routes)
    app.add_routes(control.routes)
    app.router.add_route("*", "/{tail:.*}", rest.not_found)
    app.cleanup_ctx.append(_background)
    app.on_shutdown.append(_close_sessions)
    return app
