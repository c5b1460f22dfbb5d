"""OKX v5 swaps: clOrdId of letters and digits, amounts in contracts of `ctVal` base."""
from __future__ import annotations

import re
from decimal import Decimal

from hedge.adapters.hedging.venue_rules import CcxtVenueRules, fill_key_digest


class OkxRules(CcxtVenueRules):
    """clOrdId allows letters and digits only, up to 32: `lh` + 30 hex digits of the fill key.
    ccxt sends `timeInForce: IOC` on a limit order as ordType `ioc`, and looks an order up by
    clOrdId on trade/order. OKX has no minimum notional on swaps (the minimum is `minSz`
    contracts, which applies to reduce-only orders too), so small hedges are never padded."""

    exchange_id = "okx"
    credentials = ("apiKey", "secret", "password")
    pad_small_hedges_ok = False
    client_id_rule = re.compile(r"[A-Za-z0-9]{1,32}")
    # Swaps only: ccxt's default also loads spot, futures and options (three more requests).
    ccxt_options = {"fetchMarkets": {"types": ["swap"]}}
    duplicate_id_codes = ("51016",)        # "Duplicated clOrdId": ccxt raises InvalidOrder
    hedge_mode_codes = ("51000",)          # "Parameter posSide error" (51000 is any parameter)
    hedge_mode_hint = "posSide"
    position_mode_setting = ("Position mode: One-way (account config posMode net_mode; "
                             "POST /api/v5/account/set-position-mode)")
    lookup_lag_ms = 500                    # not published: an assumed margin for indexing

    def client_id(self, fill_key: tuple[int, Decimal], attempt: int) -> str:
        return "lh" + fill_key_digest(fill_key, attempt, 30)
