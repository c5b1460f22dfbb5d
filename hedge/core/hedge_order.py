"""Pure math of a hedge order: its client id, its IOC limit price, its tradable amount.

Kept apart from the ccxt adapter so that each rule that decides money (rounding direction,
truncation, the slippage cap) is tested on its own, without a venue.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterable

from hedge.core.units import BPS, decimal_text, round_to_step

CLIENT_ID_PATTERN = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")


def hedge_client_id(order_index: int, cum_filled_base: Decimal, attempt: int = 0,
                    prefix: str = "lh") -> str:
    """Deterministic client order id for the hedge of one fill delta.

    The fill key (order_index, cumulative filled) names the hedge, so a restart or a retry
    derives the same id and can look the order up instead of sending it again. `attempt` > 0
    names the hedge of a remainder after a partial fill. Fits Binance's 36-character charset.
    """
    body = f"{prefix}-{order_index:x}-{decimal_text(cum_filled_base)}"
    if attempt:
        body += f"-r{attempt}"
    if not CLIENT_ID_PATTERN.match(body):
        raise ValueError(f"hedge client id {body!r} does not fit {CLIENT_ID_PATTERN.pattern}")
    return body


def ioc_limit_price(levels: Iterable[tuple[Decimal, Decimal]], amount: Decimal, is_buy: bool,
                    max_slippage_bps: Decimal, tick: Decimal) -> Decimal | None:
    """Limit price of an IOC hedge: `max_slippage_bps` beyond the best level, never short of it.

    An IOC trades at the best prices available up to its limit, so the allowance costs nothing
    when the book is where we saw it, and it absorbs the move since we last read the book. The
    cap is rounded on the side that keeps it inside the allowance (ccxt's round-to-nearest
    could move it behind the touch). None when the book is empty. `amount` is not needed to
    price the cap; it is kept so callers state what they mean to take.
    """
    levels = list(levels)
    if not levels or amount <= 0:
        return None
    best = levels[0][0]
    sign = 1 if is_buy else -1
    cap = round_to_step(best * (1 + sign * max_slippage_bps / BPS), tick, up=not is_buy)
    return max(cap, best) if is_buy else min(cap, best)


def average_price(levels: Iterable[tuple[Decimal, Decimal]], amount: Decimal) -> Decimal | None:
    """Average price of taking `amount` from `levels` (best first); None if they are too thin."""
    if amount <= 0:
        return None
    left, notional = amount, Decimal(0)
    for price, size in levels:
        take = min(left, size)
        notional += take * price
        left -= take
        if left <= 0:
            return notional / amount
    return None


def depth_within_bps(levels: Iterable[tuple[Decimal, Decimal]], bps: Decimal) -> Decimal:
    """Base amount resting within `bps` of the best level (levels best first)."""
    total, best = Decimal(0), None
    for price, size in levels:
        best = price if best is None else best
        if abs(price - best) / best * 10_000 > bps:
            break
        total += size
    return total


def truncate_to_step(amount: Decimal, step: Decimal) -> Decimal:
    """Largest multiple of `step` not above |amount|, with the sign of `amount`."""
    magnitude = round_to_step(abs(amount), step, up=False)
    return magnitude if amount >= 0 else -magnitude


class ExposureLedger:
    """Signed base the hedge venue still owes; what is below one step waits for the next fill.

    A maker buy of x on Lighter owes a sell of x on the hedge venue: `owed` is the signed amount
    to trade there (negative = sell). Hedges reduce it by what they actually filled.
    """

    def __init__(self, step: Decimal, min_amount: Decimal) -> None:
        self.step = step
        self.min_amount = max(min_amount, step)
        self.owed = Decimal(0)

    def add_maker_fill(self, signed_base: Decimal) -> None:
        """A Lighter fill: +x for a maker buy, -x for a maker sell."""
        self.owed -= signed_base

    def add_hedge_fill(self, signed_base: Decimal) -> None:
        """A hedge fill: +x bought, -x sold on the hedge venue."""
        self.owed -= signed_base

    def next_order_amount(self) -> Decimal:
        """Signed amount to send now: `owed` truncated to the step, 0 below the minimum."""
        tradable = truncate_to_step(self.owed, self.step)
        return tradable if abs(tradable) >= self.min_amount else Decimal(0)
