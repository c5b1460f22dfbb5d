"""The kill switch's decision: given what the bot knows now, must it stop, and why."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class RiskLimits:
    max_unhedged_base: Decimal
    max_unhedged_age_ms: int
    max_hedge_failures: int
    stale_stream_ms: int
    max_loss_quote: Decimal


@dataclass(frozen=True)
class RiskSnapshot:
    unhedged_base: Decimal             # |Lighter position + hedge position|, base units
    oldest_unhedged_age_ms: int        # 0 when everything is hedged
    consecutive_hedge_failures: int
    stream_silent_ms: int              # since the last frame on the account stream
    pnl_quote: Decimal
    halted_reason: str = ""            # a hedge venue that refuses our credentials, say


def kill_reason(now: RiskSnapshot, limits: RiskLimits) -> str | None:
    """The first limit broken, as `kill_switch:<why>`'s `<why>`, or None."""
    if now.halted_reason:
        return f"hedge_halted ({now.halted_reason})"
    if now.oldest_unhedged_age_ms > limits.max_unhedged_age_ms:
        return (f"unhedged_age ({now.oldest_unhedged_age_ms} ms > "
                f"{limits.max_unhedged_age_ms} ms)")
    if now.unhedged_base > limits.max_unhedged_base:
        return f"unhedged_size ({now.unhedged_base} > {limits.max_unhedged_base})"
    if now.consecutive_hedge_failures >= limits.max_hedge_failures:
        return f"hedge_failures ({now.consecutive_hedge_failures} in a row)"
    if now.stream_silent_ms > limits.stale_stream_ms:
        return f"stale_stream ({now.stream_silent_ms} ms without a frame)"
    if now.pnl_quote < -limits.max_loss_quote:
        return f"loss ({now.pnl_quote} < -{limits.max_loss_quote})"
    return None


# What a broken limit does to its market. Exposure stops the whole run (checked on a paused
# market too); a lost stream or an unreachable hedge venue pauses the market until its cause
# has been clear for `risk.resume_after_s`; any other limit (the loss limit, a position
# mismatch) pauses it until the operator restarts.
STOP_ALL = "stop_all"
PAUSE_UNTIL_CLEAR = "pause_until_clear"
PAUSE_FOR_GOOD = "pause_for_good"
_STOP_ALL_REASONS = ("hedge_halted", "unhedged_age", "unhedged_size")
_LIFTING_REASONS = ("stale_stream", "hedge_failures")


def limit_action(reason: str) -> str:
    """STOP_ALL, PAUSE_UNTIL_CLEAR or PAUSE_FOR_GOOD for a `kill_reason` (or a mismatch)."""
    if reason.startswith(_STOP_ALL_REASONS):
        return STOP_ALL
    if reason.startswith(_LIFTING_REASONS):
        return PAUSE_UNTIL_CLEAR
    return PAUSE_FOR_GOOD
