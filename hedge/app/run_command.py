"""`python run.py run`: one run from config to summary.json, whatever stops it.

Exit 0 for a clean stop (duration, Ctrl-C, SIGTERM); 1 when the kill switch tripped or an error
stopped the run; 2 for a mistake in what the user asked for (config, credentials, market).
"""
from __future__ import annotations

import asyncio
import signal
import time
from decimal import Decimal
from pathlib import Path

from loguru import logger

from hedge.adapters.lighter.request_budget import Priority
from hedge.adapters.lighter.ws_client import LighterWsClient
from hedge.app.engine import Engine
from hedge.app.hedge_desk import HedgeDesk
from hedge.app.lifecycle import (StartupRefused, cancel_everything, reconcile_journal,
                                 wait_for_hedges)
from hedge.app.quote_keeper import QuoteKeeper
from hedge.adapters.hedging.ccxt_venue import UnknownExchangeError
from hedge.adapters.hedging.urls import HedgeUrlError
from hedge.adapters.lighter.markets import UnknownMarketError
from hedge.adapters.lighter.order_client import LighterKeyError
from hedge.app.paper import PaperVenueError
from hedge.app.session import Session, SessionError, open_session
from hedge.app.settings import engine_settings, lighter_tx_bucket
from hedge.infra.credentials import CredentialsError
from hedge.core.fill_detector import FillDetector
from hedge.infra.config_schema import BotConfig
from hedge.infra.journal import Journal
from hedge.infra.logs import setup_logging
from hedge.infra.recorder import FrameRecorder
from hedge.infra.run_files import (HedgeBookCounters, RunSummary, TradesCsv, create_run_dir,
                                    write_summary)
from hedge.app.observer import EngineObserver
from hedge.infra.alerts import AlertSender
from hedge.infra.metrics import BotMetrics


class MetricsPortError(Exception):
    """The metrics port cannot be opened; the message names the port and the fix."""


STOP_STEP_TIMEOUT_S = 10.0

USER_MISTAKES = (SessionError, UnknownMarketError, UnknownExchangeError, HedgeUrlError,
                 LighterKeyError, CredentialsError, PaperVenueError, MetricsPortError)


async def run_bot(config: BotConfig, accounts_path: str | Path = "config/accounts.toml",
                  after_run=None) -> int:
    """One run. `after_run(run_dir) -> Path` (the run report) is called once summary.json is
    written; its failure is logged and never changes the exit code; its path is printed last."""
    run_dir = create_run_dir(config.logging.dir, config.logging.retention_runs)
    setup_logging(run_dir, config.logging.level)
    summary = RunSummary(run_id=run_dir.name, mode=config.mode)
    logger.info("run {} ({} mode) logs in {}", run_dir.name, config.mode, run_dir)
    session: Session | None = None
    user_mistake = False
    metrics = BotMetrics() if config.metrics.port is not None else None
    alerts = AlertSender(config.alerts.urls)
    try:
        if metrics is not None:
            _serve_metrics(metrics, config.metrics.port)
        alerts.start()
        session = await open_session(config, accounts_path)
        summary.exit_reason = await _trade(config, session, run_dir, summary, metrics, alerts)
    except StartupRefused as exc:
        logger.error("refusing to quote: {}", exc)
        summary.exit_reason = f"error:startup_refused: {exc}"
    except USER_MISTAKES as exc:
        logger.error("{}", exc)
        summary.exit_reason = f"error:{type(exc).__name__}: {exc}"
        user_mistake = True
    except Exception as exc:
        logger.opt(exception=exc).error("run stopped by an error: {}: {}", type(exc).__name__, exc)
        summary.exit_reason = f"error:{type(exc).__name__}: {exc}"
    finally:
        if session is not None:
            await session.close()
        write_summary(run_dir, summary)
        logger.info("summary: {}", run_dir / "summary.json")
        await asyncio.to_thread(alerts.close)
        if metrics is not None:
            metrics.close()
        _print_summary(summary)
        _write_report(after_run, run_dir)
    if user_mistake:
        return 2
    return 0 if summary.exit_reason in ("duration", "signal") else 1


def _serve_metrics(metrics: BotMetrics, port: int) -> None:
    try:
        bound = metrics.serve(port)
    except OSError as exc:
        raise MetricsPortError(f"metrics.port {port}: cannot listen on 127.0.0.1:{port} "
                               f"({exc.strerror or exc}); pick a free port or 0 for any") from None
    logger.info("metrics on http://127.0.0.1:{}/metrics", bound)


def _write_report(after_run, run_dir: Path) -> None:
    if after_run is None:
        return
    try:
        path = after_run(run_dir)
    except Exception as exc:  # the report is a view of the run: it never fails the run
        logger.opt(exception=exc).error("run report not written: {}: {}", type(exc).__name__, exc)
        return
    logger.info("report: {}", path)
    print(f"report: {path}", flush=True)


async def _trade(config: BotConfig, session: Session, run_dir: Path, summary: RunSummary,
                 metrics: BotMetrics | None = None, alerts: AlertSender | None = None) -> str:
    spec, account = session.spec, session.account_index
    journal_path = (run_dir / "journal.sqlite" if session.owns_venues
                    else Path(config.logging.dir) / f"journal-{account}.sqlite")
    journal = Journal(journal_path)
    trades = TradesCsv(run_dir / "trades.csv")
    recorder = FrameRecorder(run_dir / "ws_lighter.jsonl")
    session.closers.extend([_closer(journal.close), _closer(trades.close), _closer(recorder.close)])
    lifetime_s = config.lighter.auth_token_lifetime_s
    token_cache: dict = {"token": "", "at": None}   # None: never minted (monotonic may be < lifetime)

    async def auth_token() -> str:
        if token_cache["at"] is None or time.monotonic() - token_cache["at"] > lifetime_s * 0.5:
            token_cache["token"] = await session.orders.mint_auth_token(lifetime_s)
            token_cache["at"] = time.monotonic()
        return token_cache["token"]

    detector = FillDetector()
    desk = HedgeDesk(session.hedge, config.hedge.symbol, journal, trades,
                     venue_name=config.hedge.exchange, pad_small_hedges=session.pad_small_hedges,
                     reduce_only_exempt=session.hedge.venue_rules.pad_small_hedges_ok)
    token = await auth_token()
    left = await cancel_everything(session.orders, session.rest, account, spec.market_id, token)
    if left:
        raise StartupRefused(f"{left} orders still rest on Lighter after cancel-all")
    report = await reconcile_journal(journal, desk, detector, session.hedge, config.hedge.symbol,
                                     session.rest, account, spec.market_id, token)
    logger.info("startup reconciled: lighter {} hedge {} (lookups {}, re-hedged {})",
                report.lighter_position, report.hedge_position, report.intents_looked_up,
                report.fills_rehedged)
    ws = LighterWsClient(session.lighter_url, markets=[spec.market_id], account_index=account,
                         token_provider=session.orders.mint_auth_token, recorder=recorder,
                         keepalive_s=config.lighter.ws_keepalive_s,
                         silence_timeout_s=config.lighter.ws_silence_timeout_s,
                         token_lifetime_s=lifetime_s)
    session.closers.append(ws.close)
    quotes = QuoteKeeper(session.orders, spec, config.strategy.order_size,
                         config.strategy.refresh_tolerance_bps, config.strategy.min_quote_lifetime_ms,
                         lighter_tx_bucket(config), journal)
    engine = Engine(engine_settings(config, spec, account), orders=session.orders, ws=ws,
                    rest=session.rest, desk=desk, quotes=quotes, detector=detector,
                    hedge_venue=session.hedge, start_lighter_position=report.lighter_position,
                    auth_token=auth_token)
    observer = EngineObserver(engine, config.lighter.market, metrics,
                              alerts or AlertSender(()), config.alerts, run_dir.name)
    ws.start()
    await ws.wait_book(spec.market_id, timeout_s=15)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, engine.request_stop, "signal")
    observer.started()
    watching = asyncio.create_task(observer.run(), name="observer")
    try:
        reason = await engine.run(config.duration_s)
        observer.tick(final=True)       # a kill switch is told at once, not after the shutdown
        logger.info("stopping: {}", reason)
        session.orders.budget.floor = Priority.CANCEL   # what is left to send is the stop itself
        await engine.stop_tasks(keep_hedging=True)
        summary.reliability.orders_left_open = await cancel_everything(
            session.orders, session.rest, account, spec.market_id, await auth_token())
        await asyncio.sleep(0.3)  # the last order frames after the cancel
        await _bounded(engine.reconcile_orders(), "order reconcile at stop")
        await wait_for_hedges(desk)
        await engine.stop_all_tasks()
        aborted = await _bounded(session.orders.abort_scheduled_cancel_all(),
                                 "abort of the scheduled cancel-all")
        if aborted is not None and not aborted.accepted:
            logger.warning("scheduled cancel-all not aborted: code={} {}", aborted.code, aborted.message)
    finally:
        watching.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    await _fill_summary(summary, session, engine, desk, ws, config)
    observer.stopped(reason)
    return reason


async def _fill_summary(summary: RunSummary, session: Session, engine: Engine, desk: HedgeDesk,
                        ws: LighterWsClient, config: BotConfig) -> None:
    """Counters from the run, positions from the venues themselves."""
    oc, st = session.orders.counters, desk.stats
    summary.lighter.orders_placed = oc.orders_placed
    summary.lighter.orders_modified = oc.orders_modified
    summary.lighter.orders_canceled = oc.orders_canceled
    summary.lighter.post_only_rejects = engine.quotes.counters.post_only_rejects
    summary.lighter.fills = st.maker_fills
    summary.lighter.filled_base = st.maker_filled_abs
    summary.lighter.volume_quote = st.maker_notional
    summary.fees.lighter_maker_bps = config.strategy.maker_fee_bps
    summary.fees.hedge_taker_bps = config.hedge.taker_fee_bps
    summary.fees.lighter_quote = st.maker_notional * config.strategy.maker_fee_bps / 10_000
    summary.fees.hedge_quote = st.hedge_notional * config.hedge.taker_fee_bps / 10_000
    summary.hedge.orders = st.orders
    summary.hedge.filled_base = st.hedge_filled_abs
    summary.hedge.failures = st.failures
    summary.fill_to_hedge_submit_ms = list(st.submit_ms)
    summary.fill_to_hedge_ack_ms = list(st.ack_ms)
    summary.hedge_book_age_at_quote_ms = list(engine.book_age_at_quote_ms)
    summary.hedge_book_age_at_hedge_ms = list(st.book_age_ms)
    feed = session.hedge.feed(config.hedge.symbol)
    summary.hedge.book = HedgeBookCounters(feed.stream_updates > 0, feed.resyncs,
                                           feed.stream_failures, feed.polls)
    summary.position.lighter_base = await _ask_venue(
        session.rest.account_position(session.account_index, session.spec.market_id),
        engine.state.lighter_position, "Lighter position")
    summary.position.hedge_base = await _ask_venue(
        session.hedge.position(config.hedge.symbol), desk.hedge_position, "hedge position")
    wc = ws.counters
    summary.ws.frames_in, summary.ws.reconnects = wc.frames_in, wc.reconnects
    summary.ws.book_resyncs, summary.ws.unexpected_frames = wc.book_resyncs, wc.unexpected_frames
    summary.ws.dropped_entries = wc.dropped_entries
    check = engine.detector.cross_check()
    summary.reliability.fills_lost = len(check.trades_without_fill)
    step = session.hedge_rules.amount_step
    overshoot = desk.maker_filled_base + st.filled_base
    summary.reliability.double_hedges = int(overshoot != 0 and abs(overshoot) >= step
                                            and (overshoot > 0) == (st.filled_base > 0))
    summary.reliability.max_unhedged_ms = round(st.max_unhedged_ms, 3)
    summary.reliability.max_unhedged_base = st.max_unhedged_base
    summary.reliability.hedge_carry_base = desk.ledger.owed if desk.carry else Decimal(0)
    summary.reliability.disconnects_survived = wc.reconnects
    summary.reliability.reconnect_ms = list(wc.reconnect_ms)
    summary.reliability.duplicate_frames_ignored = (engine.detector.stale_frames
                                                    + engine.detector.repeated_fills)
    summary.reliability.ambiguous_hedges_resolved = st.lookups
    summary.pnl_quote = desk.pnl_quote(engine.mid(), config.hedge.taker_fee_bps).quantize(
        Decimal("0.000001"))
    _fill_request_figures(summary, session, engine, config)


def _fill_request_figures(summary: RunSummary, session: Session, engine: Engine,
                          config: BotConfig) -> None:
    """The request budget's figures: what the run cost in requests, and what it met."""
    lc, budget, qc = summary.lighter, session.orders.budget, engine.quotes.counters
    lc.account_tier = config.lighter.account_tier
    lc.requests = budget.stats.requests
    lc.max_requests_per_min = budget.stats.max_in_window
    lc.rate_limited = session.orders.counters.rate_limited + session.rest.rate_limited
    lc.tx_latency_ms = list(qc.tx_latency_ms)
    lc.silent_rejects_found = qc.silent_rejects_found
    lc.volume_quota_remaining = (session.orders.counters.volume_quota_remaining
                                 if config.lighter.account_tier == "premium" else None)
    lc.quota_pauses = qc.quota_pauses
    lc.dead_mans_switch_failures = engine.dead_mans_switch.stats.failures
    lc.call_timeouts = session.orders.counters.timeouts + session.rest.timeouts
    logger.info("Lighter requests: {} ({} account), at most {} in a rolling minute, 429s {}, "
                "skipped requotes {}", lc.requests, lc.account_tier, lc.max_requests_per_min,
                lc.rate_limited, qc.skipped_by_rate)


async def _bounded(step, what: str, timeout_s: float = STOP_STEP_TIMEOUT_S):
    """One step of the stop that talks to Lighter, never longer than `timeout_s` (a stalled
    call or a spent request budget must not keep the process from exiting)."""
    try:
        return await asyncio.wait_for(step, timeout_s)
    except asyncio.TimeoutError:
        logger.warning("{} gave no answer within {} s: skipped", what, timeout_s)
        return None


async def _ask_venue(read, fallback: Decimal, what: str) -> Decimal:
    """The venue's answer; the bot's own figure when the venue cannot be asked (said so)."""
    try:
        return await asyncio.wait_for(read, STOP_STEP_TIMEOUT_S)
    except Exception as exc:
        logger.warning("summary: {} not readable from the venue ({}: {}); using the bot's own "
                       "figure {}", what, type(exc).__name__, exc, fallback)
        return fallback


def _closer(fn):
    async def close() -> None:
        fn()
    return close


def _print_summary(summary: RunSummary) -> None:
    d = summary.to_dict()
    lat = d["latency_ms"]["fill_to_hedge_submit"]
    print(f"run {d['run_id']}: {d['exit_reason']}; lighter fills {d['lighter']['fills']} "
          f"({d['lighter']['filled_base']}), hedges {d['hedge']['orders']} "
          f"({d['hedge']['filled_base']}), failures {d['hedge']['failures']}; "
          f"positions lighter {d['position']['lighter_base']} hedge {d['position']['hedge_base']} "
          f"net {d['position']['net_base']}; fill->hedge submit p50 {lat['p50']} ms p99 {lat['p99']} ms",
          flush=True)
