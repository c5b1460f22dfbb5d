"""The real ccxt hyperliquid class pointed at the local Hyperliquid venue (tests only).

Options are HyperliquidRules.ccxt_options: perp markets only (no spot/HIP-3 calls), no referral
action, and the builder fee disabled, so ccxt approves a 0% builder fee once at load_markets and
tags orders with f=0.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from decimal import Decimal

import aiohttp
import ccxt.async_support as ccxt_async
import pytest
from eth_account import Account

from hedge.adapters.hedging.urls import point_at
from hedge.adapters.hedging.venues.hyperliquid import HyperliquidRules
from hedge.sim.faults import HedgeFaults
from hedge.sim.hyperliquid.app import HL_STATE_KEY, LISTENER_KEY, build_app
from hedge.sim.hyperliquid.state import HyperliquidState
from hedge.sim.price import PriceProcess
from hedge.sim.runner import LOOPBACK, Listener

ETH = "ETH/USDC:USDC"
BTC = "BTC/USDC:USDC"
CCXT_OPTIONS = HyperliquidRules.ccxt_options


@dataclass
class HlVenue:
    prices: PriceProcess
    faults: HedgeFaults
    app: object
    listener: Listener

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.listener.port}"

    @property
    def state(self) -> HyperliquidState:
        return self.app[HL_STATE_KEY]   # type: ignore[index]


@dataclass(frozen=True)
class Wallet:
    address: str
    private_key: str


def new_wallet() -> Wallet:
    acct = Account.create()
    return Wallet(acct.address, "0x" + acct.key.hex().removeprefix("0x"))


def freeze_prices(prices: PriceProcess, eth: float = 3000.0, btc: float = 100000.0) -> None:
    """Pin the shared mid so a test can compute the exact book it will trade against."""
    fixed = {"ETH": eth, "BTC": btc}
    prices.mid = lambda asset, now_ms=None: fixed[asset]   # type: ignore[method-assign]


async def start_hl_venue(seed: int = 7) -> HlVenue:
    prices, faults = PriceProcess(seed), HedgeFaults()
    app = build_app(prices, faults, seed)
    listener = Listener(app, LOOPBACK, 0)
    app[LISTENER_KEY] = listener
    await listener.start()
    return HlVenue(prices, faults, app, listener)


def loopback_hyperliquid(base_url: str, wallet: Wallet, timeout_ms: int = 3000,
                         private_key: str | None = None) -> ccxt_async.hyperliquid:
    ex = ccxt_async.hyperliquid({
        "walletAddress": wallet.address,
        "privateKey": private_key or wallet.private_key,
        "enableRateLimit": False,
        "timeout": timeout_ms,
        "options": copy.deepcopy(CCXT_OPTIONS),
    })
    point_at(ex, base_url)
    return ex


async def register_wallet(base_url: str, wallet: Wallet, balance: str = "10000",
                          agent: str | None = None) -> None:
    body = {"wallet_address": wallet.address, "balance": balance}
    if agent:
        body["agent_address"] = agent
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base_url}/sim/accounts", json=body) as resp:
            assert resp.status == 200, await resp.text()


async def post_json(base_url: str, path: str, body: dict) -> tuple[int, object]:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base_url}{path}", json=body) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text)
            except ValueError:
                return resp.status, text


async def connected(venue: HlVenue, wallet: Wallet, balance: str = "10000",
                    timeout_ms: int = 3000) -> ccxt_async.hyperliquid:
    """Register the wallet, build the client and load markets; the caller closes it."""
    await register_wallet(venue.url, wallet, balance)
    ex = loopback_hyperliquid(venue.url, wallet, timeout_ms)
    await ex.load_markets()
    return ex


def szi(venue: HlVenue, wallet: Wallet, coin: str = "ETH") -> Decimal:
    account = venue.state.accounts[wallet.address.lower()]
    return account.position(coin).amount


@pytest.fixture
async def hl_venue():
    """The local Hyperliquid venue on a free loopback port, no faults, seed 7."""
    venue = await start_hl_venue()
    try:
        yield venue
    finally:
        await venue.listener.stop()


@pytest.fixture
def wallet() -> Wallet:
    return new_wallet()


@pytest.fixture
async def hl(hl_venue, wallet):
    """ccxt's hyperliquid class on the local venue, ETH mid pinned at 3000, BTC at 100000."""
    freeze_prices(hl_venue.prices)
    ex = await connected(hl_venue, wallet)
    yield ex
    await ex.close()
