"""Bybit's hedging rules: orderLinkId format, IOC params, tick rounding, minimum notional, lookup.

Facts these rules rest on (bybit v5 docs, ccxt 4.5.64):
- orderLinkId: letters, digits, `-` and `_`, at most 36 characters, and for perpetuals "always
  unique": a second order under a used id is refused (110072) even after the first one closed.
- A closing order is exempt from `minNotionalValue` (it must still meet `minOrderQty`), per
  bybit's Derivatives Trading Rules, so a small hedge may go out as reduce-only.
- ccxt does not put `lotSizeFilter.minNotionalValue` into `limits.cost.min`; it is read here.
- ccxt's fetch_order(None, ...) sends `orderId=None`, which bybit ranks above orderLinkId, so a
  lookup by link id goes through /v5/order/realtime (any status of the last 500 orders when
  queried by orderLinkId) and then /v5/order/history (older, or after a bybit restart).
"""
from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

from hedge.core.units import decimal_text, round_to_step

CLIENT_ID_PREFIX = "lh"
MAX_CLIENT_ID_LEN = 36
SERVER_ERROR = re.compile(r'"retCode"\s*:\s*10016\b')


class BybitRules:
    exchange_id = "bybit"
    credentials = ("apiKey", "secret")
    pad_small_hedges_ok = True
    client_id_rule = re.compile(r"[A-Za-z0-9_-]{1,36}")
    # Linear perpetuals only: ccxt's default loads spot, inverse and options too (ten
    # instruments-info requests instead of two). defaultType/SubType are ccxt's defaults, stated.
    ccxt_options = {"fetchMarkets": {"types": ["linear"]}, "defaultType": "swap",
                    "defaultSubType": "linear"}
    # ccxt's bybit watch_order_book takes only these depths (orderbook.1/50/200/1000 topics).
    book_stream_depth = 50
    duplicate_id_codes = ("110072",)       # "OrderLinkedID is duplicate": ccxt's InvalidOrder
    hedge_mode_codes = ("10001",)          # "position idx not match position mode"
    hedge_mode_hint = "position idx"
    position_mode_setting = ("Position Mode: One-Way (positionIdx 0; POST "
                             "/v5/position/switch-mode mode=0)")
    # Bybit documents that order data may lag (v5 order/open-order); no figure is published.
    lookup_lag_ms = 1500

    async def position_mode(self, exchange: Any, symbol: str) -> str:
        """Hedge mode shows as positionIdx 1/2 on the symbol's position rows (ccxt has no
        fetch_position_mode for bybit); one-way rows carry positionIdx 0."""
        for row in await exchange.fetch_positions([symbol]):
            if str((row.get("info") or {}).get("positionIdx", "0")) in ("1", "2"):
                return "hedge"
        return "one_way"

    def client_id(self, fill_key: tuple[int, Decimal], attempt: int) -> str:
        """`lh-<order index hex>-<cumulative filled, '.' as '_'>[-r<attempt>]`, or a digest of
        the same key when that would not fit 36 characters. Same key, same id."""
        order_index, cum_filled = fill_key
        cum = decimal_text(Decimal(cum_filled)).replace(".", "_")
        suffix = f"-r{attempt}" if attempt else ""
        readable = f"{CLIENT_ID_PREFIX}-{order_index:x}-{cum}{suffix}"
        if len(readable) <= MAX_CLIENT_ID_LEN and self.client_id_rule.fullmatch(readable):
            return readable
        digest = hashlib.sha256(f"{order_index}:{cum}:{attempt}".encode()).hexdigest()
        return f"{CLIENT_ID_PREFIX}h-{digest[:MAX_CLIENT_ID_LEN - 4]}"

    def order_params(self, client_id: str, reduce_only: bool) -> dict:
        """ccxt maps clientOrderId to orderLinkId; category comes from the market (linear)."""
        params: dict[str, Any] = {"timeInForce": "IOC", "clientOrderId": client_id}
        if reduce_only:
            params["reduceOnly"] = True
        return params

    def round_price(self, price: Decimal, market: dict, is_buy: bool) -> Decimal:
        """To the tick, never past the limit: a buy rounds down, a sell up."""
        tick = Decimal(str(market["precision"]["price"]))
        return round_to_step(price, tick, up=not is_buy).quantize(tick)

    def min_notional(self, market: dict) -> Decimal:
        lot = ((market.get("info") or {}).get("lotSizeFilter") or {})
        raw = lot.get("minNotionalValue")
        if raw in (None, ""):
            raw = ((market.get("limits") or {}).get("cost") or {}).get("min") or 0
        return Decimal(str(raw))

    def outcome_unknown(self, exc: BaseException) -> bool:
        """retCode 10016 (server error) is ExchangeError to ccxt, yet bybit does not say
        whether the order executed: it is looked up, never taken as a refusal."""
        return SERVER_ERROR.search(str(exc)) is not None

    async def find_order(self, exchange: Any, symbol: str, client_id: str) -> dict | None:
        """The newest order under `client_id`, open or closed; None when bybit has none."""
        params = {"orderLinkId": client_id}
        for fetch in (exchange.fetch_open_orders, exchange.fetch_canceled_and_closed_orders):
            for order in await fetch(symbol, None, None, dict(params)):
                if order.get("clientOrderId") == client_id:
                    return order
        return None
