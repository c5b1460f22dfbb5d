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
from hedge.app.account_engine import AccountEngine
from hedge.app.client_indexes import AccountWide
from hedge.app.engine import Engine
from hedge.app.hedge_desk import HedgeDesk
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

SETTLE_S = 5.0            # after the duration: hedges still in flight finish
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
    runner = AccountEngine([engine], ws=lighter, dead_mans_switch=None,
                           max_total_unhedged_quote=config.risk.max_total_unhedged_quote,
                           max_total_loss_quote=config.risk.max_loss_quote,
                           taker_fee_bps=config.hedge.taker_fee_bps)
    lighter.start()
    driver = asyncio.create_task(lighter.drive(), name="lab-market")
    try:
        exit_reason = await runner.run(hours * 3600)
        await runner.stop_tasks(keep_hedging=True)
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
