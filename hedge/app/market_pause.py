"""One market's pause: set by its own limit, lifted (or not) by what caused it.

`core/risk.limit_action` says what a reason does. A lost stream or an unreachable hedge venue
pauses until its cause has been clear for `risk.resume_after_s`; a loss limit or a position
mismatch pauses for good (the runner stops once every market is paused that way). The market's
exposure limits are checked all along by its watch loop, paused or not.
"""
from __future__ import annotations

from loguru import logger

from hedge.core.risk import PAUSE_FOR_GOOD, PAUSE_UNTIL_CLEAR, limit_action
from hedge.infra import events


def pause_market(engine, reason: str) -> None:
    engine.state.paused_reason = reason
    engine.state.cause_clear_since_s = None
    logger.error("MARKET PAUSED {}: {}", engine.spec.symbol, reason)
    events.emit(events.MARKET_PAUSED, engine.spec.symbol, reason=reason)


def pause_or_resume(engine, reason: str | None) -> None:
    """One watch step: pause for `reason` (a lasting reason replaces a lifting one), or lift a
    lifting pause whose cause has stayed clear long enough."""
    paused = engine.state.paused_reason
    if reason and (not paused or (limit_action(paused) == PAUSE_UNTIL_CLEAR
                                  and limit_action(reason) == PAUSE_FOR_GOOD)):
        engine.pause(reason)
        return
    if not paused or limit_action(paused) != PAUSE_UNTIL_CLEAR:
        return
    if not cause_clear(engine):
        engine.state.cause_clear_since_s = None
        return
    now = engine.clock.now_s()
    if engine.state.cause_clear_since_s is None:
        engine.state.cause_clear_since_s = now
    elif now - engine.state.cause_clear_since_s >= engine.settings.resume_after_s:
        if paused.startswith("hedge_failures"):
            engine.desk.stats.consecutive_failures = 0    # the venue has answered since
        engine.state.paused_reason = ""
        engine.state.cause_clear_since_s = None
        logger.warning("MARKET RESUMED {}: {} clear for {} s", engine.spec.symbol, paused,
                       engine.settings.resume_after_s)
        events.emit(events.MARKET_RESUMED, engine.spec.symbol, reason=paused)


def cause_clear(engine) -> bool:
    """A lost stream: frames arrive again. An unreachable hedge venue: its book is fresh and
    nothing is owed or unknown (the retries got through)."""
    paused = engine.state.paused_reason
    if paused.startswith("stale_stream"):
        return engine.stream_silent_ms() <= engine.limits.stale_stream_ms
    return (engine.desk.ledger.next_order_amount() == 0 and not engine.desk.unresolved
            and engine.hedge_venue.executable_price(engine.hedge_symbol,
                                                    engine.params.order_size, True) is not None)
