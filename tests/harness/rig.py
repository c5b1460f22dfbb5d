"""One market's engine in the runner (the same runner as 1..N markets), with fake venues, a
real journal and a fake clock: `build_rig` is the only place that constructs the Engine and
the runner, so a change to their constructors is a change here alone."""
from __future__ import annotations

import asyncio
import csv
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from hedge.adapters.lighter.markets import MarketSpec
from hedge.adapters.lighter.request_budget import RequestBudget
from hedge.app.account_engine import AccountEngine
from hedge.app.dead_mans_switch import DeadMansSwitch
from hedge.app.engine import Engine
from hedge.app.hedge_desk import HedgeDesk
from hedge.app.quote_keeper import QuoteKeeper
from hedge.app.settings import EngineSettings
from hedge.core.fill_detector import FillDetector
from hedge.core.quoting import QuoteParams
from hedge.core.risk import RiskLimits
from hedge.infra.journal import Journal
from hedge.infra.rate_limit import TokenBucket
from hedge.infra.run_files import TradesCsv
from tests.harness import frames
from tests.harness.clock import FakeClock, settle
from tests.harness.fakes import (HEDGE_SYMBOL, FakeHedgeVenue, FakeOrderClient, FakeRest,
                                 FakeStream)

SPEC = MarketSpec(symbol="ETH", market_id=frames.MARKET, size_decimals=4, price_decimals=2,
                  min_base=Decimal("0.001"), min_quote=Decimal("10"))
PARAMS = QuoteParams(pricing="profit", order_size=Decimal("0.0100"), tick=SPEC.tick_size,
                     min_profit_bps=Decimal(2), join_max_loss_bps=Decimal(0),
                     maker_fee_bps=Decimal(0), taker_fee_bps=Decimal(0),
                     max_position=Decimal("0.05"))
LIMITS = RiskLimits(max_unhedged_base=Decimal("0.1"), max_unhedged_age_ms=5_000,
                    max_hedge_failures=3, stale_stream_ms=10_000, max_loss_quote=Decimal(1_000))


@dataclass
class Options:
    params: QuoteParams = PARAMS
    limits: RiskLimits = LIMITS
    position_check_s: float = 5.0
    kill_on_mismatch: bool = True
    start_lighter_position: Decimal = Decimal(0)
    start_hedge_position: Decimal = Decimal(0)
    dead_mans_switch_s: int = 300
    min_lifetime_ms: int = 0
    tolerance_bps: Decimal = Decimal(1)
    tier: str = "premium"                  # the request budget's Lighter tier
    budget_per_window: int | None = 10**6  # None: the tier's own; large: pacing never binds
    max_total_loss_quote: Decimal = Decimal(10**6)      # the account's; far off unless a test sets it
    resume_after_s: float = 30.0


@dataclass
class Rig:
    engine: Engine
    desk: HedgeDesk
    quotes: QuoteKeeper
    detector: FillDetector
    journal: Journal
    clock: FakeClock
    stream: FakeStream
    orders: FakeOrderClient
    rest: FakeRest
    venue: FakeHedgeVenue
    runner: AccountEngine
    run_task: asyncio.Task | None = None
    extra_tasks: list[asyncio.Task] = field(default_factory=list)

    def feed(self, raw: dict[str, Any]) -> None:
        """One frame through the engine, as the stream's reader would hand it over."""
        self.stream.feed(raw)

    async def settle(self) -> None:
        await settle()

    async def live(self, bid: str = "1999.00", ask: str = "2001.00") -> None:
        """Connected, a book, and the account snapshot: the engine can see fills."""
        self.feed(frames.connected())
        self.feed(frames.book([(bid, "1")], [(ask, "1")]))
        self.feed(frames.account_orders(snapshot=True))
        await settle()

    def start_desk(self) -> None:
        """The hedge desk's own task, without the rest of the engine."""
        self.extra_tasks.append(asyncio.create_task(self.desk.run(), name="hedge"))

    def start(self) -> None:
        """The runner with no duration: every loop runs on the fake clock."""
        self.run_task = asyncio.create_task(self.runner.run(0))

    async def exit_reason(self, ticks: int, tick_s: float = 0.05) -> str:
        """Advance up to `ticks` ticks; the run's exit reason, or "" if it is still running."""
        for _ in range(ticks):
            if self.run_task is not None and self.run_task.done():
                break
            await self.clock.advance(tick_s)
        if self.run_task is not None and self.run_task.done():
            return self.run_task.result()
        return ""

    async def close(self) -> None:
        tasks = self.extra_tasks + ([self.run_task] if self.run_task is not None else [])
        for task in tasks:
            task.cancel()
        await self.runner.stop_all_tasks()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.journal.close()


@asynccontextmanager
async def live_rig(directory: Path, *, trades_csv: bool = False, **build) -> AsyncIterator[Rig]:
    """A rig whose stream is live (nothing running yet), its journal in `directory` and, with
    `trades_csv`, its desk writing `directory`/trades.csv; closed, files included, at the end.
    `build` goes to build_rig."""
    trades = TradesCsv(directory / "trades.csv") if trades_csv else None
    rig = build_rig(directory / "journal.sqlite", trades=trades, **build)
    await rig.live()
    try:
        yield rig
    finally:
        await rig.close()
        if trades is not None:
            trades.close()


def trades_rows(rig: Rig, role: str | None = None) -> list[dict[str, str]]:
    """The rows the desk wrote to trades.csv (only `role`'s: "maker" or "hedge", when given)."""
    with open(rig.desk.trades.path, newline="") as out:
        return [row for row in csv.DictReader(out) if role is None or row["role"] == role]


def build_rig(journal_path: Path, options: Options | None = None, *,
              venue: FakeHedgeVenue | None = None, rest: FakeRest | None = None,
              detector: FillDetector | None = None, journal: Journal | None = None,
              trades: TradesCsv | None = None, positions=None) -> Rig:
    """`positions`: the account-wide position read several markets share (else REST's)."""
    options = options or Options()
    clock = FakeClock()
    journal = journal or Journal(journal_path)
    venue = venue or FakeHedgeVenue(position_=options.start_hedge_position)
    rest = rest or FakeRest()
    orders = FakeOrderClient(RequestBudget(options.tier, budget_per_window=options.budget_per_window,
                                           clock=clock.now_s))
    stream = FakeStream()
    detector = detector or FillDetector()
    desk = HedgeDesk(venue, HEDGE_SYMBOL, journal, trades,
                     start_hedge_position=options.start_hedge_position, market=SPEC.symbol,
                     clock=clock)
    quotes = QuoteKeeper(orders, SPEC, options.params.order_size, options.tolerance_bps,
                         options.min_lifetime_ms, TokenBucket(1_000, 1_000), journal, clock=clock)

    async def auth_token() -> str:
        return "harness-token"

    settings = EngineSettings(spec=SPEC, account_index=frames.ACCOUNT, hedge_symbol=HEDGE_SYMBOL,
                              quote=options.params, risk=options.limits,
                              dead_mans_switch_s=options.dead_mans_switch_s,
                              position_check_s=options.position_check_s,
                              kill_on_mismatch=options.kill_on_mismatch,
                              resume_after_s=options.resume_after_s)
    engine = Engine(settings, orders=orders, ws=stream, rest=rest, desk=desk, quotes=quotes,
                    detector=detector, hedge_venue=venue,
                    start_lighter_position=options.start_lighter_position, auth_token=auth_token,
                    positions=positions, clock=clock)
    runner = AccountEngine([engine], ws=stream,
                           dead_mans_switch=DeadMansSwitch(orders, options.dead_mans_switch_s, clock),
                           max_total_unhedged_quote=None,
                           max_total_loss_quote=options.max_total_loss_quote,
                           taker_fee_bps=Decimal(0), clock=clock)
    return Rig(engine, desk, quotes, detector, journal, clock, stream, orders, rest, venue, runner)


def limits(**changes: Any) -> RiskLimits:
    return replace(LIMITS, **changes)


MARKET_IDS = {"ETH": 0, "BTC": 1, "SOL": 2}


@dataclass
class MarketsRig:
    """Several markets' engines under one runner: one stream, one order client and budget, one
    journal, one client-index source, as a run of several markets has them."""

    engines: dict[str, Engine]
    runner: AccountEngine
    journal: Journal
    clock: FakeClock
    stream: FakeStream
    orders: FakeOrderClient
    venue: FakeHedgeVenue
    tasks: list[asyncio.Task] = field(default_factory=list)

    def feed(self, raw: dict[str, Any]) -> None:
        self.stream.feed(raw)

    async def live(self) -> None:
        """Connected, every market's book and its own account snapshot."""
        self.feed(frames.connected())
        for market in self.engines.values():
            self.feed(frames.book([("1999.00", "1")], [("2001.00", "1")],
                                  market=market.spec.market_id))
            self.feed(frames.market_orders(market.spec.market_id, snapshot=True))
        await settle()

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await self.runner.stop_all_tasks()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def build_markets(journal_path: Path, symbols: tuple[str, ...] = ("ETH", "BTC", "SOL"), *,
                  journal: Journal | None = None, options: Options | None = None) -> MarketsRig:
    """`symbols` quoted on one account; each market hedges on its own FakeHedgeVenue symbol
    (one venue: the same rules for all)."""
    from hedge.app.client_indexes import AccountWide      # the one source every market shares
    options = options or Options()
    clock = FakeClock()
    journal = journal or Journal(journal_path)
    venue = FakeHedgeVenue()
    orders = FakeOrderClient(RequestBudget(options.tier, budget_per_window=options.budget_per_window,
                                           clock=clock.now_s))
    stream = FakeStream(tuple(MARKET_IDS[s] for s in symbols))
    account_wide = AccountWide(TokenBucket(1_000, 1_000), journal)
    engines: dict[str, Engine] = {}
    for symbol in symbols:
        spec = replace(SPEC, symbol=symbol, market_id=MARKET_IDS[symbol])
        desk = HedgeDesk(venue, HEDGE_SYMBOL, journal, None, market=symbol, clock=clock)
        quotes = QuoteKeeper(orders, spec, options.params.order_size, options.tolerance_bps,
                             options.min_lifetime_ms, account_wide.tx_bucket, journal,
                             client_indexes=account_wide.client_indexes, clock=clock)
        settings = EngineSettings(spec=spec, account_index=frames.ACCOUNT,
                                  hedge_symbol=HEDGE_SYMBOL, quote=options.params,
                                  risk=options.limits, position_check_s=options.position_check_s)

        async def auth_token() -> str:
            return "harness-token"
        engines[symbol] = Engine(settings, orders=orders, ws=stream, rest=FakeRest(), desk=desk,
                                 quotes=quotes, detector=FillDetector(), hedge_venue=venue,
                                 start_lighter_position=Decimal(0), auth_token=auth_token,
                                 clock=clock)
    runner = AccountEngine(list(engines.values()), ws=stream, dead_mans_switch=None,
                           max_total_unhedged_quote=None,
                           max_total_loss_quote=options.max_total_loss_quote,
                           taker_fee_bps=Decimal(0), clock=clock)
    return MarketsRig(engines, runner, journal, clock, stream, orders, venue)
