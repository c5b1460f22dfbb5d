"""Thin async reads through the SDK: markets, active orders, position."""
from __future__ import annotations

from decimal import Decimal

import lighter
from lighter import AccountApi, OrderApi

from hedge.adapters.lighter.markets import MarketCatalog
from hedge.adapters.lighter.parse import parse_order
from hedge.core.types import OrderUpdate


async def load_markets(url: str) -> MarketCatalog:
    """Every listed market from `orderBookDetails`."""
    async with LighterRest(url) as rest:
        return await rest.markets()


CLIENT_INDEXES_PER_REQUEST = 20     # accountOrders takes at most 20 client indexes


class LighterRest:
    def __init__(self, url: str) -> None:
        self.url = url
        self._api_client = lighter.ApiClient(configuration=lighter.Configuration(host=url))
        self._orders = OrderApi(self._api_client)
        self._accounts = AccountApi(self._api_client)

    async def __aenter__(self) -> LighterRest:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def markets(self) -> MarketCatalog:
        resp = await self._orders.order_book_details()
        return MarketCatalog.from_order_book_details(resp.model_dump(by_alias=True, warnings=False))

    async def active_orders(self, account: int, market: int, token: str) -> list[OrderUpdate]:
        resp = await self._orders.account_active_orders(account_index=account, market_id=market,
                                                        authorization=token)
        return [parse_order(o.to_dict(), str(market)) for o in resp.orders or []]

    async def orders_by_client_index(self, account: int, client_order_indexes: list[int],
                                     token: str) -> list[OrderUpdate]:
        """Orders in any state (live or done), e.g. to reconcile after a reconnect."""
        resp = await self._orders.account_orders(
            client_order_indexes=",".join(str(i) for i in client_order_indexes),
            account_index=account, authorization=token)
        return [parse_order(o.to_dict()) for o in resp.orders or []]

    async def orders_in_chunks(self, account: int, client_order_indexes: list[int], token: str):
        """`orders_by_client_index` over any number of indexes, one venue-sized request at a
        time: each chunk's orders are yielded as they arrive, so a later failure keeps them."""
        for start in range(0, len(client_order_indexes), CLIENT_INDEXES_PER_REQUEST):
            chunk = client_order_indexes[start:start + CLIENT_INDEXES_PER_REQUEST]
            yield await self.orders_by_client_index(account, chunk, token)

    async def account_position(self, account: int, market: int) -> Decimal:
        """Signed base position (sign * position); 0 when there is none."""
        resp = await self._accounts.account(by="index", value=str(account))
        for acct in resp.accounts or []:
            for pos in acct.positions or []:
                if pos.market_id == market:
                    return Decimal(int(pos.sign)) * Decimal(str(pos.position))
        return Decimal(0)

    async def close(self) -> None:
        await self._api_client.close()
