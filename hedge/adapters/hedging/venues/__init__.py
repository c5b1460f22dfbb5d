"""The hedge venues whose rules were verified, by ccxt id; anything else only on request."""
from __future__ import annotations

import importlib

from hedge.adapters.hedging.venue_rules import CcxtVenueRules, VenueRules

# ccxt id -> "module:class" under this package (imported on first use).
_VERIFIED: dict[str, str] = {
    "binanceusdm": "binanceusdm:BinanceUsdmRules",
    "bybit": "bybit:BybitRules",
    "hyperliquid": "hyperliquid:HyperliquidRules",
    "okx": "okx:OkxRules",
}


class UnsupportedVenueError(ValueError):
    """The configured hedge venue has no verified rules and the operator did not opt in."""


def supported_venues() -> tuple[str, ...]:
    return tuple(sorted(_VERIFIED))


def is_verified(exchange_id: str) -> bool:
    return exchange_id in _VERIFIED


def rules_for(exchange_id: str, allow_untested: bool = False) -> VenueRules:
    """The rules of `exchange_id`; a generic ccxt rules object for an unverified venue when
    `allow_untested` (the caller warns), else UnsupportedVenueError naming the supported ones."""
    target = _VERIFIED.get(exchange_id)
    if target is None:
        if allow_untested:
            return CcxtVenueRules(exchange_id)
        raise UnsupportedVenueError(
            f"hedge.exchange {exchange_id!r} is not a verified hedge venue; supported: "
            f"{', '.join(supported_venues())}. To try it anyway set "
            "hedge.allow_untested_venue: true (client ids, lookups and minimums are then "
            "ccxt's defaults, unverified)")
    module_name, class_name = target.split(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, class_name)()
