"""Where a hedged maker fill's PnL came from, in five terms that add up to it by construction.

For a Lighter bid filled at P and hedged by a sale filled at Ph (hedge prices in Lighter's
currency):
- spread    = Hq - P, Hq the hedge price the quote assumed when it was priced;
- adverse   = Hf - Hq, Hf the hedge book's price for the size when the fill was seen;
- latency   = Hs - Hf, Hs that price when the hedge was submitted;
- execution = Ph - Hs;
- fees      = -(maker fee on P + taker fee on Ph).
An ask mirrors it. Each term is in bp of the fill's notional, so spread + adverse + latency +
execution + fees is the fill's PnL in bp. A price that is unknown takes the next one's value
(its term is 0 and the neighbour absorbs it), so the sum holds whatever is missing. The lab,
trades.csv and the report all call this one function.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hedge.core.units import BPS

SPLIT_TERMS = ("spread", "adverse", "latency", "execution", "fees")


@dataclass(frozen=True)
class FillSplit:
    spread_bps: Decimal
    adverse_bps: Decimal
    latency_bps: Decimal
    execution_bps: Decimal
    fees_bps: Decimal

    @property
    def total_bps(self) -> Decimal:
        return (self.spread_bps + self.adverse_bps + self.latency_bps + self.execution_bps
                + self.fees_bps)

    def as_dict(self) -> dict[str, Decimal]:
        return {term: getattr(self, f"{term}_bps") for term in SPLIT_TERMS}


@dataclass(frozen=True)
class HedgeSplit:
    """One hedge leg's share of the maker fills it covered."""

    side: str                           # the maker fills' side
    fill_price: Decimal                 # their size-weighted average
    assumed: Decimal | None
    at_fill: Decimal | None
    at_submit: Decimal | None
    split: FillSplit


def fill_split(side: str, fill_price: Decimal, hedge_fill_price: Decimal,
               assumed: Decimal | None, at_fill: Decimal | None, at_submit: Decimal | None,
               maker_fee_bps: Decimal, taker_fee_bps: Decimal,
               quote_rate: Decimal = Decimal(1)) -> FillSplit:
    """The split of one maker fill on `side` ("bid"/"ask") hedged at `hedge_fill_price`."""
    ph = hedge_fill_price / quote_rate
    hs = at_submit / quote_rate if at_submit is not None else ph
    hf = at_fill / quote_rate if at_fill is not None else hs
    hq = assumed / quote_rate if assumed is not None else hf
    sign = 1 if side == "bid" else -1

    def bps(gain: Decimal) -> Decimal:
        return sign * gain / fill_price * BPS
    fees = -(maker_fee_bps * fill_price + taker_fee_bps * ph) / fill_price
    return FillSplit(bps(hq - fill_price), bps(hf - hq), bps(hs - hf), bps(ph - hs), fees)


def fill_pnl_quote(side: str, size: Decimal, fill_price: Decimal, hedge_fill_price: Decimal,
                   maker_fee_bps: Decimal, taker_fee_bps: Decimal,
                   quote_rate: Decimal = Decimal(1)) -> Decimal:
    """The fill's PnL in Lighter's currency: both legs' cash less both fees."""
    ph = hedge_fill_price / quote_rate
    gross = (ph - fill_price) if side == "bid" else (fill_price - ph)
    fees = (maker_fee_bps * fill_price + taker_fee_bps * ph) / BPS
    return size * (gross - fees)
