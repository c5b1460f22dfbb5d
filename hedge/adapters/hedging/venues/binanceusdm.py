"""Binance USD-M futures: the reference venue (ccxt's unified behaviour fits it as is)."""
from __future__ import annotations

from hedge.adapters.hedging.venue_rules import CcxtVenueRules


class BinanceUsdmRules(CcxtVenueRules):
    """Client ids `lh-<order hex>-<cum filled>[-r<attempt>]` (newClientOrderId allows
    `.:/_-`, up to 36), found by origClientOrderId. A reduce-only order is exempt from
    MIN_NOTIONAL, so a small hedge may be padded and the excess bought back reduce-only."""

    exchange_id = "binanceusdm"
    credentials = ("apiKey", "secret")
    pad_small_hedges_ok = True
