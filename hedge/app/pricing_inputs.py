"""What the adaptive pricing terms learn from the market as it runs: the hedge mid's
volatility, the Lighter-hedge basis, each side's 5 s markouts and the hedge book's depth.

The engine feeds it on every quote decision and every fill; it hands the quote decision the
MarketView fields those terms read (hedge/core/pricing.py holds the arithmetic).
"""
from __future__ import annotations

from collections import deque
from decimal import Decimal

from hedge.core.pricing import (MARKOUT_HORIZON_S, BasisEwma, MarkoutBuffer, MidVolatility,
                                PricingParams, markout_bps)

PENDING_MARKOUTS_MAX = 1000


class PricingInputs:
    def __init__(self, terms: PricingParams) -> None:
        self.terms = terms
        self.volatility = MidVolatility(terms.vol_window_s)
        self.basis = BasisEwma(terms.basis_ewma_s)
        self.markouts = MarkoutBuffer(terms.markout_window_fills)
        self._pending: deque[tuple[float, str, Decimal]] = deque(maxlen=PENDING_MARKOUTS_MAX)
        self._hedge_mid: Decimal | None = None

    def observe(self, now_s: float, lighter_bid: Decimal | None, lighter_ask: Decimal | None,
                hedge_sell: Decimal | None, hedge_buy: Decimal | None) -> None:
        """One decision's prices: the hedge mid (both sides' prices for the size) in Lighter's
        currency, and the Lighter mid when both books are there."""
        if hedge_sell is None or hedge_buy is None:
            return
        mid = (hedge_sell + hedge_buy) / 2 / self.terms.quote_rate
        self._hedge_mid = mid
        self.volatility.add(now_s, mid)
        if lighter_bid is not None and lighter_ask is not None and self.terms.basis_ewma_s > 0:
            self.basis.add(now_s, (lighter_bid + lighter_ask) / 2, mid)
        while self._pending and now_s - self._pending[0][0] >= MARKOUT_HORIZON_S:
            _, side, price = self._pending.popleft()
            self.markouts.add(side, markout_bps(side, price, mid))

    def on_fill(self, now_s: float, side: str, price: Decimal) -> None:
        if self.terms.markout_buffer:
            self._pending.append((now_s, side, price))

    def view_fields(self, depth_bid: Decimal | None, depth_ask: Decimal | None) -> dict:
        """The MarketView fields of the adaptive terms."""
        return {"vol_bps_per_sqrt_s": self.volatility.bps_per_sqrt_s(),
                "basis": self.basis.value,
                "bid_markout_bps": self.markouts.buffer_bps("bid"),
                "ask_markout_bps": self.markouts.buffer_bps("ask"),
                "hedge_bid_depth_base": depth_bid, "hedge_ask_depth_base": depth_ask}
