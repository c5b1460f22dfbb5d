"""What differs between hedge venues behind one ccxt interface: ids, params, rounding, lookups.

Each supported venue has one small rules class (hedge/adapters/hedging/venues/). Everything a
venue does the same way as every other (contract size, IOC pricing, retries) stays in
CcxtHedgeVenue; only what the venue itself decides lives here.
"""
from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from ccxt.base import errors as ccxt_errors

from hedge.core.hedge_order import CLIENT_ID_PATTERN, hedge_client_id
from hedge.core.types import fill_key_text
from hedge.core.units import round_to_step


@runtime_checkable
class VenueRules(Protocol):
    exchange_id: str                      # ccxt id: "binanceusdm", "okx", "bybit", "hyperliquid"
    credentials: tuple[str, ...]          # ccxt attribute names required, e.g. ("apiKey", "secret")
    pad_small_hedges_ok: bool             # reduce-only verified exempt from the minimum notional
    client_id_rule: re.Pattern[str]       # what the venue accepts (fullmatch)

    def client_id(self, fill_key: tuple[int, Decimal], attempt: int) -> str:
        """Deterministic in (fill_key, attempt), and fullmatches `client_id_rule`."""

    def order_params(self, client_id: str, reduce_only: bool) -> dict:
        """ccxt params for create_order(symbol, "limit", side, amount, price, params)."""

    def round_price(self, price: Decimal, market: dict, is_buy: bool) -> Decimal:
        """The venue's price grid; never past the slippage cap (buy rounds down, sell up)."""

    def min_notional(self, market: dict) -> Decimal:
        """Smallest order value the venue accepts, in quote currency (0 = none)."""

    async def find_order(self, exchange: Any, symbol: str, client_id: str) -> dict | None:
        """The ccxt order dict, or None when the venue says no order has this client id."""


FINAL_STATUSES = frozenset({"closed", "canceled", "expired", "rejected"})


def is_final_status(status: str | None) -> bool:
    """ccxt's unified statuses after which an order no longer trades."""
    return status in FINAL_STATUSES


def answer_is_final(rules: Any, order: dict) -> bool:
    """Whether a create_order answer already tells the order's outcome. A venue's rules may
    define `answer_is_final(order)`; by default the unified status must be a final one, so an
    acknowledgement (okx, bybit: status None) is followed by a lookup."""
    own = getattr(rules, "answer_is_final", None)
    return own(order) if own is not None else is_final_status(order.get("status"))


def fill_key_digest(fill_key: tuple[int, Decimal], attempt: int, hex_chars: int) -> str:
    """`hex_chars` lowercase hex digits derived from the fill key: for venues whose client id
    alphabet cannot spell a decimal amount."""
    canonical = f"{fill_key_text(*fill_key)}:{attempt}"   # 0.0150 and 0.015: one key
    return hashlib.sha256(canonical.encode()).hexdigest()[:hex_chars]


ONE_WAY = "one_way"
HEDGE_MODE = "hedge"
DEFAULT_LOOKUP_LAG_MS = 500


def _code_pattern(codes: tuple[str, ...]) -> re.Pattern[str] | None:
    if not codes:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(c) for c in codes) + r")(?!\d)")


def answer_has_code(codes: tuple[str, ...], exc: BaseException) -> bool:
    """Whether a venue error's text carries one of the venue's own `codes` (ccxt keeps the
    venue's body in the message)."""
    pattern = _code_pattern(codes)
    return pattern is not None and pattern.search(str(exc)) is not None


def is_duplicate_id(rules: Any, exc: BaseException) -> bool:
    """The venue's "an order under this client id exists": look it up, never resend."""
    return answer_has_code(getattr(rules, "duplicate_id_codes", ()), exc)


def needs_side_field(rules: Any, exc: BaseException) -> bool:
    """The venue refused an order for lacking its position-side field: hedge position mode."""
    hint = getattr(rules, "hedge_mode_hint", "")
    return answer_has_code(getattr(rules, "hedge_mode_codes", ()), exc) and hint in str(exc)


def lookup_lag_ms(rules: Any) -> int:
    """How long an executed order may stay invisible to lookups on this venue."""
    return int(getattr(rules, "lookup_lag_ms", DEFAULT_LOOKUP_LAG_MS))


async def read_position_mode(rules: Any, exchange: Any, symbol: str) -> str:
    """ONE_WAY or HEDGE_MODE as the venue reports the account's setting (rules may define
    `position_mode(exchange, symbol)`; the default asks ccxt's fetch_position_mode)."""
    own = getattr(rules, "position_mode", None)
    if own is not None:
        return await own(exchange, symbol)
    answer = await exchange.fetch_position_mode(symbol)
    return HEDGE_MODE if answer.get("hedged") else ONE_WAY


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


class CcxtVenueRules:
    """ccxt's unified behaviour: the rules of a venue nobody verified (and the base of the
    verified ones). Client ids use Binance's charset, amounts and prices ccxt's precision.

    Optional beyond the VenueRules protocol (CcxtHedgeVenue reads them with a default):
    `ccxt_options`, merged into the ccxt exchange's options; `answer_is_final(order)`, whether
    a create_order answer tells the outcome without a lookup; `outcome_unknown(exc)`, True for
    a venue error ccxt files as a refusal although the order may have executed (looked up).
    """

    exchange_id: str = "generic"
    credentials: tuple[str, ...] = ("apiKey", "secret")
    pad_small_hedges_ok: bool = False
    client_id_rule: re.Pattern[str] = CLIENT_ID_PATTERN
    ccxt_options: dict[str, Any] = {}
    duplicate_id_codes: tuple[str, ...] = ()   # the venue's "this client id exists" answers
    hedge_mode_codes: tuple[str, ...] = ()     # "the position-side field is missing"
    position_mode_setting: str = "position mode"   # what the operator changes, by its name
    lookup_lag_ms: int = DEFAULT_LOOKUP_LAG_MS

    def __init__(self, exchange_id: str | None = None) -> None:
        if exchange_id is not None:
            self.exchange_id = exchange_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.exchange_id})"

    def client_id(self, fill_key: tuple[int, Decimal], attempt: int) -> str:
        return hedge_client_id(*fill_key, attempt=attempt)

    def order_params(self, client_id: str, reduce_only: bool) -> dict:
        params: dict[str, Any] = {"timeInForce": "IOC", "clientOrderId": client_id}
        if reduce_only:
            params["reduceOnly"] = True
        return params

    def round_price(self, price: Decimal, market: dict, is_buy: bool) -> Decimal:
        tick = (market.get("precision") or {}).get("price")
        if not tick:
            return price
        return round_to_step(price, _dec(tick), up=not is_buy)

    def min_notional(self, market: dict) -> Decimal:
        cost = ((market.get("limits") or {}).get("cost") or {}).get("min")
        return _dec(cost) if cost else Decimal(0)

    async def find_order(self, exchange: Any, symbol: str, client_id: str) -> dict | None:
        try:
            return await exchange.fetch_order(None, symbol, {"clientOrderId": client_id})
        except ccxt_errors.OrderNotFound:
            return None
