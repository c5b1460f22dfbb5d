"""The bybit-compatible hedge venue: the one hedge-venue simulator with bybit v5's wire for
linear USDT perpetuals (its envelope, also for unknown paths and bugs, and its book stream)."""
from __future__ import annotations

import random

from aiohttp import web

from hedge.sim.bybit.envelope import map_error
from hedge.sim.bybit.routes import add_routes
from hedge.sim.bybit.state import BybitVenueState
from hedge.sim.faults import HedgeFaults
from hedge.sim.hedge_venue.app import build_venue_app
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY, LISTENER_KEY
from hedge.sim.price import PriceProcess

__all__ = ["build_app", "LISTENER_KEY", "HEDGE_STATE_KEY", "BybitVenueState"]


def build_app(prices: PriceProcess, faults: HedgeFaults, seed: int) -> web.Application:
    state = BybitVenueState(prices, faults, random.Random(f"{seed}:bybit"))
    return build_venue_app(state, map_error, add_routes)
