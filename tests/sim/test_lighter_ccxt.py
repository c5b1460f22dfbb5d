"""ccxt's own `lighter` class, its URLs pointed at the local venue."""
from __future__ import annotations

from decimal import Decimal

import ccxt.async_support as ccxt_async


def loopback_lighter(url: str) -> ccxt_async.lighter:
    exchange = ccxt_async.lighter({"timeout": 3000})
    exchange.urls["api"] = {"root": url, "public": url, "private": url}
    return exchange


async def test_ccxt_loads_markets_and_fetches_the_book(venues):
    exchange = loopback_lighter(venues.lighter_url)
    try:
        markets = await exchange.load_markets()
        eth = markets["ETH/USDC:USDC"]
        assert eth["id"] == "0" and eth["swap"] and eth["active"]
        assert eth["precision"]["amount"] == 0.0001 and eth["precision"]["price"] == 0.01
        assert eth["limits"]["amount"]["min"] == 0.005
        assert markets["BTC/USDC:USDC"]["precision"]["price"] == 0.1
        book = await exchange.fetch_order_book("ETH/USDC:USDC", limit=10)
        assert 0 < len(book["bids"]) <= 10 and 0 < len(book["asks"]) <= 10
        assert book["bids"][0][0] < book["asks"][0][0]
        assert [b[0] for b in book["bids"]] == sorted((b[0] for b in book["bids"]), reverse=True)
        mid = Decimal(str((book["bids"][0][0] + book["asks"][0][0]) / 2))
        assert abs(mid - Decimal(str(venues.prices.mid("ETH")))) / mid < Decimal("0.01")
    finally:
        await exchange.close()
