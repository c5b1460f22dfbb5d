"""App keys of a hedge venue (aiohttp AppKey, no string keys)."""
from __future__ import annotations

from aiohttp import web

from hedge.sim.hedge_venue.state import HedgeVenueState

LISTENER_KEY = web.AppKey("listener", object)
HEDGE_STATE_KEY = web.AppKey("hedge_state", HedgeVenueState)
CONNECTIONS_KEY = web.AppKey("hedge_connections", set)
