"""Units every layer shares: basis points, snapping to a venue's grid, one text per amount."""
from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

BPS = Decimal(10_000)   # basis points in one


def round_to_step(value: Decimal, step: Decimal, up: bool) -> Decimal:
    """The multiple of `step` (a price tick, a lot) at or above `value` when `up`, else at or
    below it."""
    return (value / step).to_integral_value(ROUND_CEILING if up else ROUND_FLOOR) * step


def decimal_text(amount: Decimal) -> str:
    """One text per value, whatever the exponent: '1.5' for 1.50, '100' for 1E+2, '0' for 0.00.

    Keys built from amounts (fill keys, hedge client ids) use it, so that the same fill read
    from a frame, a journal or REST names the same thing.
    """
    return format(amount.normalize(), "f") if amount else "0"
