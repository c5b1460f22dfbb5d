"""Lighter transactions through the SDK's SignerClient, with our own nonces and off-loop signing.

Every transaction goes through the account's one transaction lane (tx_lane.py): a priority
queue whose sender takes budget room first, then assigns the nonce (per API key: fetched once
from nextNonce, then incremented locally and passed explicitly, so the SDK's nonce manager
never runs), signs and sends. Signing (~ms in the native signer) runs on a dedicated
one-thread executor so the event loop, and with it the fill/hedge path, never waits behind a
signature. `accepted` means the venue took the tx for sequencing (code 200); the outcome
comes from the stream.

Every nextNonce and sendTx spends the account's request budget (request_budget.py) at the
caller's priority, and has a timeout: a stalled call marks the nonce for refresh, since the
venue may or may not have taken the transaction.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

import orjson
from loguru import logger
from lighter import TransactionApi
from lighter.exceptions import ApiException
from lighter.signer_client import SignerClient

from hedge.adapters.lighter.markets import MarketCatalog
from hedge.adapters.lighter.request_budget import Priority, RequestBudget
from hedge.adapters.lighter.tx_lane import CODE_INVALID_NONCE, CODE_OK, SendAnswer, TransactionLane
from hedge.infra import events
from hedge.infra.redact import REDACTOR, Redactor
from hedge.infra.secret import Secret
from hedge.infra.clock import wall_s

__all__ = ["CODE_OK", "CODE_INVALID_NONCE", "LighterOrderClient", "TxResult", "OrderCounters",
           "LighterKeyError"]
CODE_RATE_LIMITED = 429
CODE_VENUE_RATE_LIMITED = 23000
DEFAULT_CALL_TIMEOUT_S = 5.0
POST_ONLY = SignerClient.ORDER_TIME_IN_FORCE_POST_ONLY
LIMIT = SignerClient.ORDER_TYPE_LIMIT


class LighterKeyError(RuntimeError):
    """The configured API key is not the one registered for the account."""


@dataclass(frozen=True, slots=True)
class TxResult:
    accepted: bool
    tx_hash: str = ""
    code: int | None = None
    message: str = ""
    latency_ms: float = 0.0        # from the call to the venue's answer, signing included
    sign_ms: float = 0.0
    nonce: int | None = None
    timed_out: bool = False        # no answer in time: the venue may or may not have taken it
    volume_quota_remaining: int | None = None


@dataclass
class OrderCounters:
    orders_placed: int = 0
    orders_modified: int = 0
    orders_canceled: int = 0
    cancel_alls: int = 0
    rejected: int = 0
    nonce_refreshes: int = 0
    rate_limited: int = 0
    timeouts: int = 0
    volume_quota_remaining: int | None = None     # from the last sendTx answer that carried it
    sign_ms: list[float] = field(default_factory=list)


class LighterOrderClient:
    def __init__(self, url: str, account_index: int, api_key_index: int, private_key: Secret,
                 catalog: MarketCatalog, *, redactor: Redactor = REDACTOR,
                 max_rate_limit_retries: int = 3, rate_limit_backoff_s: float = 0.25,
                 budget: RequestBudget | None = None,
                 call_timeout_s: float = DEFAULT_CALL_TIMEOUT_S) -> None:
        redactor.register(private_key)
        self.url = url
        self.account_index = account_index
        self.api_key_index = api_key_index
        self.venue_clock_offset_ms = 0      # Lighter's clock minus ours (the preflight reads it)
        self.catalog = catalog
        self.counters = OrderCounters()
        self._redactor = redactor
        self._client = SignerClient(url=url, account_index=account_index,
                                    api_private_keys={api_key_index: private_key.reveal()})
        self._tx_api = TransactionApi(self._client.api_client)
        self._signer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lighter-signer")
        self._backoff_s = rate_limit_backoff_s
        self.budget = budget if budget is not None else RequestBudget("standard")
        self.call_timeout_s = call_timeout_s
        self.lane = TransactionLane(
            self.budget, fetch_nonce=self.fetch_nonce, sign=self._sign, send=self._send,
            result=TxResult, counters=self.counters, redact=self._safe,
            max_429_retries=max_rate_limit_retries, rate_limit_backoff_s=rate_limit_backoff_s)

    def __repr__(self) -> str:
        return f"LighterOrderClient(url={self.url!r}, account={self.account_index}, key={self.api_key_index})"

    # -- key and tokens --------------------------------------------------------------

    async def check_key(self) -> None:
        err = await self._off_loop(self._client.check_client)
        if err is not None:
            raise LighterKeyError(
                f"API key index {self.api_key_index} for account {self.account_index} is not registered "
                f"on {self.url}: {self._redactor.redact_text(str(err))}; register it or fix "
                f"LIGHTER_API_KEY_INDEX/LIGHTER_API_PRIVATE_KEY")

    async def mint_auth_token(self, lifetime_s: int = 600) -> str:
        """A fresh auth token (registered with the redactor before anyone sees it)."""
        token, err = await self._off_loop(partial(   # the expiry on the venue's clock
            self._client.create_auth_token_with_expiry, lifetime_s,
            timestamp=int(wall_s() + self.venue_clock_offset_ms / 1000),
            api_key_index=self.api_key_index))
        if err is not None or not token:
            raise RuntimeError(f"could not mint a Lighter auth token: {self._redactor.redact_text(str(err))}")
        self._redactor.register(token, token=True)
        return token

    # -- orders ------------------------------------------------------------------------

    async def create_post_only(self, market: int, is_ask: bool, size: Decimal, price: Decimal,
                               client_order_index: int) -> TxResult:
        spec = self.catalog.by_id(market)
        lots, ticks = spec.size_to_int(size), spec.price_to_int(price)
        sign = partial(self._client.sign_create_order, market, client_order_index, lots, ticks,
                       is_ask, LIMIT, POST_ONLY)
        result = await self._submit(sign, Priority.QUOTE)
        if result.accepted:
            self.counters.orders_placed += 1
        return result

    async def modify(self, market: int, index: int, size: Decimal, price: Decimal) -> TxResult:
        """One tx; `index` is the order_index or the client_order_index."""
        spec = self.catalog.by_id(market)
        sign = partial(self._client.sign_modify_order, market, index, spec.size_to_int(size),
                       spec.price_to_int(price))
        result = await self._submit(sign, Priority.QUOTE)
        if result.accepted:
            self.counters.orders_modified += 1
        return result

    async def cancel(self, market: int, index: int) -> TxResult:
        result = await self._submit(partial(self._client.sign_cancel_order, market, index),
                                    Priority.CANCEL)
        if result.accepted:
            self.counters.orders_canceled += 1
        return result

    async def cancel_all(self) -> TxResult:
        """Cancel every resting order of the account, now."""
        return await self._cancel_all(SignerClient.CANCEL_ALL_TIF_IMMEDIATE, 0, Priority.CANCEL)

    async def schedule_cancel_all(self, after_ms: int) -> TxResult:
        """The dead-man's switch: all orders are canceled `after_ms` from now unless renewed."""
        return await self._cancel_all(SignerClient.CANCEL_ALL_TIF_SCHEDULED,
                                      int(wall_s() * 1000) + self.venue_clock_offset_ms
                                      + after_ms, Priority.DEAD_MANS)

    async def abort_scheduled_cancel_all(self) -> TxResult:
        return await self._cancel_all(SignerClient.CANCEL_ALL_TIF_ABORT, 0, Priority.DEAD_MANS)

    async def _cancel_all(self, tif: int, at_ms: int, priority: Priority) -> TxResult:
        result = await self._submit(partial(self._client.sign_cancel_all_orders, tif, at_ms), priority)
        if result.accepted:
            self.counters.cancel_alls += 1
        return result

    async def close(self) -> None:
        await self.lane.close()
        await self._client.close()
        self._signer.shutdown(wait=False)

    # -- nonce, signing, sending: the lane's steps ----------------------------------------

    async def _submit(self, sign: Callable, priority: Priority) -> TxResult:
        return await self.lane.submit(sign, priority)

    async def fetch_nonce(self) -> int:
        """The key's next nonce from the venue (the lane has taken budget room for it)."""
        resp = await asyncio.wait_for(
            self._tx_api.next_nonce(account_index=self.account_index, api_key_index=self.api_key_index),
            self.call_timeout_s)
        return int(resp.nonce)

    async def _sign(self, sign: Callable, nonce: int) -> tuple:
        return await self._off_loop(partial(sign, nonce=nonce, api_key_index=self.api_key_index))

    async def _send(self, tx_type: int, tx_info: str) -> SendAnswer:
        """One sendTx (the lane has taken budget room for it); a 429 is reported for the lane
        to back off, never retried here."""
        try:
            resp = await asyncio.wait_for(self._client.send_tx(tx_type=tx_type, tx_info=tx_info),
                                          self.call_timeout_s)
            quota = getattr(resp, "volume_quota_remaining", None)
            if quota is not None:
                self.counters.volume_quota_remaining = int(quota)
            return SendAnswer(int(resp.code), self._safe(resp.message or ""),
                              str(resp.tx_hash or ""), None if quota is None else int(quota))
        except ApiException as exc:
            code, message = _error_body(exc)
            if "volume quota" in message.lower():
                # Out of volume quota (premium): not a rate limit; retrying cannot help.
                self.counters.volume_quota_remaining = _quota_in_body(exc)
                logger.warning("Lighter refused a transaction: volume quota exhausted ({})",
                               self._safe(message))
                return SendAnswer(code, self._safe(message),
                                  quota=self.counters.volume_quota_remaining)
            if exc.status == CODE_RATE_LIMITED or code == CODE_VENUE_RATE_LIMITED:
                self.counters.rate_limited += 1
                self.budget.note_rate_limited(cooldown_s=4 * self._backoff_s)
                logger.warning("Lighter rate limit (429) on sendTx: code={} {}", code,
                               self._safe(message))
                events.emit(events.RATE_LIMITED, venue="lighter", endpoint="sendTx", code=code)
                return SendAnswer(code, self._safe(message), rate_limited=True)
            return SendAnswer(code, self._safe(message))
        except asyncio.TimeoutError:
            logger.warning("Lighter sendTx timed out after {} s: nonce marked for refresh",
                           self.call_timeout_s)
            return SendAnswer(None, f"timeout after {self.call_timeout_s} s", timed_out=True)
        except OSError as exc:
            return SendAnswer(None, self._safe(f"{type(exc).__name__}: {exc}"))

    async def _off_loop(self, fn: Callable):
        return await asyncio.get_running_loop().run_in_executor(self._signer, fn)

    def _safe(self, text: object) -> str:
        return self._redactor.redact_text(str(text))


def _quota_in_body(exc: ApiException) -> int:
    try:
        body = orjson.loads(exc.body or b"")
        return int(body.get("volume_quota_remaining", 0)) if isinstance(body, dict) else 0
    except (orjson.JSONDecodeError, TypeError, ValueError):
        return 0


def _error_body(exc: ApiException) -> tuple[int | None, str]:
    """Lighter's {"code","message"} from an HTTP error, else the HTTP status and reason."""
    try:
        body = orjson.loads(exc.body or b"")
        if isinstance(body, dict):
            return int(body.get("code", exc.status or 0)), str(body.get("message", ""))
    except (orjson.JSONDecodeError, TypeError, ValueError):
        pass
    return exc.status, str(exc.reason or "")
