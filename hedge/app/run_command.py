"""`python run.py run`: one run from config to summary.json, whatever stops it.

Exit 0 for a clean stop (duration, Ctrl-C, SIGTERM); 1 when the kill switch tripped or an error
stopped the run; 2 for a mistake in what the user asked for (config, credentials, market).
"""
from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from loguru import logger

from hedge.adapters.lighter.request_budget import Priority
from hedge.adapters.lighter.ws_client import LighterWsClient
from hedge.adapters.lighter.markets import MarketSpec
from hedge.app.account_engine import AccountEngine, SharedPositions
from hedge.app.client_indexes import AccountWide
from hedge.app.dead_mans_switch import DeadMansSwitch
from hedge.app.engine import Engine
from hedge.app.fill_attribution import FillAttribution
from hedge.app.fees_in_force import fee_sources, read_fees, with_fees
from hedge.app.hedge_desk import HedgeDesk
from hedge.app.account_watch import AccountWatch
from hedge.app.preflight import PreflightRefused, run_preflight
from hedge.app.lifecycle import (JournalUnexplained, StartupRefused, cancel_everything,
                                 reconcile_journal, wait_for_hedges)
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
from hedge.infra.config_schema import BotConfig, MarketConfig
from hedge.infra.journal import Journal
from hedge.infra import events
from hedge.infra.logs import setup_logging
from hedge.infra.frame_files import LIVE_NAME
from hedge.infra.recorder import MB, FrameRecorder
from hedge.infra.run_files import RunSummary, TradesCsv, create_run_dir
from hedge.app.observer import EngineObserver
from hedge.infra.alerts import AlertSender
from hedge.infra.metrics import BotMetrics
from hedge.app.summary_markets import STOP_STEP_TIMEOUT_S, fill_summary
from hedge.app.summary_writes import SummaryWrites
from hedge.infra.clock import monotonic_s


class MetricsPortError(Exception):
    """The metrics port cannot be opened; the message names the port and the fix."""


USER_MISTAKES = (SessionError, PreflightRefused, UnknownMarketError, UnknownExchangeError, HedgeUrlError,
                 LighterKeyError, CredentialsError, PaperVenueError, MetricsPortError)


async def run_bot(config: BotConfig, accounts_path: str | Path = "config/accounts.toml",
                  after_run=None) -> int:
    """One run. `after_run(run_dir) -> Path` (the run report) is called once summary.json is
    written; its failure is logged and never changes the exit code; its path is printed last."""
    run_dir = create_run_dir(config.logging.dir, config.logging.retention_runs)
    setup_logging(run_dir, config.logging.level)
    events.EVENTS.open(run_dir)
    summary = RunSummary(run_id=run_dir.name, mode=config.mode)
    summaries = SummaryWrites(run_dir)
    logger.info("run {} ({} mode) logs in {}", run_dir.name, config.mode, run_dir)
    events.emit(events.START, run_id=run_dir.name, mode=config.mode)
    session: Session | None = None
    user_mistake = False
    metrics = BotMetrics() if config.metrics.port is not None else None
    alerts = AlertSender(config.alerts.urls)
    try:
        if metrics is not None:
            _serve_metrics(metrics, config.metrics.port)
        alerts.start()
        session = await open_session(config, accounts_path)
        summary.exit_reason = await _trade(config, session, run_dir, summary, metrics, alerts,
                                           summaries)
    except StartupRefused as exc:
        logger.error("refusing to quote: {}", exc)
        summary.exit_reason = f"error:startup_refused: {exc}"
        user_mistake = isinstance(exc, JournalUnexplained)   # the operator must look: exit 2
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
        summaries.write(summary, final=True)
        logger.info("summary: {}", run_dir / "summary.json")
        events.EVENTS.close()
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
                 metrics: BotMetrics | None = None, alerts: AlertSender | None = None,
                 summaries: SummaryWrites | None = None) -> str:
    account = session.account_index
    journal_path = (run_dir / "journal.sqlite" if session.owns_venues
                    else Path(config.logging.dir) / f"journal-{account}.sqlite")
    journal = Journal(journal_path)
    trades = TradesCsv(run_dir / "trades.csv")
    recorder = FrameRecorder(run_dir / LIVE_NAME,
                             rotate_bytes=int(config.logging.frames_rotate_mb * MB),
                             max_run_bytes=int(config.logging.max_run_mb * MB))
    session.closers.extend([_closer(journal.close), _closer(trades.close), _closer(recorder.close)])
    facts = await run_preflight(config, session, journal)
    lifetime_s = config.lighter.auth_token_lifetime_s
    token_cache: dict = {"token": "", "at": None}   # None: never minted (monotonic may be < lifetime)

    async def auth_token() -> str:
        if token_cache["at"] is None or monotonic_s() - token_cache["at"] > lifetime_s * 0.5:
            token_cache["token"] = await session.orders.mint_auth_token(lifetime_s)
            token_cache["at"] = monotonic_s()
        return token_cache["token"]

    # The fees the venues charge this account, in place of lower configured ones.
    fees = await read_fees(config, session.hedge, config.trading_markets[0].hedge_symbol,
                           session.rest, account, await auth_token())
    config = with_fees(config, fees)
    summary.fees.lighter_maker_source, summary.fees.hedge_taker_source = fee_sources(fees)
    markets = config.trading_markets
    positions = SharedPositions(session.rest, account)
    ws = LighterWsClient(session.lighter_url, markets=[sp.market_id for sp in session.specs],
                         account_index=account, token_provider=session.orders.mint_auth_token,
                         recorder=recorder, keepalive_s=config.lighter.ws_keepalive_s,
                         silence_timeout_s=config.lighter.ws_silence_timeout_s,
                         token_lifetime_s=lifetime_s,
                         subscribes_per_s=config.lighter.ws_subscribes_per_s)
    account_wide = AccountWide(lighter_tx_bucket(config), journal)   # shared by every market
    engines: list[Engine] = []
    for i, (market, spec) in enumerate(zip(markets, session.specs)):
        engines.append(await _market_engine(config, session, market, spec, journal, trades, ws,
                                            auth_token, positions, account_wide, first=i == 0))
    session.closers.append(ws.close)
    runner = AccountEngine(engines, ws=ws,
                           dead_mans_switch=DeadMansSwitch(session.orders,
                                                           config.lighter.dead_mans_switch_s),
                           max_total_unhedged_quote=config.risk.max_total_unhedged_quote,
                           max_total_loss_quote=config.risk.max_loss_quote,
                           taker_fee_bps=config.hedge.taker_fee_bps)
    # One observer (metrics, alerts) per market; the first also watches the account.
    symbols = tuple(spec.symbol for spec in session.specs)
    observers = [EngineObserver(engine, spec.symbol, metrics, alerts or AlertSender(()),
                                config.alerts, run_dir.name,
                                account_markets=symbols if i == 0 else ())
                 for i, (engine, spec) in enumerate(zip(engines, session.specs))]
    ws.start()
    for spec in session.specs:
        await ws.wait_book(spec.market_id, timeout_s=15)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, runner.request_stop, "signal")
    for observer in observers:
        observer.started()
    watching = [asyncio.create_task(observer.run(), name=f"observer-{observer.market}")
                for observer in observers]
    watching.append(asyncio.create_task(
        AccountWatch(config, session, engines, facts, alerts).run(), name="account-watch"))

    async def snapshot() -> RunSummary:
        running = RunSummary(run_id=run_dir.name, mode=config.mode)
        await fill_summary(running, session, engines, ws, config, runner.dead_mans_switch,
                           ask_venues=False)
        return running
    watching.append(asyncio.create_task((summaries or SummaryWrites(run_dir)).run(
        snapshot, config.logging.summary_every_s), name="summary"))
    try:
        reason = await runner.run(config.duration_s)
        for observer in observers:      # a kill switch is told at once, not after the shutdown
            observer.tick(final=True)
        logger.info("stopping: {}", reason)
        events.emit(events.STOP, reason=reason)
        session.orders.budget.floor = Priority.CANCEL   # what is left to send is the stop itself
        await runner.stop_tasks(keep_hedging=True)
        left = 0
        for i, spec in enumerate(session.specs):   # one cancel-all covers every market
            left += await cancel_everything(session.orders, session.rest, account,
                                            spec.market_id, await auth_token(),
                                            send_cancel=i == 0)
        summary.reliability.orders_left_open = left
        await asyncio.sleep(0.3)  # the last order frames after the cancel
        await _bounded(runner.reconcile_orders(), "order reconcile at stop")
        for engine in engines:
            await wait_for_hedges(engine.desk)
        await runner.stop_all_tasks()
        runner.log_status()   # the last status line: what the run ended with
        aborted = await _bounded(session.orders.abort_scheduled_cancel_all(),
                                 "abort of the scheduled cancel-all")
        if aborted is not None and not aborted.accepted:
            logger.warning("scheduled cancel-all not aborted: code={} {}", aborted.code, aborted.message)
    finally:
        for task in watching:
            task.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    await fill_summary(summary, session, engines, ws, config, runner.dead_mans_switch)
    for observer in observers:
        observer.stopped(reason)
    return reason


async def _market_engine(config: BotConfig, session: Session, market: MarketConfig,
                         spec: MarketSpec, journal: Journal, trades: TradesCsv,
                         ws: LighterWsClient, auth_token, positions: SharedPositions,
                         account_wide: AccountWide, first: bool) -> Engine:
    """One market: its startup (cancel, journal reconcile) and its engine."""
    account = session.account_index
    detector = FillDetector()
    desk = HedgeDesk(session.hedge, market.hedge_symbol, journal, trades,
                     venue_name=config.hedge.exchange, pad_small_hedges=session.pad_small_hedges,
                     reduce_only_exempt=session.hedge.venue_rules.pad_small_hedges_ok,
                     market=spec.symbol)
    desk.attribution = FillAttribution(config.strategy.maker_fee_bps, config.hedge.taker_fee_bps,
                                       config.strategy.quote_rate)
    token = await auth_token()
    left = await cancel_everything(session.orders, session.rest, account, spec.market_id, token,
                                   send_cancel=first)
    if left:
        raise StartupRefused(f"{left} orders still rest on Lighter ({spec.symbol}) after cancel-all")
    report = await reconcile_journal(journal, desk, detector, session.hedge, market.hedge_symbol,
                                     session.rest, account, spec.market_id, token)
    logger.info("startup reconciled {}: lighter {} hedge {} (lookups {}, re-hedged {})",
                spec.symbol, report.lighter_position, report.hedge_position,
                report.intents_looked_up, report.fills_rehedged)
    events.emit(events.STARTUP_RECONCILED, spec.symbol, lighter_base=report.lighter_position,
                hedge_base=report.hedge_position, lookups=report.intents_looked_up,
                rehedged=report.fills_rehedged)
    quotes = QuoteKeeper(session.orders, spec, market.order_size,
                         config.strategy.refresh_tolerance_bps, config.strategy.min_quote_lifetime_ms,
                         account_wide.tx_bucket, journal, client_indexes=account_wide.client_indexes)
    quotes.markets_sharing = len(config.trading_markets)
    return Engine(engine_settings(config, spec, account, market), orders=session.orders, ws=ws,
                  rest=session.rest, desk=desk, quotes=quotes, detector=detector,
                  hedge_venue=session.hedge, start_lighter_position=report.lighter_position,
                  auth_token=auth_token, positions=positions.position)


async def _bounded(step, what: str, timeout_s: float = STOP_STEP_TIMEOUT_S):
    """One step of the stop that talks to Lighter, never longer than `timeout_s` (a stalled
    call or a spent request budget must not keep the process from exiting)."""
    try:
        return await asyncio.wait_for(step, timeout_s)
    except asyncio.TimeoutError:
        logger.warning("{} gave no answer within {} s: skipped", what, timeout_s)
        return None


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
