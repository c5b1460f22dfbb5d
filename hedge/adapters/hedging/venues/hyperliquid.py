"""Hedging rules of Hyperliquid perps through ccxt's `hyperliquid` class.

- Credentials: a wallet address and a private key (the wallet's, or an API wallet's approved
  for it); no API key or secret.
- Client id: a `cloid`, `0x` and 32 lower-case hex digits (128 bits), derived from the fill key
  and attempt by hashing, so a restart derives the same id and looks the order up.
- Prices: at most 5 significant figures and at most 6 - szDecimals decimals (an integer price is
  always valid). ccxt's own `price_to_precision` rounds to nearest, which can move an IOC cap
  past the limit the bot chose; `round_price` rounds towards the passive side first.
- Minimum order value: $10, applied by the venue only (ccxt does not check it). Hyperliquid
  documents no reduce-only exemption (API docs, "Error responses": MinTradeNtl), so small hedges
  are not padded into reduce-only orders.
- Lookup: `fetch_order(None, symbol, {"clientOrderId": cloid})` sends `orderStatus` with the
  cloid; an unknown cloid answers `unknownOid`, which ccxt raises as OrderNotFound. An IOC that
  could not match at all is recorded by the venue and found with status "rejected", filled 0.
  `orderStatus` carries no average price, so a found order that traded gets its average from
  its fills (`userFillsByTime`, one more request).
- Answers: create_order's answer has the fill totals but no status or side (ccxt leaves them
  None); an IOC that cannot match at all is refused as InvalidOrder ("Order could not
  immediately match against any resting orders."), which is an IOC's ordinary end with nothing
  filled, not a refusal of the hedge: `outcome_unknown` sends it to the lookup, which finds it
  rejected with 0 filled.
"""
from __future__ import annotations

import hashlib
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from ccxt.base.errors import InvalidOrder, OrderNotFound

MAX_PERP_DECIMALS = 6
MAX_SIGNIFICANT_FIGURES = 5
MIN_ORDER_VALUE_USD = Decimal(10)
IOC_NO_MATCH = "Order could not immediately match against any resting orders."


def _sz_decimals(market: dict) -> int:
    """szDecimals from the market's raw meta entry, else from ccxt's amount precision."""
    raw = (market.get("info") or {}).get("szDecimals")
    if raw is not None:
        return int(raw)
    step = Decimal(str(market["precision"]["amount"])).normalize()
    return max(0, -step.as_tuple().exponent)   # type: ignore[operator]


class HyperliquidRules:
    exchange_id = "hyperliquid"
    credentials = ("walletAddress", "privateKey")
    pad_small_hedges_ok = False
    client_id_rule: re.Pattern[str] = re.compile(r"0x[0-9a-f]{32}")
    # Perps only (ccxt's default adds spot and HIP-3 requests). builderFee False: ccxt approves
    # a 0% fee for its builder once at load_markets and tags orders f=0 (by default it approves
    # 0.01% and every order pays it). refSet True: no setReferrer("CCXT1") action. Do not set
    # approvedBuilderFee unless the wallet approved ccxt's builder: orders would carry a builder
    # the account never approved. With an API-wallet key the approval is refused (it needs the
    # main wallet) and ccxt retries it before every order; approve once with the wallet's key,
    # then run the API wallet with hedge.approved_builder_fee: true (approvedBuilderFee).
    ccxt_options = {"fetchMarkets": {"types": ["swap"]}, "builderFee": False, "refSet": True}
    # A reused cloid: no documented answer (none is assumed); lookups and the position decide.
    duplicate_id_codes: tuple[str, ...] = ()
    hedge_mode_codes: tuple[str, ...] = ()
    position_mode_setting = "none (Hyperliquid has no position modes)"
    lookup_lag_ms = 500                    # not published: an assumed margin for indexing

    async def position_mode(self, exchange: Any, symbol: str) -> str:
        """Hyperliquid positions are always net (one-way)."""
        return "one_way"

    def client_id(self, fill_key: tuple[int, Decimal], attempt: int) -> str:
        """128 bits of sha256 over the canonical fill key and attempt."""
        order_index, cum_filled = fill_key
        canonical = f"{order_index}:{format(Decimal(cum_filled).normalize(), 'f')}:{attempt}"
        return "0x" + hashlib.sha256(canonical.encode()).hexdigest()[:32]

    def order_params(self, client_id: str, reduce_only: bool) -> dict:
        """ccxt params of an IOC limit hedge: create_order(symbol, "limit", side, amount, price)."""
        return {"timeInForce": "Ioc", "clientOrderId": client_id, "reduceOnly": reduce_only}

    def round_price(self, price: Decimal, market: dict, is_buy: bool) -> Decimal:
        """The valid price nearest `price` that is not past it: a buy rounds down, a sell up."""
        if not price.is_finite() or price <= 0:
            raise ValueError(f"hedge price {price} must be a positive number")
        max_decimals = MAX_PERP_DECIMALS - _sz_decimals(market)
        figures_decimals = (MAX_SIGNIFICANT_FIGURES - 1) - price.adjusted()
        decimals = max(0, min(figures_decimals, max_decimals))
        step = Decimal(1).scaleb(-decimals)
        rounded = price.quantize(step, rounding=ROUND_FLOOR if is_buy else ROUND_CEILING)
        if rounded <= 0:
            raise ValueError(f"hedge price {price} rounds to {rounded}: below the venue's "
                             f"smallest price step {step}")
        return rounded

    def min_notional(self, market: dict) -> Decimal:
        return MIN_ORDER_VALUE_USD

    def outcome_unknown(self, exc: BaseException) -> bool:
        """An IOC that found nothing to match: look it up (rejected, 0 filled), as the IOC
        that expired unfilled is on other venues, rather than giving the hedge up."""
        return isinstance(exc, InvalidOrder) and IOC_NO_MATCH in str(exc)

    async def find_order(self, exchange: Any, symbol: str, client_id: str) -> dict | None:
        """The order carrying `client_id` (with its average price when it traded), or None
        when the venue has no such cloid."""
        try:
            order = await exchange.fetch_order(None, symbol, {"clientOrderId": client_id})
        except OrderNotFound:
            return None
        if order.get("filled") and order.get("average") is None:
            trades = [t for t in await exchange.fetch_my_trades(symbol, order.get("timestamp"))
                      if str(t.get("order")) == str(order.get("id"))]
            amount = sum((Decimal(str(t["amount"])) for t in trades), Decimal(0))
            if amount:
                cost = sum((Decimal(str(t["amount"])) * Decimal(str(t["price"]))
                            for t in trades), Decimal(0))
                order["average"], order["cost"] = float(cost / amount), float(cost)
        return order
