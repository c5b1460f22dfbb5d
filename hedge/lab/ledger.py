"""What one trial did, fill by fill and hedge by hedge, and the figures drawn from it.

The split of each fill (docs/LAB.md): for a Lighter bid filled at P and hedged by a sale at Ph,
spread = Hq - P (Hq: the hedge price the quote assumed), adverse = Hf - Hq (Hf: the hedge
book's price for the size when the fill was seen), latency = Hs - Hf (Hs: that price at
submit), execution = Ph - Hs, plus fees; an ask mirrors it. What was never hedged by the end
(a hedge still owed, a carry below the venue's minimum) is marked at the fair and counted in
execution, so the five parts add up to the PnL by construction.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MARKOUT_HORIZONS_S = (1, 5, 30)


@dataclass
class FillFact:
    t_s: float
    order_index: int
    side: str                 # bid | ask (our side on Lighter)
    size_base: float
    price: float              # P, Lighter quote currency
    assumed: float | None     # Hq (None: the quote keeper had forgotten it)
    seen: float               # Hf
    markouts_bps: dict[str, float] = field(default_factory=dict)

    @property
    def sign(self) -> int:
        return 1 if self.side == "bid" else -1


@dataclass
class HedgeFact:
    amount_base: float        # signed, as asked
    filled_base: float        # signed
    at_submit: float          # Hs
    price: float              # Ph (0 when nothing traded)
    seen: float | None        # Hf of the fill it hedges


@dataclass
class Ledger:
    quote_rate: float
    lighter_fee_bps: float
    hedge_fee_bps: float
    fills: list[FillFact] = field(default_factory=list)
    hedges: list[HedgeFact] = field(default_factory=list)
    requests: int = 0
    rate_limited: int = 0
    positions: list[tuple[float, float]] = field(default_factory=list)   # (t_s, |position|)
    quoting_samples: list[bool] = field(default_factory=list)

    def last_fill_of(self, order_index: int) -> FillFact | None:
        return next((f for f in reversed(self.fills) if f.order_index == order_index), None)

    def figures(self, end_fair: float, end_lighter_fair: float) -> dict:
        """The trial's figures (the `trials` entry of the JSON, params and timings aside)."""
        rate = self.quote_rate
        volume = sum(f.size_base * f.price * rate for f in self.fills)
        lighter_cash = sum(-f.sign * f.size_base * f.price * rate for f in self.fills)
        lighter_pos = sum(f.sign * f.size_base for f in self.fills)
        hedge_cash = sum(-h.filled_base * h.price for h in self.hedges)
        hedge_pos = sum(h.filled_base for h in self.hedges)
        fees = -(volume * self.lighter_fee_bps + sum(abs(h.filled_base) * h.price
                                                      for h in self.hedges) * self.hedge_fee_bps) / 1e4
        pnl = (lighter_cash + hedge_cash + lighter_pos * end_lighter_fair * rate
               + hedge_pos * end_fair + fees)
        spread = adverse = 0.0
        for f in self.fills:
            assumed = f.assumed if f.assumed is not None else f.seen
            spread += f.sign * (assumed - f.price * rate) * f.size_base
            adverse += f.sign * (f.seen - assumed) * f.size_base
        latency = sum(-h.filled_base * (h.at_submit - h.seen) for h in self.hedges
                      if h.seen is not None and h.filled_base)
        execution = pnl - spread - adverse - latency - fees
        n = len(self.fills)

        def bps(x: float) -> float | None:
            return x / volume * 1e4 if volume else None

        markouts = {side: {f"{h}s": _mean([f.markouts_bps[f"{h}s"] for f in self.fills
                                           if f.side == side and f"{h}s" in f.markouts_bps])
                           for h in MARKOUT_HORIZONS_S} for side in ("bid", "ask")}
        return {
            "fills": n, "volume_quote": round(volume, 6), "pnl_quote": round(pnl, 6),
            "pnl_per_fill_bps": bps(pnl), "pnl_per_million": pnl / volume * 1e6 if volume else None,
            "split_bps": {"spread": bps(spread), "adverse": bps(adverse), "latency": bps(latency),
                          "execution": bps(execution), "fees": bps(fees)},
            "markouts_bps": markouts,
            "fills_per_request": n / self.requests if self.requests else None,
            "max_abs_position_base": max((p for _, p in self.positions), default=0.0),
            "quoting_fraction": (sum(self.quoting_samples) / len(self.quoting_samples)
                                 if self.quoting_samples else 0.0),
            "rate_limited": self.rate_limited,
        }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
