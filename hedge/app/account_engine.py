"""Several markets on one Lighter account, in one process.

Each market is an `Engine` of its own (book, quotes, fill detector, hedge desk, position);
what the account has once is here: the one stream's messages handed to every market (each
takes its own market's orders), the dead-man's switch (an account-wide cancel-all), one
`account` call that serves every market's position check, the global limits over all markets
(total unhedged notional, total loss) and the status line. A market whose own limit trips is
paused; a global limit, or a fault of the account or the hedge venue as a whole, stops all.
"""
from __future__ import annotations

import asyncio
from decimal import Decimal

from loguru import logger

from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.rest import LighterRest
from hedge.adapters.lighter.ws_client import LighterWsClient
from hedge.app.dead_mans_switch import DeadMansSwitch
from hedge.app.engine import STATUS_INTERVAL_S, WATCH_INTERVAL_S, Engine
from hedge.infra import events
from hedge.infra.clock import monotonic_s

POSITIONS_FRESH_S = 0.5      # one `account` answer serves every market asking within this


class SharedPositions:
    """Every market's Lighter position from one `account` call: the markets asking at about
    the same time share one request (and one slot of the request budget)."""

    def __init__(self, rest: LighterRest, account_index: int) -> None:
        self.rest = rest
        self.account_index = account_index
        self.calls = 0
        self._answer: dict[int, Decimal] = {}
        self._at_s = -1e9
        self._pending: asyncio.Task | None = None

    async def position(self, market_id: int) -> Decimal:
        if monotonic_s() - self._at_s > POSITIONS_FRESH_S:
            if self._pending is None or self._pending.done():
                self._pending = asyncio.create_task(self._read())
            await asyncio.shield(self._pending)
        return self._answer.get(market_id, Decimal(0))

    async def _read(self) -> None:
        self.calls += 1
        self._answer = await self.rest.account_positions(self.account_index)
        self._at_s = monotonic_s()


class AccountEngine:
    """Runs the markets' engines together and stops them together."""

    def __init__(self, engines: list[Engine], *, ws: LighterWsClient,
                 dead_mans_switch: DeadMansSwitch, max_total_unhedged_quote: Decimal | None,
                 max_total_loss_quote: Decimal, taker_fee_bps: Decimal) -> None:
        self.engines = engines
        self.ws = ws
        self.dead_mans_switch = dead_mans_switch
        self.max_total_unhedged_quote = max_total_unhedged_quote
        self.max_total_loss_quote = max_total_loss_quote
        self.taker_fee_bps = taker_fee_bps
        self.exit_reason = ""
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        for engine in engines:
            engine.on_stop = self.request_stop
        ws.on_message = self.on_message

    def on_message(self, msg: m.Message) -> None:
        """The one stream, handed to every market; each keeps its own market's orders."""
        for engine in self.engines:
            engine.on_message(msg)

    def request_stop(self, reason: str) -> None:
        if not self.exit_reason:
            self.exit_reason = reason
        if self._stop.is_set():
            return
        self._stop.set()
        for engine in self.engines:
            if not engine._stop.is_set():
                engine.request_stop(reason)

    async def run(self, duration_s: float) -> str:
        for engine in self.engines:
            engine.start()
        self._tasks = [asyncio.create_task(coro, name=name) for name, coro in (
            ("dead-mans-switch", self.dead_mans_switch.run()), ("account-watch", self._watch()),
            ("status", self._status_loop()))]
        try:
            await asyncio.wait_for(self._stop.wait(), duration_s if duration_s > 0 else None)
        except asyncio.TimeoutError:
            self.request_stop("duration")
        return self.exit_reason

    # -- the global limits ------------------------------------------------------------------

    def total_unhedged_quote(self) -> Decimal:
        total = Decimal(0)
        for engine in self.engines:
            mid = engine.mid()
            if mid is not None:
                total += abs(engine.desk.ledger.owed) * mid
        return total

    def total_pnl_quote(self) -> Decimal:
        return sum((e.desk.pnl_quote(e.mid(), self.taker_fee_bps) for e in self.engines),
                   Decimal(0))

    def global_kill_reason(self) -> str | None:
        unhedged = self.total_unhedged_quote()
        if self.max_total_unhedged_quote is not None and unhedged > self.max_total_unhedged_quote:
            return (f"total_unhedged ({unhedged:.2f} > {self.max_total_unhedged_quote} quote, "
                    f"all markets)")
        pnl = self.total_pnl_quote()
        if pnl < -self.max_total_loss_quote:
            return f"total_loss ({pnl:.2f} < -{self.max_total_loss_quote}, all markets)"
        return None

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_INTERVAL_S)
            reason = self.global_kill_reason()
            if reason:
                logger.error("KILL SWITCH: {}", reason)
                events.emit(events.KILL, reason=reason)
                self.request_stop(f"kill_switch:{reason}")
                return

    # -- shutdown -----------------------------------------------------------------------------

    async def stop_tasks(self, keep_hedging: bool = True) -> None:
        for task in self._tasks:
            if task.get_name() != "dead-mans-switch":
                task.cancel()
        for engine in self.engines:
            await engine.stop_tasks(keep_hedging)

    async def reconcile_orders(self) -> None:
        await asyncio.gather(*(engine.reconcile_orders() for engine in self.engines))

    async def stop_all_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for engine in self.engines:
            await engine.stop_all_tasks()

    # -- the status line ----------------------------------------------------------------------

    async def _status_loop(self) -> None:
        while True:
            await asyncio.sleep(STATUS_INTERVAL_S)
            self.log_status()

    def log_status(self) -> None:
        """The [STATUS] line for people; a status event per market for diagnose and the report."""
        logger.info(self.status_line())
        for engine in self.engines:
            engine.emit_status()

    def status_line(self) -> str:
        parts = []
        for e in self.engines:
            quotes = e.quotes.resting()
            state = f" PAUSED({e.state.paused_reason})" if e.state.paused_reason else ""
            parts.append(f"{e.spec.symbol}: mid={e.mid()} bid={quotes['bid']} "
                         f"ask={quotes['ask']} pos={e.state.lighter_position}/"
                         f"{e.desk.hedge_position} fills={e.detector.fills_emitted} "
                         f"owed={e.desk.ledger.owed}{state}")
        # The markets share one Lighter client and budget: the first market's view is the account's.
        return (f"[STATUS] markets={len(self.engines)} "
                f"unhedged={self.total_unhedged_quote():.2f} | " + " | ".join(parts)
                + f" | {self.engines[0].lighter_use()}")
