"""Fixtures of the local-venue tests."""
from __future__ import annotations

import pytest

from tests.sim.ccxt_loopback import connected_client, freeze_prices


@pytest.fixture
async def ex(venues):
    """The real ccxt binanceusdm class on the local hedge venue, ETH mid pinned at 3000."""
    freeze_prices(venues.prices)
    client = await connected_client(venues.hedge_url)
    yield client
    await client.close()
