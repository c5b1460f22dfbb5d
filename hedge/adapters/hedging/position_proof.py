"""Resend only on proof: an order whose outcome is unknown is settled by the venue's position.

An empty lookup proves nothing (bybit's order data lags; binance forgets closed ids), so before
a hedge is sent again the venue's position is read after the venue's lookup lag and compared
with what the journal expects. Unchanged: the first send never executed and a resend is safe.
Moved by at most the order's amount, in its direction: that is the order's outcome. Anything
else: unexplained, nothing more is sent.
"""
from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Awaitable, Callable

from loguru import logger

from hedge.infra.logs import HEDGE_TAG


class Proof(enum.Enum):
    NOT_EXECUTED = "not_executed"    # the position did not move: resend under the same id
    EXECUTED = "executed"            # the position moved by `filled`: take it as the outcome
    UNEXPLAINED = "unexplained"      # moved otherwise, or could not be read: send nothing


@dataclass(frozen=True)
class PositionProof:
    proof: Proof
    filled: Decimal = Decimal(0)     # signed base the order traded (EXECUTED)
    position: Decimal | None = None  # what the venue said
    expected: Decimal | None = None  # what the journal expects without this order

    def describe(self) -> str:
        return (f"position {self.position} against {self.expected} expected without it: "
                f"{self.proof.value}" + (f" {self.filled}" if self.filled else ""))


async def prove_by_position(read_position: Callable[[], Awaitable[Decimal]], amount: Decimal,
                            expected_before: Decimal, lag_ms: int, step: Decimal,
                            client_id: str = "") -> PositionProof:
    """Wait the venue's lookup lag, read the position, judge `amount` (signed) by it."""
    await asyncio.sleep(lag_ms / 1000)
    try:
        position = await read_position()
    except Exception as exc:  # no proof either way: never resend on a failed read
        logger.warning("{} position read for {} failed: {}: {}", HEDGE_TAG, client_id or "-",
                       type(exc).__name__, exc)
        return PositionProof(Proof.UNEXPLAINED, expected=expected_before)
    result = judge(position, amount, expected_before, step)
    logger.info("{} {} settled by the position after {} ms: {}", HEDGE_TAG, client_id or "order",
                lag_ms, result.describe())
    return result


def judge(position: Decimal, amount: Decimal, expected_before: Decimal,
          step: Decimal) -> PositionProof:
    """The pure part: what the move from `expected_before` says about an order of `amount`."""
    moved = position - expected_before
    tolerance = step / 2
    if abs(moved) <= tolerance:
        return PositionProof(Proof.NOT_EXECUTED, Decimal(0), position, expected_before)
    same_way = (moved > 0) == (amount > 0)
    if same_way and abs(moved) <= abs(amount) + tolerance:
        return PositionProof(Proof.EXECUTED, moved, position, expected_before)
    return PositionProof(Proof.UNEXPLAINED, Decimal(0), position, expected_before)
