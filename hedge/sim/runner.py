"""Start both local venues on 127.0.0.1, sharing one market model's prices, and stop them
cleanly."""
from __future__ import annotations

import asyncio
import importlib
from dataclasses import dataclass
from typing import Callable

from aiohttp import web

from hedge.sim.hedge_venue.keys import LISTENER_KEY
from hedge.sim.faults import FaultProfile, fault_profile
from hedge.sim.lighter.app import build_lighter_app
from hedge.market.model_file import MarketModel
from hedge.sim.price import PriceProcess

LOOPBACK = "127.0.0.1"

# ccxt exchange id -> "module:function" building that local hedge venue's app; each takes
# (prices, faults, seed) and honours LISTENER_KEY for connection refusal.
HEDGE_VENUE_APPS: dict[str, str] = {
    "binanceusdm": "hedge.sim.binance.app:build_hedge_app",
    "bybit": "hedge.sim.bybit.app:build_app",
    "hyperliquid": "hedge.sim.hyperliquid.app:build_app",
    "okx": "hedge.sim.okx.app:build_app",
}


class UnknownHedgeVenueError(ValueError):
    """No local venue imitates the requested hedge exchange; the message lists those that do."""


def hedge_app_builder(exchange_id: str) -> Callable[..., web.Application]:
    target = HEDGE_VENUE_APPS.get(exchange_id)
    if target is None:
        raise UnknownHedgeVenueError(
            f"no local hedge venue for {exchange_id!r}; local venues: "
            f"{', '.join(sorted(HEDGE_VENUE_APPS))}")
    module_name, name = target.split(":")
    return getattr(importlib.import_module(module_name), name)


class Listener:
    """One venue's listening socket; the hedge venue closes it to emulate refused connections."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        self._host = host
        self.port = port
        self._site: web.TCPSite | None = None
        self._reopen_task: asyncio.Task | None = None

    async def start(self) -> None:
        await self._runner.setup()
        await self._open()

    async def _open(self) -> None:
        self._site = web.TCPSite(self._runner, self._host, self.port, reuse_address=True)
        await self._site.start()
        if self.port == 0:
            self.port = self._site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close_for(self, seconds: float) -> None:
        """Stop accepting connections for `seconds` (clients see 'connection refused')."""
        if self._site is not None:
            server = self._site._server  # type: ignore[attr-defined]
            if server is not None:
                server.close()
            self._site = None
        if self._reopen_task is not None:
            self._reopen_task.cancel()
        self._reopen_task = asyncio.get_running_loop().create_task(self._reopen_after(seconds))

    async def _reopen_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self._open()

    async def stop(self) -> None:
        if self._reopen_task is not None:
            self._reopen_task.cancel()
        await self._runner.cleanup()


@dataclass
class RunningVenues:
    """Both venues, listening; `lighter_app` / `hedge_app` expose their state to tests."""

    prices: PriceProcess
    faults: FaultProfile
    lighter_app: web.Application
    hedge_app: web.Application
    lighter: Listener
    hedge: Listener
    hedge_exchange: str = "binanceusdm"

    @property
    def lighter_url(self) -> str:
        return f"http://{LOOPBACK}:{self.lighter.port}"

    @property
    def hedge_url(self) -> str:
        return f"http://{LOOPBACK}:{self.hedge.port}"

    async def stop(self) -> None:
        await self.lighter.stop()
        await self.hedge.stop()


async def start_venues(seed: int = 1, faults: str | FaultProfile = "none",
                       lighter_port: int = 0, hedge_port: int = 0,
                       hedge_exchange: str = "binanceusdm",
                       default_tier: str = "standard", speed: float = 1.0,
                       model: MarketModel | None = None) -> RunningVenues:
    """Start both venues; port 0 picks a free port (read it back from the result).
    `model` is the market both venues draw from (None: config/models/default.yaml).
    `hedge_exchange` picks which local hedge venue (a ccxt id) serves the hedge side;
    `default_tier` is the Lighter tier of accounts registered without one; `speed` runs the
    market (price steps, book ticks, takers) that many times faster than the wall clock."""
    build_hedge_app = hedge_app_builder(hedge_exchange)
    profile = fault_profile(faults) if isinstance(faults, str) else faults
    prices = PriceProcess(seed, model, speed=speed)
    lighter_app = build_lighter_app(prices, profile.lighter, seed, default_tier)
    hedge_app = build_hedge_app(prices, profile.hedge, seed)
    lighter = Listener(lighter_app, LOOPBACK, lighter_port)
    hedge = Listener(hedge_app, LOOPBACK, hedge_port)
    hedge_app[LISTENER_KEY] = hedge
    await lighter.start()
    try:
        await hedge.start()
    except BaseException:
        await lighter.stop()
        raise
    return RunningVenues(prices, profile, lighter_app, hedge_app, lighter, hedge, hedge_exchange)
