"""Binance USD-M futures: the reference venue (ccxt's unified behaviour fits it as is)."""
from __future__ import annotations

from decimal import Decimal

from hedge.adapters.hedging.venue_rules import CcxtVenueRules, fill_key_digest
from hedge.core.hedge_order import hedge_client_id


class BinanceUsdmRules(CcxtVenueRules):
    """Client ids `lh-<order hex>-<cum filled>[-r<attempt>]` (newClientOrderId allows
    `.:/_-`, up to 36), found by origClientOrderId. A reduce-only order is exempt from
    MIN_NOTIONAL, so a small hedge may be padded and the excess bought back reduce-only."""

    exchange_id = "binanceusdm"
    credentials = ("apiKey", "secret")
    pad_small_hedges_ok = True
    # -4116: the id is in use by an OPEN order (binance forgets ids of closed orders, so a
    # resend of an IOC that executed executes again: only the position proves a resend safe).
    duplicate_id_codes = ("-4116",)
    hedge_mode_codes = ("-4061",)          # "Order's position side does not match user's setting"
    position_mode_setting = ("Position Mode: One-way (POST /fapi/v1/positionSide/dual "
                             "dualSidePosition=false)")
    lookup_lag_ms = 500                    # not published: an assumed margin for indexing

    def client_id(self, fill_key: tuple[int, Decimal], attempt: int) -> str:
        """The readable id where it fits 36 characters (as before, so a restart finds orders
        sent by earlier versions), else `lh-` + 32 hex digits of the fill key."""
        try:
            return hedge_client_id(*fill_key, attempt=attempt)
        except ValueError:
            return "lh-" + fill_key_digest(fill_key, attempt, 32)
