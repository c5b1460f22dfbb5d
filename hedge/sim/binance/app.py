"""Placeholder: the binanceusdm-compatible venue app (being built)."""
from aiohttp import web

LISTENER_KEY = web.AppKey("listener", object)


def build_hedge_app(prices, faults, seed: int) -> web.Application:
    return web.Application()
