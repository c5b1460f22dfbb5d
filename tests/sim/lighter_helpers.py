"""Shared pieces for the Lighter venue tests: a registered SDK client, tokens, WS frames."""
from __future__ import annotations

import asyncio
import itertools
import json
import time

import aiohttp
from lighter.signer_client import SignerClient, create_api_key

from hedge.sim.lighter.app import LIGHTER_STATE

_accounts = itertools.count(700_001)


async def register(url: str, account_index: int, api_key_index: int, public_key: str,
                   collateral: str = "100000", tier: str | None = None) -> None:
    """Register with the venue; `tier` None leaves it to the venue (standard by default)."""
    body = {"account_index": account_index, "api_key_index": api_key_index,
            "public_key": public_key, "collateral": collateral}
    if tier is not None:
        body["tier"] = tier
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/sim/accounts", json=body) as r:
            assert r.status == 200, await r.text()


async def new_client(venues, api_key_index: int = 4, tier: str | None = None) -> SignerClient:
    """A fresh key registered with the venue, wrapped in the SDK's own SignerClient."""
    private, public, err = create_api_key()
    assert err is None
    account = next(_accounts)
    await register(venues.lighter_url, account, api_key_index, public, tier=tier)
    return SignerClient(url=venues.lighter_url, account_index=account,
                        api_private_keys={api_key_index: private})


def token(client: SignerClient) -> str:
    auth, err = client.create_auth_token_with_expiry(api_key_index=next(iter(client.api_key_dict)))
    assert err is None
    return auth


def venue(venues):
    return venues.lighter_app[LIGHTER_STATE]


async def poll(predicate, timeout: float = 5.0, step: float = 0.02):
    """Await until predicate() (sync or async) is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(step)


async def next_frame(ws, timeout: float = 5.0, skip_pings: bool = True) -> dict:
    while True:
        msg = await asyncio.wait_for(ws.receive(), timeout)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        frame = json.loads(msg.data)
        if skip_pings and frame.get("type") == "ping":
            continue
        return frame


async def frame_where(ws, predicate, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        frame = await next_frame(ws, max(0.01, deadline - time.monotonic()))
        if predicate(frame):
            return frame


def best_prices(venues, market: int = 0) -> tuple[int, int]:
    book = venue(venues).books[market]
    return book.best(False), book.best(True)
