"""CcxtHedgeVenue: hedge Lighter fills on any ccxt perp venue, never twice, never lost.

One hedge is an IOC limit order under a client id derived from the fill key. A definitive
answer is final; a rate limit or a refused connection is retried under the same id; an
ambiguous answer (timeout, 5xx, dropped connection) is looked up by that id and resent only
when the venue says the order does not exist.
"""
from __future__ import annotations

import asyncio
import difflib
import contextvars
from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt_async
from loguru import logger

from hedge.adapters.hedging.book_feed import FeedBook, HedgeBookFeed
from hedge.adapters.hedging.ccxt_settings import CREDENTIAL_FIELDS, CcxtVenueSettings
from hedge.adapters.hedging.errors import HedgeErrorAction, classify_create_error
from hedge.adapters.hedging.position_proof import Proof, prove_by_position
from hedge.adapters.hedging.urls import point_at
from hedge.adapters.hedging.venue import (HedgeLeg, HedgeOutcome, HedgeRequest, HedgeStatus, HedgeTiming,
                                          MarketRules, OrderLookup)
from hedge.adapters.hedging.venue_books import VenueBooks, stream_client
from hedge.adapters.hedging.venue_rules import (VenueRules, answer_is_final, is_duplicate_id,
                                                is_final_status, lookup_lag_ms, needs_side_field)
from hedge.adapters.hedging.venues import UnsupportedVenueError, is_verified, rules_for
from hedge.core.hedge_order import ioc_limit_price, truncate_to_step
from hedge.infra.clock import monotonic_s, perf_ns
from hedge.infra.rate_limit import TokenBucket
from hedge.infra.redact import REDACTOR
from hedge.infra.retry import backoff_s

__all__ = ["CcxtHedgeVenue", "CcxtVenueSettings", "CREDENTIAL_FIELDS", "UnknownExchangeError"]

_fetch_stamps: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("fetch_stamps",
                                                                                 default=None)


class UnknownExchangeError(ValueError):
    """The configured ccxt exchange id does not exist."""




class _SendAgain(Exception):
    """Resending under the same client id is safe: the venue never executed the last send."""


class _NotFound:
    """The venue said the order does not exist: resending under the same id is safe."""


NOT_FOUND = _NotFound()


class CcxtHedgeVenue:
    def __init__(self, settings: CcxtVenueSettings) -> None:
        if settings.exchange_id not in ccxt_async.exchanges:
            close = difflib.get_close_matches(settings.exchange_id, ccxt_async.exchanges, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UnknownExchangeError(
                f"unknown ccxt exchange id {settings.exchange_id!r} (hedge.exchange); {hint}"
                f"ccxt knows: {', '.join(ccxt_async.exchanges)}")
        try:
            self.venue_rules: VenueRules = rules_for(settings.exchange_id,
                                                     settings.allow_untested_venue)
        except UnsupportedVenueError as exc:
            raise UnknownExchangeError(str(exc)) from None
        if not is_verified(settings.exchange_id):
            logger.warning("hedge venue {} is not verified (hedge.allow_untested_venue): client "
                           "ids, lookups, minimums and padding follow ccxt's defaults; check them "
                           "with small orders first", settings.exchange_id)
        self.settings = settings
        config: dict[str, Any] = {
            "enableRateLimit": False,  # ccxt's throttle would put ~200 ms on the hedge path
            "timeout": settings.timeout_ms,
            "options": {"fetchCurrencies": False, "adjustForTimeDifference": False,
                        **getattr(self.venue_rules, "ccxt_options", {})},
        }
        if settings.approved_builder_fee:   # approved once with the main wallet: never again
            config["options"]["approvedBuilderFee"] = True
        self.lookup_lag_ms = (settings.lookup_lag_ms if settings.lookup_lag_ms is not None
                              else lookup_lag_ms(self.venue_rules))
        for name in self.venue_rules.credentials:
            secret = getattr(settings, CREDENTIAL_FIELDS[name])
            if name != "walletAddress":       # an address is public; keys are redacted
                REDACTOR.register(secret)
            config[name] = secret.reveal()
        self.exchange = getattr(ccxt_async, settings.exchange_id)(config)
        if settings.base_url:
            point_at(self.exchange, settings.base_url)
        self._orders = TokenBucket(settings.order_rate_per_s, settings.order_burst)
        self._reads = TokenBucket(settings.read_rate_per_s, settings.read_rate_per_s)
        # The book stream: ccxt's pro class of the same venue, public data only (no keys).
        public = {k: v for k, v in config.items() if k not in CREDENTIAL_FIELDS}
        def new_stream():
            return stream_client(settings.exchange_id, public, settings.base_url)
        self.books = VenueBooks(
            self.exchange, new_stream() if settings.book_stream else None, reads=self._reads,
            to_base=self._to_base, depth=settings.book_depth, max_age_ms=settings.book_max_age_ms,
            stream_depth=getattr(self.venue_rules, "book_stream_depth", settings.book_depth),
            timings=settings.book_feed, new_stream=new_stream)
        self._rules: dict[str, MarketRules] = {}
        self._markets: dict[str, dict] = {}
        self._contract_size: dict[str, Decimal] = {}
        self._stamp_fetches()

    def __repr__(self) -> str:
        return f"CcxtHedgeVenue({self.settings.exchange_id}, url={self.settings.base_url or 'real'})"

    def _stamp_fetches(self) -> None:
        """Record when each request is handed to ccxt's HTTP layer, for fill->hedge latency."""
        original = self.exchange.fetch

        async def stamped(url, method="GET", headers=None, body=None):
            stamps = _fetch_stamps.get()
            if stamps is not None:
                stamps.append(perf_ns())
            return await original(url, method, headers, body)

        self.exchange.fetch = stamped

    async def start(self) -> None:
        markets = await self.exchange.load_markets()
        if self.stream_exchange is not None:
            self.stream_exchange.set_markets(self.exchange.markets, self.exchange.currencies)
        for symbol, market in markets.items():
            limits = market.get("limits") or {}
            size = _dec(market.get("contractSize") or 1)
            self._markets[symbol] = market
            self._contract_size[symbol] = size
            self._rules[symbol] = MarketRules(
                symbol=symbol,
                amount_step=_dec(market["precision"]["amount"]) * size,
                price_tick=_dec(market["precision"]["price"]),
                min_amount=_dec((limits.get("amount") or {}).get("min") or 0) * size,
                min_notional=self.venue_rules.min_notional(market),
            )

    # --- the one place where base amounts and the venue's contracts meet -------------------

    def _to_base(self, symbol: str, venue_amount: Any) -> Decimal:
        """An amount as ccxt gives it (contracts where `contractSize` != 1) -> base units."""
        return _dec(venue_amount or 0) * self._contract_size.get(symbol, Decimal(1))

    def _to_venue(self, symbol: str, base_amount: Decimal) -> str:
        """Base units -> what ccxt's create_order takes for this market, as plain text."""
        return format((base_amount / self._contract_size.get(symbol, Decimal(1))).normalize(), "f")

    def _order_lookup(self, symbol: str, order: dict, client_id: str) -> OrderLookup:
        filled = self._to_base(symbol, order.get("filled"))
        average = order.get("average")
        return OrderLookup(client_id, str(order.get("status")),
                           filled if order.get("side") == "buy" else -filled,
                           _dec(average) if average else None)

    def rules(self, symbol: str) -> MarketRules:
        try:
            return self._rules[symbol]
        except KeyError:
            raise UnknownExchangeError(
                f"{self.settings.exchange_id} has no market {symbol!r}; "
                f"some it has: {', '.join(sorted(self._rules)[:20])}") from None

    async def close(self) -> None:
        await self.books.close()
        await self.exchange.close()

    # --- reads -------------------------------------------------------------------------------

    @property
    def stream_exchange(self) -> Any | None:
        return self.books.stream

    def feed(self, symbol: str) -> HedgeBookFeed:
        """The symbol's book feed: streamed where ccxt.pro has the venue, else REST polled."""
        return self.books.feed(symbol)

    async def watch_book(self, symbol: str) -> None:
        """Keep `symbol`'s book fresh until cancelled (the engine runs this as a task)."""
        await self.books.feed(symbol).run()

    async def refresh_book(self, symbol: str) -> FeedBook:
        """Read the book over REST now (the feed's fallback; also for a one-off look)."""
        return await self.books.feed(symbol).poll_now()

    def book_age_ms(self, symbol: str) -> float | None:
        """Age of the book quoting and hedging read now (None before any arrived)."""
        return self.books.age_ms(symbol)

    def executable_price(self, symbol: str, amount: Decimal, is_buy: bool) -> Decimal | None:
        """Average price of taking `amount` from the feed's book; None if stale or too thin."""
        return self.books.executable_price(symbol, amount, is_buy)

    def depth_base(self, symbol: str, is_buy: bool, within_bps: Decimal) -> Decimal | None:
        """Base amount on the side a buy (asks) or sell (bids) takes, within `within_bps` of
        its best level; None if the book is stale."""
        return self.books.depth_base(symbol, is_buy, within_bps)

    async def taker_fee_bps(self, symbol: str) -> Decimal:
        """The account's taker fee on `symbol` as the venue reports it (ccxt's
        fetch_trading_fee; `market['taker']` is a static default, not the account's)."""
        fee = await self.exchange.fetch_trading_fee(symbol)
        return _dec(fee["taker"]) * 10_000

    async def find_order(self, symbol: str, client_id: str) -> OrderLookup | None:
        await self._reads.acquire()
        order = await self.venue_rules.find_order(self.exchange, symbol, client_id)
        return None if order is None else self._order_lookup(symbol, order, client_id)

    async def position(self, symbol: str) -> Decimal:
        await self._reads.acquire()
        total = Decimal(0)
        for pos in await self.exchange.fetch_positions([symbol]):
            if pos.get("symbol") != symbol:
                continue
            size = self._to_base(symbol, pos.get("contracts"))
            total += -size if pos.get("side") == "short" else size
        return total

    async def balance(self, asset: str) -> Decimal:
        await self._reads.acquire()
        balance = await self.exchange.fetch_balance()
        return _dec((balance.get("total") or {}).get(asset) or 0)

    # --- the hedge ---------------------------------------------------------------------------

    async def submit_hedge(self, request: HedgeRequest) -> HedgeOutcome:
        rules = self.rules(request.symbol)
        to_trade = truncate_to_step(request.amount, rules.amount_step)
        filled = cost = Decimal(0)
        client_ids: list[str] = []
        legs: list[HedgeLeg] = []
        timings: list[HedgeTiming] = []
        lookups = 0
        reason = ""
        status = HedgeStatus.FILLED
        book_age_ms: float | None = None
        expected = request.position_before
        if expected is None:     # the caller does not know it: the proof needs it before a send
            try:
                expected = await self.position(request.symbol)
            except Exception as exc:
                logger.warning("hedge position unreadable before {}: {}: {}; an unknown outcome "
                               "will not be resent", request.symbol, type(exc).__name__, _short(exc))
        for attempt in range(request.first_attempt,
                             request.first_attempt + self.settings.remainder_attempts):
            remaining = to_trade - filled
            if abs(remaining) < max(rules.min_amount, rules.amount_step):
                break
            is_buy = remaining > 0
            try:
                book = await self.books.for_hedge(request.symbol)
            except Exception as exc:  # nothing was sent: the caller may try again later
                status = HedgeStatus.REJECTED
                reason = f"hedge venue book unavailable: {type(exc).__name__}: {_short(exc)}"
                break
            if book_age_ms is None:
                book_age_ms = book.age_ms()
            price = ioc_limit_price(book.asks if is_buy else book.bids, abs(remaining), is_buy,
                                    self.settings.max_slippage_bps, rules.price_tick)
            if price is not None:
                price = self.venue_rules.round_price(price, self._markets[request.symbol], is_buy)
            if price is None:
                status, reason = HedgeStatus.REJECTED, "hedge venue book is empty"
                break
            exempt = request.reduce_only and self.venue_rules.pad_small_hedges_ok
            if abs(remaining) * price < rules.min_notional and not exempt:
                status = HedgeStatus.REJECTED
                reason = (f"{abs(remaining)} at {price} is below the venue's minimum notional "
                          f"{rules.min_notional}")
                break
            client_id = self.venue_rules.client_id(request.fill_key, attempt)
            client_ids.append(client_id)
            if request.before_send is not None:
                request.before_send(client_id, remaining)
            result, tries_looked_up, stamps = await self._send_resolved(
                request.symbol, client_id, is_buy, abs(remaining), price, request.reduce_only,
                None if expected is None else expected + filled)
            lookups += tries_looked_up
            if stamps:
                timings.append(HedgeTiming(stamps[0], perf_ns()))
            if isinstance(result, OrderLookup):
                filled += result.filled
                if result.average_price is not None:
                    cost += result.filled * result.average_price
                leg_status = HedgeStatus.FILLED if result.filled == remaining else HedgeStatus.PARTIAL
                legs.append(HedgeLeg(client_id, leg_status, result.filled, result.average_price))
                if leg_status is HedgeStatus.PARTIAL:  # the book moved away: read it again
                    self.books.moved(request.symbol)
                continue
            status, reason = result
            legs.append(HedgeLeg(client_id, status, Decimal(0), None))
            break
        if status is HedgeStatus.FILLED and filled != to_trade:
            status = HedgeStatus.PARTIAL if filled else HedgeStatus.REJECTED
            reason = reason or f"filled {filled} of {to_trade} after {len(client_ids)} IOC orders"
        if status is HedgeStatus.FILLED and to_trade != request.amount:
            reason = f"{request.amount - to_trade} below one step ({rules.amount_step}) carried over"
        average = (cost / filled) if filled else None
        return HedgeOutcome(request, status, filled, average, tuple(client_ids), reason, lookups,
                            tuple(timings), tuple(legs), book_age_ms)

    async def _send_resolved(self, symbol: str, client_id: str, is_buy: bool, amount: Decimal,
                             price: Decimal, reduce_only: bool, expected: Decimal | None):
        """One IOC, resolved to an OrderLookup, or to (status, reason) when it cannot trade.

        Resends happen only through `_SendAgain`: after a rate limit or refused connection, or
        when the venue's position, read after its lookup lag, proves that the order under
        `client_id` never executed (`expected`: the position without it; None: no proof).
        """
        stamps: list[int] = []
        lookups = [0]
        token = _fetch_stamps.set(stamps)
        tries = self.settings.retry_limit + 1
        try:
            # A plain loop: a retry policy object built for every send cost ~0.05 ms of the
            # fill's way to its hedge (docs/PERFORMANCE.md); the waits are the same backoff_s.
            for attempt in range(1, tries + 1):
                try:
                    result = await self._send_once(symbol, client_id, is_buy, amount, price,
                                                   reduce_only, lookups, expected)
                    return result, lookups[0], stamps
                except _SendAgain as exc:
                    if attempt == tries:
                        return ((HedgeStatus.REJECTED, f"{exc}; gave up after {tries} tries"),
                                lookups[0], stamps)
                await asyncio.sleep(backoff_s(attempt, self.settings.backoff_base_ms / 1000,
                                              self.settings.backoff_max_ms / 1000))
        finally:
            _fetch_stamps.reset(token)

    async def _send_once(self, symbol: str, client_id: str, is_buy: bool, amount: Decimal,
                         price: Decimal, reduce_only: bool, lookups: list[int],
                         expected: Decimal | None):
        params = self.venue_rules.order_params(client_id, reduce_only)
        exists = False
        await self._orders.acquire()
        try:
            order = await self.exchange.create_order(
                symbol, "limit", "buy" if is_buy else "sell", self._to_venue(symbol, amount),
                str(price), params)
            if answer_is_final(self.venue_rules, order):
                return self._order_lookup(symbol, order, client_id)
        except Exception as exc:  # every ccxt error is classified, nothing escapes
            action = classify_create_error(exc)
            unknown = getattr(self.venue_rules, "outcome_unknown", None)
            if action is HedgeErrorAction.GIVE_UP and unknown is not None and unknown(exc):
                action = HedgeErrorAction.LOOKUP   # the venue's own "may have executed" error
            what = f"{type(exc).__name__}: {_short(exc)}"
            if is_duplicate_id(self.venue_rules, exc):   # "it exists": look it up
                action, exists = HedgeErrorAction.LOOKUP, True
            elif needs_side_field(self.venue_rules, exc):
                setting = getattr(self.venue_rules, "position_mode_setting", "position mode")
                return HedgeStatus.HALTED, (f"{what}: the account is in hedge position mode; "
                                            f"set {setting}")
        else:
            # Acknowledged without its outcome (okx, bybit): the order exists, read its end.
            found = await self._look_up(symbol, client_id, acknowledged=True)
            if isinstance(found, OrderLookup):
                return found
            return await self._settle(symbol, client_id, is_buy, amount, expected,
                                      "acknowledged, but its outcome could not be read")
        if action is HedgeErrorAction.GIVE_UP:
            return HedgeStatus.REJECTED, what
        if action is HedgeErrorAction.HALT:
            return HedgeStatus.HALTED, what
        if action is HedgeErrorAction.LOOKUP:
            lookups[0] += 1
            found = await self._look_up(symbol, client_id, acknowledged=exists)
            if isinstance(found, OrderLookup):
                return found
            return await self._settle(symbol, client_id, is_buy, amount, expected,
                                      f"{what}; " + ("lookups failed" if found is None
                                                     else "not found by lookup"))
        raise _SendAgain(what)

    async def _settle(self, symbol: str, client_id: str, is_buy: bool, amount: Decimal,
                      expected: Decimal | None, what: str):
        """Lookups did not tell: the position does, or nothing more is sent."""
        if expected is None:
            return HedgeStatus.UNRESOLVED, f"{what}; no expected position to prove a resend by"
        signed = amount if is_buy else -amount
        step = self.rules(symbol).amount_step
        proof = await prove_by_position(lambda: self.position(symbol), signed, expected,
                                        self.lookup_lag_ms, step, client_id)
        if proof.proof is Proof.NOT_EXECUTED:
            raise _SendAgain(f"{what}; {proof.describe()}")
        if proof.proof is Proof.EXECUTED:
            return OrderLookup(client_id, "closed", proof.filled, None)
        return HedgeStatus.UNRESOLVED, f"{what}; {proof.describe()}"

    async def _look_up(self, symbol: str, client_id: str,
                       acknowledged: bool = False) -> OrderLookup | _NotFound | None:
        """The order under `client_id` once it is final; NOT_FOUND when the venue twice says it
        has none (never for an order it `acknowledged`); None when the venue could not tell
        before the lookup deadline."""
        deadline = monotonic_s() + self.settings.lookup_deadline_ms / 1000
        not_found = failures = pending = 0
        while monotonic_s() < deadline:
            try:
                found = await self.find_order(symbol, client_id)
            except Exception:  # the lookup itself is ambiguous: ask again after a pause
                failures += 1
                await asyncio.sleep(backoff_s(failures, self.settings.backoff_base_ms / 1000,
                                                 self.settings.backoff_max_ms / 1000))
                continue
            if found is not None and is_final_status(found.status):
                return found
            if found is not None:  # still matching: an IOC ends within moments
                pending += 1
                await asyncio.sleep(backoff_s(pending, self.settings.ack_poll_ms / 1000,
                                                 self.settings.backoff_max_ms / 1000))
                continue
            not_found += 1
            if not_found >= 2 and not acknowledged:
                return NOT_FOUND
            await asyncio.sleep(self.settings.lookup_grace_ms / 1000)
        return None


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _short(exc: BaseException, limit: int = 200) -> str:
    text = str(exc)
    return text if len(text) <= limit else text[:limit] + "..."
