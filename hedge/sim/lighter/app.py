"""Placeholder: the Lighter-protocol venue app (being built)."""
from aiohttp import web


def build_lighter_app(prices, faults, seed: int) -> web.Application:
    return web.Application()
