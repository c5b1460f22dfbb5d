"""The bybit local venue on a free loopback port, and ccxt's own bybit class pointed at it."""
from __future__ import annotations

from dataclasses import dataclass

import ccxt.async_support as ccxt_async
import pytest
from aiohttp import web

from hedge.adapters.hedging.urls import point_at
from hedge.adapters.hedging.venues.bybit import BybitRules
from hedge.sim.bybit.app import HEDGE_STATE_KEY, LISTENER_KEY, BybitVenueState, build_app
from hedge.sim.faults import HedgeFaults
from hedge.sim.price import PriceProcess
from hedge.sim.runner import LOOPBACK, Listener
from tests.sim.ccxt_loopback import register_account

API_KEY = "bybit-test-key"
SECRET = "bybit-test-secret"
ETH = "ETH/USDT:USDT"
BTC = "BTC/USDT:USDT"
# The options the bot sets for bybit (only linear instruments at load_markets), no clock sync.
BYBIT_OPTIONS = {**BybitRules.ccxt_options, "adjustForTimeDifference": False}


@dataclass
class BybitVenue:
    app: web.Application
    listener: Listener
    prices: PriceProcess
    faults: HedgeFaults

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.listener.port}"

    @property
    def state(self) -> BybitVenueState:
        return self.app[HEDGE_STATE_KEY]


def loopback_bybit(base_url: str, api_key: str = API_KEY, secret: str = SECRET,
                   timeout_ms: int = 3000, options: dict | None = None) -> ccxt_async.bybit:
    ex = ccxt_async.bybit({"apiKey": api_key, "secret": secret, "enableRateLimit": False,
                           "timeout": timeout_ms,
                           "options": dict(BYBIT_OPTIONS if options is None else options)})
    point_at(ex, base_url)
    return ex


async def start_bybit(seed: int = 7) -> BybitVenue:
    prices, faults = PriceProcess(seed), HedgeFaults()
    app = build_app(prices, faults, seed)
    listener = Listener(app, LOOPBACK, 0)
    app[LISTENER_KEY] = listener
    await listener.start()
    return BybitVenue(app, listener, prices, faults)


async def bybit_client(venue: BybitVenue, balance: str = "10000", **kwargs) -> ccxt_async.bybit:
    """Register the test account, build the client and load markets; the caller closes it."""
    await register_account(venue.url, API_KEY, SECRET, balance)
    ex = loopback_bybit(venue.url, **kwargs)
    await ex.load_markets()
    return ex


@pytest.fixture
async def bybit_venue():
    venue = await start_bybit()
    try:
        yield venue
    finally:
        await venue.listener.stop()


@pytest.fixture
async def bybit_ex(bybit_venue):
    """ccxt's bybit on the local venue, ETH mid pinned at 3000, BTC at 100000."""
    from tests.sim.ccxt_loopback import freeze_prices
    freeze_prices(bybit_venue.prices)
    client = await bybit_client(bybit_venue)
    yield client
    await client.close()
