"""The binanceusdm-compatible hedge venue: the one hedge-venue simulator with Binance USD-M's
wire (routes, HMAC auth, `{"code", "msg"}` errors and the diff depth stream)."""
from __future__ import annotations

import random

from aiohttp import web

from hedge.sim.binance.errors import map_error
from hedge.sim.binance.markets import SYMBOLS
from hedge.sim.binance.routes import add_routes
from hedge.sim.faults import HedgeFaults
from hedge.sim.hedge_venue.app import build_venue_app
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY, LISTENER_KEY
from hedge.sim.hedge_venue.state import HedgeVenueState
from hedge.sim.price import PriceProcess

__all__ = ["build_hedge_app", "LISTENER_KEY", "HEDGE_STATE_KEY", "HedgeVenueState"]


def build_hedge_app(prices: PriceProcess, faults: HedgeFaults, seed: int) -> web.Application:
    state = HedgeVenueState(prices, faults, random.Random(f"{seed}:hedge"), SYMBOLS)
    return build_venue_app(state, map_error, add_routes)
