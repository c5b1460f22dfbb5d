"""Which maker fills each hedge covered, and the five-way split of their PnL (trades.csv).

Maker fills wait here until a hedge in their direction fills (a sale covers bids, a purchase
asks), oldest first; a hedge leg that covers several fills splits their size-weighted average,
so the split still adds up to their PnL. Legs that trade the other way (a padded hedge's
reduce-only buy-back) cover nothing and carry no split.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from hedge.core.fill_split import HedgeSplit, fill_split

PENDING_FILLS_MAX = 500        # fills netted away never get a hedge of their own: bounded


@dataclass
class PendingFill:
    side: str
    size: Decimal
    price: Decimal
    assumed: Decimal | None
    at_fill: Decimal | None


class FillAttribution:
    def __init__(self, maker_fee_bps: Decimal = Decimal(0), taker_fee_bps: Decimal = Decimal(0),
                 quote_rate: Decimal = Decimal(1)) -> None:
        self.maker_fee_bps = maker_fee_bps
        self.taker_fee_bps = taker_fee_bps
        self.quote_rate = quote_rate
        self._pending: deque[PendingFill] = deque(maxlen=PENDING_FILLS_MAX)

    def add_fill(self, side: str, size: Decimal, price: Decimal, assumed: Decimal | None,
                 at_fill: Decimal | None) -> None:
        self._pending.append(PendingFill(side, size, price, assumed, at_fill))

    def hedged(self, filled: Decimal, hedge_price: Decimal | None,
               at_submit: Decimal | None) -> HedgeSplit | None:
        """A hedge leg filled `filled` (signed: + bought) at `hedge_price`: the split of the
        fills it covered (None when it covered none or its price is unknown)."""
        side = "ask" if filled > 0 else "bid"
        left, taken = abs(filled), []
        for fill in list(self._pending):
            if left <= 0:
                break
            if fill.side != side:
                continue
            take = min(left, fill.size)
            taken.append((take, fill))
            fill.size -= take
            left -= take
            if fill.size <= 0:
                self._pending.remove(fill)
        if not taken or hedge_price is None:
            return None
        size = sum(take for take, _ in taken)
        price = sum(take * f.price for take, f in taken) / size
        assumed = _weighted([(take, f.assumed) for take, f in taken])
        at_fill = _weighted([(take, f.at_fill) for take, f in taken])
        split = fill_split(side, price, hedge_price, assumed, at_fill, at_submit,
                           self.maker_fee_bps, self.taker_fee_bps, self.quote_rate)
        return HedgeSplit(side, price, assumed, at_fill, at_submit, split)


def _weighted(values: list[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """Size-weighted average; None when any value is unknown (the split then passes over it)."""
    if any(v is None for _, v in values):
        return None
    total = sum(take for take, _ in values)
    return sum(take * v for take, v in values) / total
