"""Thin async reads through the SDK: markets, active orders, position.

Every read spends the account's request budget at the caller's priority and has a timeout (the
SDK's own default is five minutes). An answer whose body carries an error `code` is an error,
never an empty list: "no orders" and "the venue refused to say" must not look alike.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import lighter
import orjson
from lighter import AccountApi, OrderApi
from lighter.exceptions import ApiException
from loguru import logger

from hedge.adapters.lighter.markets import MarketCatalog
from hedge.adapters.lighter.parse import parse_order
from hedge.adapters.lighter.request_budget import Priority, RequestBudget
from hedge.core.types import OrderUpdate
from hedge.infra import events

T = TypeVar("T")
CODE_OK = 200
DEFAULT_READ_TIMEOUT_S = 5.0
CLIENT_INDEXES_PER_REQUEST = 20     # accountOrders takes at most 20 client indexes


class LighterRestError(RuntimeError):
    """A read the venue answered with an error code, or not at all in time."""

    def __init__(self, endpoint: str, code: int | None, message: str) -> None:
        super().__init__(f"Lighter {endpoint}: code={code} {message}")
        self.endpoint = endpoint
        self.code = code


async def load_markets(url: str) -> MarketCatalog:
    """Every listed market from `orderBookDetails`."""
    async with LighterRest(url) as rest:
        return await rest.markets()


class LighterRest:
    def __init__(self, url: str, budget: RequestBudget | None = None,
                 timeout_s: float = DEFAULT_READ_TIMEOUT_S) -> None:
        self.url = url
        self.budget = budget if budget is not None else RequestBudget("standard")
        self.timeout_s = timeout_s
        self.rate_limited = 0
        self.timeouts = 0
        self._api_client = lighter.ApiClient(configuration=lighter.Configuration(host=url))
        self._orders = OrderApi(self._api_client)
        self._accounts = AccountApi(self._api_client)

    async def __aenter__(self) -> LighterRest:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def _call(self, endpoint: str, priority: Priority, call: Callable[[], Awaitable[T]]) -> T:
        """One budgeted, timed request; its answer checked for an error code."""
        await self.budget.acquire(endpoint, priority)
        try:
            resp = await asyncio.wait_for(call(), self.timeout_s)
        except asyncio.TimeoutError:
            self.timeouts += 1
            raise LighterRestError(endpoint, None, f"no answer within {self.timeout_s} s") from None
        except ApiException as exc:
            code, message = _error_body(exc)
            if exc.status == 429 or code == 23000:
                self.rate_limited += 1
                self.budget.note_rate_limited()
                logger.warning("Lighter rate limit (429) on {}: code={} {}", endpoint, code, message)
                events.emit(events.RATE_LIMITED, venue="lighter", endpoint=endpoint, code=code)
            raise LighterRestError(endpoint, code, message) from None
        code = getattr(resp, "code", CODE_OK)
        if code is not None and int(code) != CODE_OK:
            raise LighterRestError(endpoint, int(code), str(getattr(resp, "message", "") or ""))
        return resp

    async def markets(self) -> MarketCatalog:
        resp = await self._call("orderBookDetails", Priority.READ, self._orders.order_book_details)
        return MarketCatalog.from_order_book_details(resp.model_dump(by_alias=True, warnings=False))

    async def order_book_details_raw(self) -> dict[str, Any]:
        """The orderBookDetails answer as the venue wrote it (status, is_frozen, market_config)."""
        resp = await self._call("orderBookDetails", Priority.READ, self._orders.order_book_details)
        return resp.to_dict()

    async def active_orders(self, account: int, market: int, token: str,
                            priority: Priority = Priority.SAFETY) -> list[OrderUpdate]:
        resp = await self._call("accountActiveOrders", priority, lambda: self._orders.account_active_orders(
            account_index=account, market_id=market, authorization=token))
        return [parse_order(o.to_dict(), str(market)) for o in resp.orders or []]

    async def orders_by_client_index(self, account: int, client_order_indexes: list[int],
                                     token: str, priority: Priority = Priority.SAFETY
                                     ) -> list[OrderUpdate]:
        """Orders in any state (live or done), e.g. to reconcile after a reconnect."""
        resp = await self._call("accountOrders", priority, lambda: self._orders.account_orders(
            client_order_indexes=",".join(str(i) for i in client_order_indexes),
            account_index=account, authorization=token))
        return [parse_order(o.to_dict()) for o in resp.orders or []]

    async def orders_in_chunks(self, account: int, client_order_indexes: list[int], token: str):
        """`orders_by_client_index` over any number of indexes, one venue-sized request at a
        time: each chunk's orders are yielded as they arrive, so a later failure keeps them."""
        for start in range(0, len(client_order_indexes), CLIENT_INDEXES_PER_REQUEST):
            chunk = client_order_indexes[start:start + CLIENT_INDEXES_PER_REQUEST]
            yield await self.orders_by_client_index(account, chunk, token)

    async def account_position(self, account: int, market: int,
                               priority: Priority = Priority.SAFETY) -> Decimal:
        """Signed base position (sign * position); 0 when there is none."""
        resp = await self._call("account", priority,
                                lambda: self._accounts.account(by="index", value=str(account)))
        for acct in resp.accounts or []:
            for pos in acct.positions or []:
                if pos.market_id == market:
                    return Decimal(int(pos.sign)) * Decimal(str(pos.position))
        return Decimal(0)

    async def account_positions(self, account: int,
                                priority: Priority = Priority.SAFETY) -> dict[int, Decimal]:
        """Every market's signed base position, from one `account` call (market id -> base)."""
        resp = await self._call("account", priority,
                                lambda: self._accounts.account(by="index", value=str(account)))
        out: dict[int, Decimal] = {}
        for acct in resp.accounts or []:
            for pos in acct.positions or []:
                out[int(pos.market_id)] = Decimal(int(pos.sign)) * Decimal(str(pos.position))
        return out

    async def account_tier(self, account: int) -> str | None:
        """The account's tier where the venue reports one by name (`tier`/`account_tier`)."""
        resp = await self._call("account", Priority.READ,
                                lambda: self._accounts.account(by="index", value=str(account)))
        for acct in resp.accounts or []:
            extra = {**(getattr(acct, "additional_properties", None) or {}),
                     **(getattr(resp, "additional_properties", None) or {})}
            for key in ("account_tier", "tier"):
                if isinstance(extra.get(key), str):
                    return extra[key].lower()
        return None

    async def account_fee_ticks(self, account: int, token: str) -> tuple[int, int]:
        """The account's current maker and taker fee ticks from `accountLimits` (lighter-sdk's
        AccountLimits: 1e-6 of notional, so 40 ticks are 0.4 bp)."""
        resp = await self._call("accountLimits", Priority.READ,
                                lambda: self._accounts.account_limits(account, token))
        return int(resp.current_maker_fee_tick), int(resp.current_taker_fee_tick)

    async def close(self) -> None:
        await self._api_client.close()


def _error_body(exc: ApiException) -> tuple[int | None, str]:
    """Lighter's {"code","message"} from an HTTP error, else the HTTP status and reason."""
    try:
        body = orjson.loads(exc.body or b"")
        if isinstance(body, dict):
            return int(body.get("code", exc.status or 0)), str(body.get("message", ""))
    except (orjson.JSONDecodeError, TypeError, ValueError):
        pass
    return exc.status, str(exc.reason or "")
