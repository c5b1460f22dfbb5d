"""One trial: the real Engine, QuoteKeeper, FillDetector, HedgeDesk, journal and request budget
against the lab's venue doubles, for some simulated hours, in virtual time.

This is the one place the lab composes the strategy (as tests/harness/rig.py is for tests):
a change to the runner's parts is a change here alone.
"""
from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from loguru import logger

from hedge.adapters.lighter.markets import MarketSpec
from hedge.adapters.lighter.request_budget import Priority
from hedge.app.account_engine import AccountEngine
from hedge.app.client_indexes import AccountWide
from hedge.app.dead_mans_switch import DeadMansSwitch
from hedge.app.engine import Engine
from hedge.app.hedge_desk import HedgeDesk
from hedge.app.lifecycle import cancel_everything, reconcile_journal
from hedge.app.quote_keeper import QuoteKeeper
from hedge.app.settings import engine_settings, lighter_request_budget, lighter_tx_bucket
from hedge.core.fill_detector import FillDetector
from hedge.infra.config_schema import BotConfig
from hedge.infra.journal import Journal
from hedge.lab.hedge_double import LabHedgeVenue
from hedge.lab.ledger import Ledger
from hedge.lab.lighter_double import ACCOUNT, LabLighter
from hedge.lab.virtual_time import run_virtual
from hedge.market.model_file import MarketModel
from hedge.market.simulation import MarketSimulation

# What the venue doubles trade against: the model's simulation, or a recorded market
# (hedge/lab/recorded_market.py), built from (model, seed, Lighter market, account tier).
MarketSource = Callable[[MarketModel, int, str, str], Any]


def simulated(model: MarketModel, seed: int, market: str, tier: str) -> MarketSimulation:
    return MarketSimulation(model, seed=seed, market=market, tier=tier)

SETTLE_S = 5.0            # after the stop's cancel-all: hedges still in flight finish
# What a run's session and preflight read from Lighter before its first quote, and the order
# client's first nonce (measured in paper mode, docs/PERFORMANCE.md "Paper mode against the
# lab"): the market list, the key, the tier and the fees (accountLimits), margin and positions.
# With the startup's cancel-all, its check and the position reconcile (run here by the real
# code) they share a standard account's first minute of 60 requests with the first quotes.
RUN_STARTUP_READS = (("orderBookDetails", Priority.READ), ("apikeys", Priority.READ),
                     ("accountLimits", Priority.READ), ("account", Priority.READ),
                     ("account", Priority.READ), ("accountLimits", Priority.READ),
                     ("nextNonce", Priority.SAFETY))
QUIET_PACKAGES = ("hedge.app", "hedge.adapters", "hedge.core", "hedge.infra")


def decimals_of(step: float) -> int:
    return max(0, -Decimal(repr(step)).normalize().as_tuple().exponent)


def lab_spec(symbol: str, model: MarketModel) -> MarketSpec:
    """The Lighter market as the model shapes it: its tick and lot."""
    lot = Decimal(repr(model.lighter.lot))
    return MarketSpec(symbol=symbol, market_id=0, size_decimals=decimals_of(model.lighter.lot),
                      price_decimals=decimals_of(model.lighter.tick), min_base=lot,
                      min_quote=Decimal(0))


async def _trial(config: BotConfig, model: MarketModel, seed: int, hours: float,
                 workdir: Path, source: MarketSource) -> dict:
    market = config.trading_markets[0]
    tier = config.lighter.account_tier
    sim = source(model, seed, market.lighter_market, tier)
    ledger = Ledger(quote_rate=model.lighter.quote_rate,
                    lighter_fee_bps=sim.tier.maker_fee_ppm / 100,
                    hedge_fee_bps=model.hedge.taker_fee_bps)
    spec = lab_spec(market.lighter_market, model)
    budget = lighter_request_budget(config)
    lighter = LabLighter(sim, spec, ledger, budget)
    hedge = LabHedgeVenue(lighter, ledger)
    journal = Journal(workdir / "journal.sqlite")
    desk = HedgeDesk(hedge, market.hedge_symbol, journal, None, venue_name="lab",
                     market=spec.symbol)
    account_wide = AccountWide(lighter_tx_bucket(config), journal)
    quotes = QuoteKeeper(lighter, spec, market.order_size, config.strategy.refresh_tolerance_bps,
                         config.strategy.min_quote_lifetime_ms, account_wide.tx_bucket, journal,
                         client_indexes=account_wide.client_indexes)
    lighter.assumed_hedge_price = quotes.hedge_price_assumed

    async def auth_token() -> str:
        return "lab"

    engine = Engine(engine_settings(config, spec, ACCOUNT, market), orders=lighter, ws=lighter,
                    rest=lighter, desk=desk, quotes=quotes, detector=FillDetector(),
                    hedge_venue=hedge, start_lighter_position=Decimal(0), auth_token=auth_token)
    runner = AccountEngine([engine], ws=lighter,
                           dead_mans_switch=DeadMansSwitch(lighter,
                                                           config.lighter.dead_mans_switch_s),
                           max_total_unhedged_quote=config.risk.max_total_unhedged_quote,
                           max_total_loss_quote=config.risk.max_loss_quote,
                           taker_fee_bps=config.hedge.taker_fee_bps)
    lighter.start()
    driver = asyncio.create_task(lighter.drive(), name="lab-market")
    try:
        await _start_as_a_run(lighter, desk, engine, hedge, market.hedge_symbol, journal)
        exit_reason = await runner.run(hours * 3600)
        budget.floor = Priority.CANCEL     # as `run` stops: the quotes come off the book
        await runner.stop_tasks(keep_hedging=True)
        await cancel_everything(lighter, lighter, ACCOUNT, spec.market_id, "lab")
        await asyncio.sleep(SETTLE_S)
    finally:
        await runner.stop_all_tasks()
        driver.cancel()
        await asyncio.gather(driver, return_exceptions=True)
        journal.close()
    figures = ledger.figures(sim.fair, sim.lighter_fair(lagged=False))
    figures["exit_reason"] = exit_reason
    figures["rate_limited"] = budget.stats.rate_limited
    return figures


async def _start_as_a_run(lighter: LabLighter, desk: HedgeDesk, engine: Engine,
                          hedge: LabHedgeVenue, hedge_symbol: str, journal: Journal) -> None:
    """The requests `run` sends before its first quote, spent from the same budget: on a
    standard account they are a sixth of the first minute's (python run.py run does the same
    in hedge/app/session.py, preflight.py and run_command.py)."""
    for kind, priority in RUN_STARTUP_READS:
        await lighter.read(kind, priority)
    market = lighter.spec.market_id
    await cancel_everything(lighter, lighter, ACCOUNT, market, "lab")
    await reconcile_journal(journal, desk, engine.detector, hedge, hedge_symbol, lighter,
                            ACCOUNT, market, "lab")


def run_trial(config: BotConfig, model: MarketModel, seed: int, hours: float,
              source: MarketSource = simulated) -> dict:
    """One trial's figures (`sim_hours` and `wall_s` included); the journal is a temp file."""
    started = time.perf_counter()
    for name in QUIET_PACKAGES:
        logger.disable(name)
    try:
        with tempfile.TemporaryDirectory(prefix="lab-") as workdir:
            figures = run_virtual(_trial(config, model, seed, hours, Path(workdir), source))
    finally:
        for name in QUIET_PACKAGES:
            logger.enable(name)
    figures["sim_hours"] = hours
    figures["wall_s"] = round(time.perf_counter() - started, 3)
    return figures
