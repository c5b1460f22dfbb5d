"""summary.json from a finished run: totals at the top, one block per market under `markets`.

Positions come from the venues themselves. Account-wide Lighter figures (requests, 429s, quota)
exist once and stay at the top; base amounts of different assets do not add up, so the top
level also gives notional in quote currency (`filled_quote`, `net_quote`).
"""
from __future__ import annotations

import asyncio
from decimal import Decimal

from loguru import logger

from hedge.adapters.lighter.ws_client import LighterWsClient
from hedge.app.engine import Engine
from hedge.app.session import Session
from hedge.infra.config_schema import BotConfig
from hedge.infra.run_files import HedgeBookCounters, RunSummary, _amount

STOP_STEP_TIMEOUT_S = 10.0       # a stop step or summary read that talks to a venue, at most


async def fill_summary(summary: RunSummary, session: Session, engines: list[Engine],
                       ws: LighterWsClient, config: BotConfig, dead_mans_switch,
                       ask_venues: bool = True) -> None:
    """Counters from the run, positions from the venues themselves (`ask_venues` False: the
    bot's own positions, for the summaries written while the run goes)."""
    oc = session.orders.counters
    summary.lighter.orders_placed = oc.orders_placed
    summary.lighter.orders_modified = oc.orders_modified
    summary.lighter.orders_canceled = oc.orders_canceled
    try:
        lighter_positions = None if not ask_venues else await asyncio.wait_for(
            session.rest.account_positions(session.account_index), STOP_STEP_TIMEOUT_S)
    except Exception as exc:
        logger.warning("summary: Lighter positions not readable from the venue ({}: {}); using "
                       "the bot's own figures", type(exc).__name__, exc)
        lighter_positions = None
    totals = {"lighter_quote": Decimal(0), "hedge_quote": Decimal(0), "net_quote": Decimal(0)}
    for engine in engines:
        desk, st, spec = engine.desk, engine.desk.stats, engine.spec
        summary.lighter.post_only_rejects += engine.quotes.counters.post_only_rejects
        summary.lighter.fills += st.maker_fills
        summary.lighter.filled_base += st.maker_filled_abs
        summary.lighter.volume_quote += st.maker_notional
        summary.hedge.orders += st.orders
        summary.hedge.filled_base += st.hedge_filled_abs
        summary.hedge.failures += st.failures
        summary.fill_to_hedge_submit_ms.merge(st.submit_ms)
        summary.fill_to_hedge_ack_ms.merge(st.ack_ms)
        summary.hedge_book_age_at_quote_ms.merge(engine.book_age_at_quote_ms)
        summary.hedge_book_age_at_hedge_ms.merge(st.book_age_ms)
        feed = session.hedge.feed(engine.hedge_symbol)
        book = {"streamed": feed.stream_updates > 0, "resyncs": feed.resyncs,
                "stream_failures": feed.stream_failures, "polls": feed.polls}
        totals["streamed"] = totals.get("streamed", False) or book["streamed"]
        for key in ("resyncs", "stream_failures", "polls"):
            totals[key] = totals.get(key, 0) + book[key]
        lighter_base = (lighter_positions.get(spec.market_id, Decimal(0))
                        if lighter_positions is not None else engine.state.lighter_position)
        hedge_base = desk.hedge_position if not ask_venues else await _ask_venue(
            session.hedge.position(engine.hedge_symbol), desk.hedge_position,
            f"hedge position {engine.hedge_symbol}")
        summary.position.lighter_base += lighter_base
        summary.position.hedge_base += hedge_base
        mid = engine.mid() or Decimal(0)
        lighter_quote = st.maker_notional
        totals["lighter_quote"] += lighter_quote
        totals["hedge_quote"] += st.hedge_notional
        totals["net_quote"] += (lighter_base + hedge_base) * mid
        summary.markets[spec.symbol] = {
            "hedge_symbol": engine.hedge_symbol,
            "paused": engine.state.paused_reason,
            "lighter": {"post_only_rejects": engine.quotes.counters.post_only_rejects,
                        "fills": st.maker_fills, "filled_base": _amount(st.maker_filled_abs),
                        "volume_quote": _amount(_q(lighter_quote))},
            "hedge": {"orders": st.orders, "filled_base": _amount(st.hedge_filled_abs),
                      "filled_quote": _amount(_q(st.hedge_notional)), "failures": st.failures,
                      "book": book},
            "position": {"lighter_base": _amount(lighter_base), "hedge_base": _amount(hedge_base),
                         "net_base": _amount(lighter_base + hedge_base),
                         "net_quote": _amount(_q((lighter_base + hedge_base) * mid))},
            "pnl_quote": _amount(_q(desk.pnl_quote(engine.mid(), config.hedge.taker_fee_bps))),
        }
    summary.hedge.filled_quote = _q(totals["hedge_quote"])
    summary.position.net_quote = _q(totals["net_quote"])
    summary.hedge.book = HedgeBookCounters(bool(totals.get("streamed")), totals.get("resyncs", 0),
                                           totals.get("stream_failures", 0), totals.get("polls", 0))
    wc = ws.counters
    summary.ws.frames_in, summary.ws.reconnects = wc.frames_in, wc.reconnects
    summary.ws.book_resyncs, summary.ws.unexpected_frames = wc.book_resyncs, wc.unexpected_frames
    summary.ws.dropped_entries = wc.dropped_entries
    rel = summary.reliability
    for engine in engines:
        desk, st = engine.desk, engine.desk.stats
        check = engine.detector.cross_check()
        rel.fills_lost += len(check.trades_without_fill)
        step = session.hedge_rules[engine.hedge_symbol].amount_step
        overshoot = desk.maker_filled_base + st.filled_base
        rel.double_hedges += int(overshoot != 0 and abs(overshoot) >= step
                                 and (overshoot > 0) == (st.filled_base > 0))
        rel.max_unhedged_ms = max(rel.max_unhedged_ms, round(st.max_unhedged_ms, 3))
        rel.max_unhedged_base = max(rel.max_unhedged_base, st.max_unhedged_base)
        # owed at the stop and not tradable on its own: carried below the minimum notional,
        # or below one amount step (a partial fill smaller than the hedge venue's step)
        if desk.carry or desk.ledger.next_order_amount() == 0:
            rel.hedge_carry_base += desk.ledger.owed
        rel.duplicate_frames_ignored += (engine.detector.stale_frames
                                         + engine.detector.repeated_fills)
        rel.ambiguous_hedges_resolved += st.lookups
        summary.pnl_quote += desk.pnl_quote(engine.mid(), config.hedge.taker_fee_bps)
    summary.pnl_quote = _q(summary.pnl_quote)
    notional = sum((e.desk.stats.maker_notional for e in engines), Decimal(0))
    hedged = sum((e.desk.stats.hedge_notional for e in engines), Decimal(0))
    summary.fees.lighter_maker_bps = config.strategy.maker_fee_bps
    summary.fees.hedge_taker_bps = config.hedge.taker_fee_bps
    summary.fees.lighter_quote = notional * config.strategy.maker_fee_bps / 10_000
    summary.fees.hedge_quote = hedged * config.hedge.taker_fee_bps / 10_000
    rel.disconnects_survived = wc.reconnects
    rel.reconnect_ms = wc.reconnect_ms
    _fill_request_figures(summary, session, engines, config, dead_mans_switch, log=ask_venues)


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.000001"))


def _fill_request_figures(summary: RunSummary, session: Session, engines: list[Engine],
                          config: BotConfig, dead_mans_switch, log: bool = True) -> None:
    """The request budget's figures: what the run cost in requests, and what it met."""
    lc, budget = summary.lighter, session.orders.budget
    lc.account_tier = config.lighter.account_tier
    lc.requests = budget.stats.requests
    lc.max_requests_per_min = budget.stats.max_in_window
    lc.rate_limited = session.orders.counters.rate_limited + session.rest.rate_limited
    skipped = 0
    for engine in engines:
        qc = engine.quotes.counters
        lc.tx_latency_ms.merge(qc.tx_latency_ms)
        lc.silent_rejects_found += qc.silent_rejects_found
        lc.quota_pauses += qc.quota_pauses
        skipped += qc.skipped_by_rate
    lc.volume_quota_remaining = (session.orders.counters.volume_quota_remaining
                                 if config.lighter.account_tier == "premium" else None)
    lc.dead_mans_switch_failures = dead_mans_switch.stats.failures
    lc.call_timeouts = session.orders.counters.timeouts + session.rest.timeouts
    if log:
        logger.info("Lighter requests: {} ({} account), at most {} in a rolling minute, 429s {}, "
                    "skipped requotes {}", lc.requests, lc.account_tier, lc.max_requests_per_min,
                    lc.rate_limited, skipped)


async def _ask_venue(read, fallback: Decimal, what: str) -> Decimal:
    """The venue's answer; the bot's own figure when the venue cannot be asked (said so)."""
    try:
        return await asyncio.wait_for(read, STOP_STEP_TIMEOUT_S)
    except Exception as exc:
        logger.warning("summary: {} not readable from the venue ({}: {}); using the bot's own "
                       "figure {}", what, type(exc).__name__, exc, fallback)
        return fallback
