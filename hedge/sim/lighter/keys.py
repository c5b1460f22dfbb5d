"""App keys under which the Lighter venue keeps its state (tests read them too)."""
from aiohttp import web

from hedge.sim.lighter.channels import ChannelFrames
from hedge.sim.lighter.venue import LighterVenue

LIGHTER_STATE = web.AppKey("lighter_state", LighterVenue)
LIGHTER_HUB = web.AppKey("lighter_hub", ChannelFrames)   # a stream.StreamHub at run time
