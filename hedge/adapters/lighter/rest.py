"""Thin async reads through the SDK: markets, active orders, position.

Every read spends the account's request budget at the caller's priority and has a timeout (the
SDK's own default is five minutes). An answer whose body carries an error `code` is an error,
never an empty list: "no orders" and "the venue refused to say" must not look alike.

The reads safety checks rest on (markets, account, orders, limits) take the reply as the venue
wrote it: lighter-sdk's models refuse a whole reply over one enum value they do not know (an
order's `status`, a market's `status`, an asset's `margin_mode`), which would turn the check
off. The model still judges each reply, so such a value is logged once at WARNING.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import lighter
import orjson
from lighter import AccountApi, OrderApi
from lighter.models import AccountAsset, Order, PerpsOrderBookDetail
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
# The enum fields lighter-sdk validates, by where they sit in a reply: (list key, item path,
# field, the SDK model's own validator). A value it does not know is warned about once.
_ENUMS = (("order_book_details", (), "status", PerpsOrderBookDetail.status_validate_enum),
          ("orders", (), "status", Order.status_validate_enum),
          ("orders", (), "type", Order.type_validate_enum),
          ("orders", (), "time_in_force", Order.time_in_force_validate_enum),
          ("accounts", ("assets",), "margin_mode", AccountAsset.margin_mode_validate_enum))
_warned_unknown: set[tuple[str, str]] = set()   # (endpoint, field) already warned about


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

    async def _read(self, endpoint: str, priority: Priority, call: Callable[[], Awaitable[Any]]
                    ) -> dict[str, Any]:
        """One budgeted, timed read of the reply as the venue wrote it (an SDK
        `*_without_preload_content` call); an error status or `code` raises LighterRestError."""
        await self.budget.acquire(endpoint, priority)
        try:
            resp = await asyncio.wait_for(call(), self.timeout_s)
            body = await asyncio.wait_for(resp.read(), self.timeout_s)
        except asyncio.TimeoutError:
            self.timeouts += 1
            raise LighterRestError(endpoint, None, f"no answer within {self.timeout_s} s") from None
        try:
            reply = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError:
            reply = None
        if resp.status >= 400 or not isinstance(reply, dict):
            code = reply.get("code", resp.status) if isinstance(reply, dict) else resp.status
            message = str(reply.get("message", "")) if isinstance(reply, dict) else str(resp.reason)
            if resp.status == 429 or code == 23000:
                self.rate_limited += 1
                self.budget.note_rate_limited()
                logger.warning("Lighter rate limit (429) on {}: code={} {}", endpoint, code, message)
            raise LighterRestError(endpoint, int(code) if str(code).lstrip("-").isdigit() else None,
                                   message)
        code = reply.get("code", CODE_OK)
        if code is not None and int(code) != CODE_OK:
            raise LighterRestError(endpoint, int(code), str(reply.get("message", "") or ""))
        _warn_unknown_enums(endpoint, reply)
        return reply

    async def markets(self) -> MarketCatalog:
        return MarketCatalog.from_order_book_details(await self.order_book_details_raw())

    async def order_book_details_raw(self) -> dict[str, Any]:
        """The orderBookDetails answer as the venue wrote it (status, is_frozen, market_config)."""
        return await self._read("orderBookDetails", Priority.READ,
                                self._orders.order_book_details_without_preload_content)

    async def active_orders(self, account: int, market: int, token: str,
                            priority: Priority = Priority.SAFETY) -> list[OrderUpdate]:
        reply = await self._read("accountActiveOrders", priority,
                                 lambda: self._orders.account_active_orders_without_preload_content(
                                     account_index=account, market_id=market, authorization=token))
        return [parse_order(o, str(market)) for o in reply.get("orders") or []]

    async def orders_by_client_index(self, account: int, client_order_indexes: list[int],
                                     token: str, priority: Priority = Priority.SAFETY
                                     ) -> list[OrderUpdate]:
        """Orders in any state (live or done), e.g. to reconcile after a reconnect."""
        reply = await self._read("accountOrders", priority,
                                 lambda: self._orders.account_orders_without_preload_content(
                                     client_order_indexes=",".join(str(i) for i in client_order_indexes),
                                     account_index=account, authorization=token))
        return [parse_order(o) for o in reply.get("orders") or []]

    async def orders_in_chunks(self, account: int, client_order_indexes: list[int], token: str):
        """`orders_by_client_index` over any number of indexes, one venue-sized request at a
        time: each chunk's orders are yielded as they arrive, so a later failure keeps them."""
        for start in range(0, len(client_order_indexes), CLIENT_INDEXES_PER_REQUEST):
            chunk = client_order_indexes[start:start + CLIENT_INDEXES_PER_REQUEST]
            yield await self.orders_by_client_index(account, chunk, token)

    async def account(self, account: int, priority: Priority = Priority.SAFETY) -> dict[str, Any]:
        """The account's `/api/v1/account` entry as the venue wrote it ({} when absent)."""
        reply = await self._read("account", priority,
                                 lambda: self._accounts.account_without_preload_content(
                                     by="index", value=str(account)))
        for acct in reply.get("accounts") or []:
            if isinstance(acct, dict):
                return acct
        return {}

    async def account_position(self, account: int, market: int,
                               priority: Priority = Priority.SAFETY) -> Decimal:
        """Signed base position (sign * position); 0 when there is none."""
        return (await self.account_positions(account, priority)).get(market, Decimal(0))

    async def account_positions(self, account: int,
                                priority: Priority = Priority.SAFETY) -> dict[int, Decimal]:
        """Every market's signed base position, from one `account` call (market id -> base)."""
        return positions_of(await self.account(account, priority))

    async def account_tier(self, account: int, token: str) -> str | None:
        """The account's tier: `user_tier` of `/api/v1/accountLimits` (lighter-sdk's
        AccountLimits); None when the reply has none."""
        reply = await self._read("accountLimits", Priority.READ,
                                 lambda: self._accounts.account_limits_without_preload_content(
                                     account_index=account, authorization=token))
        tier = reply.get("user_tier")
        return tier.lower() if isinstance(tier, str) and tier else None

    async def account_fee_ticks(self, account: int, token: str) -> tuple[int, int]:
        """The account's current maker and taker fee ticks from `accountLimits` (lighter-sdk's
        AccountLimits: 1e-6 of notional, so 40 ticks are 0.4 bp)."""
        resp = await self._call("accountLimits", Priority.READ,
                                lambda: self._accounts.account_limits(account, token))
        return int(resp.current_maker_fee_tick), int(resp.current_taker_fee_tick)

    async def close(self) -> None:
        await self._api_client.close()


def positions_of(account: dict[str, Any]) -> dict[int, Decimal]:
    """market id -> signed base position (sign * position) of a raw account entry."""
    out: dict[int, Decimal] = {}
    for pos in account.get("positions") or []:
        try:
            out[int(pos["market_id"])] = Decimal(int(pos.get("sign") or 0)) * Decimal(str(pos["position"]))
        except (KeyError, TypeError, ValueError, ArithmeticError):
            logger.warning("Lighter account position unreadable, skipped: {}", pos)
    return out


def _warn_unknown_enums(endpoint: str, reply: dict[str, Any]) -> None:
    """Values lighter-sdk's models would refuse: logged once per endpoint and field; the read
    goes on with the raw reply (a refusing model would have turned the check off)."""
    for list_key, path, name, validate in _ENUMS:
        if (endpoint, name) in _warned_unknown:
            continue
        for item in _items(reply.get(list_key), path):
            value = item.get(name)
            if value is None:
                continue
            try:
                validate(value)
            except ValueError:
                _warned_unknown.add((endpoint, name))
                logger.warning("Lighter {} reply carries {}={!r}, a value lighter-sdk does not "
                               "know; read as the venue wrote it, safety checks stay on",
                               endpoint, name, value)
                break


def _items(rows: Any, path: tuple[str, ...]):
    """Dicts of `rows` (a list), or of each row's nested lists along `path`."""
    for row in rows if isinstance(rows, list) else ():
        if not isinstance(row, dict):
            continue
        if not path:
            yield row
        else:
            yield from _items(row.get(path[0]), path[1:])


def _error_body(exc: ApiException) -> tuple[int | None, str]:
    """Lighter's {"code","message"} from an HTTP error, else the HTTP status and reason."""
    try:
        body = orjson.loads(exc.body or b"")
        if isinstance(body, dict):
            return int(body.get("code", exc.status or 0)), str(body.get("message", ""))
    except (orjson.JSONDecodeError, TypeError, ValueError):
        pass
    return exc.status, str(exc.reason or "")
