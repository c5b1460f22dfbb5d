"""The okx-compatible hedge venue: the one hedge-venue simulator with OKX v5's wire
(`{"code", "msg", "data"}` answers, also for unknown paths and bugs; contracts on the wire)."""
from __future__ import annotations

import random

from aiohttp import web

from hedge.sim.faults import HedgeFaults
from hedge.sim.hedge_venue.app import build_venue_app
from hedge.sim.hedge_venue.control import AccountForm
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY, LISTENER_KEY
from hedge.sim.okx.errors import map_error
from hedge.sim.okx.routes import add_routes
from hedge.sim.okx.state import OkxVenueState
from hedge.sim.price import PriceProcess

__all__ = ["build_app", "LISTENER_KEY", "HEDGE_STATE_KEY", "OkxVenueState"]


def build_app(prices: PriceProcess, faults: HedgeFaults, seed: int) -> web.Application:
    state = OkxVenueState(prices, faults, random.Random(f"{seed}:hedge"))
    return build_venue_app(state, map_error, add_routes,
                           AccountForm(required=("secret", "passphrase")))
