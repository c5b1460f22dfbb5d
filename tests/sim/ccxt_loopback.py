"""The real ccxt binanceusdm class pointed at the local hedge venue (tests only).

Applies the overrides of research/ccxt-hedge-venue.md §3: every URL rewritten to loopback
(keeping its path), no currency fetch, no clock sync, linear markets only, and the linear error
table merged into the generic one because ccxt picks it by the production hostname.
"""
from __future__ import annotations


import asyncio

import aiohttp
import ccxt.async_support as ccxt_async

from hedge.adapters.hedging.urls import point_at


def loopback_binanceusdm(base_url: str, api_key: str, secret: str,
                         timeout_ms: int = 3000) -> ccxt_async.binanceusdm:
    ex = ccxt_async.binanceusdm({
        "apiKey": api_key,
        "secret": secret,
        "enableRateLimit": False,
        "timeout": timeout_ms,
        "options": {
            "fetchCurrencies": False,
            "adjustForTimeDifference": False,
            "fetchMarkets": {"types": ["linear"]},
        },
    })
    point_at(ex, base_url)
    return ex


async def register_account(base_url: str, api_key: str, secret: str,
                           balance: str = "10000", **fields: str) -> None:
    """An account on the local hedge venue; `fields`: more of /sim/accounts' (taker_fee_bps)."""
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base_url}/sim/accounts", json={
                "api_key": api_key, "secret": secret, "balance": balance, **fields}) as resp:
            assert resp.status == 200, await resp.text()


async def post_faults(base_url: str, body: dict) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base_url}/sim/faults", json=body) as resp:
            return resp.status, await resp.json()


API_KEY = "hedge-test-key"
SECRET = "hedge-test-secret"
ETH = "ETH/USDT:USDT"
BTC = "BTC/USDT:USDT"


def freeze_prices(prices, eth: float = 3000.0, btc: float = 100000.0) -> dict[str, float]:
    """Pin the shared mid so a test can compute the exact book it will trade against. Returns
    the pins: a test that moves one moves both venues' books there on their next tick."""
    walk = prices.mid
    pins = {"ETH": eth, "BTC": btc}
    prices.mid = lambda asset, now_ms=None: pins.get(asset) or walk(asset, now_ms)
    return pins


async def connected_client(base_url: str, api_key: str = API_KEY, secret: str = SECRET,
                           balance: str = "10000", timeout_ms: int = 3000):
    """Register an account, build the client and load markets; the caller closes it."""
    await register_account(base_url, api_key, secret, balance)
    ex = loopback_binanceusdm(base_url, api_key, secret, timeout_ms)
    await ex.load_markets()
    return ex


async def wait_until_refused(port: int, refused: bool = True, within_s: float = 3.0) -> None:
    """Poll the port until a connect is refused (or accepted, with refused=False).

    A connect racing the listener's close can be reset instead; that proves neither state,
    so it is polled again.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        state = None
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            state = False
        except ConnectionRefusedError:
            state = True
        except ConnectionResetError:
            pass
        if state == refused:
            return
        assert loop.time() < deadline, f"refused={refused} never came"
        await asyncio.sleep(0.01)
