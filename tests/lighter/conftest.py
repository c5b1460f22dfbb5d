"""A registered key on the local Lighter venue, wrapped in our own clients."""
from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

import pytest
from lighter.signer_client import create_api_key

from hedge.adapters.lighter.markets import MarketCatalog
from hedge.adapters.lighter.order_client import LighterOrderClient
from hedge.adapters.lighter.rest import LighterRest, load_markets
from hedge.adapters.lighter.ws_client import LighterWsClient
from hedge.infra.secret import Secret
from tests.sim.lighter_helpers import register

ETH = 0
API_KEY_INDEX = 4
_accounts = itertools.count(810_001)


@dataclass
class LighterAccount:
    url: str
    account_index: int
    private_key: str
    catalog: MarketCatalog
    orders: LighterOrderClient
    rest: LighterRest

    def ws(self, **kwargs) -> LighterWsClient:
        kwargs.setdefault("markets", [ETH])
        return LighterWsClient(self.url, account_index=self.account_index,
                               token_provider=self.orders.mint_auth_token, **kwargs)


@pytest.fixture
async def account(venues):
    private, public, err = create_api_key()
    assert err is None
    index = next(_accounts)
    await register(venues.lighter_url, index, API_KEY_INDEX, public)
    catalog = await load_markets(venues.lighter_url)
    orders = LighterOrderClient(venues.lighter_url, index, API_KEY_INDEX, Secret(private), catalog)
    rest = LighterRest(venues.lighter_url)
    acct = LighterAccount(venues.lighter_url, index, private, catalog, orders, rest)
    try:
        yield acct
    finally:
        await orders.close()
        await rest.close()


async def next_message(queue: asyncio.Queue, predicate, timeout: float = 5.0):
    """The first queued message satisfying predicate (others are dropped)."""
    async def scan():
        while True:
            msg = await queue.get()
            if predicate(msg):
                return msg
    return await asyncio.wait_for(scan(), timeout)
