"""The runner: 1..N markets on one Lighter account, in one process (one market is a list of one).

Each market is an `Engine` of its own (book, quotes, fill detector, hedge desk, position);
what the account has once is here: the stream's dispatch (each frame goes to the market it is
about, and only there), the dead-man's switch (an account-wide cancel-all), one `account` call
that serves every market's position check, the global limits over all markets (total unhedged
notional, total loss), the account tasks' supervision and the status line. A market's own
limit pauses that market (core/risk.py `limit_action`); exposure, a global limit, or no market
left that could trade again stops all.
"""
from __future__ import annotations

import asyncio
from decimal import Decimal

from loguru import logger

from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.rest import LighterRest
from hedge.app.dead_mans_switch import DeadMansSwitch
from hedge.app.engine import STATUS_INTERVAL_S, WATCH_INTERVAL_S, Engine, StreamSeen
from hedge.core.risk import PAUSE_FOR_GOOD, limit_action
from hedge.infra import events
from hedge.infra.clock import REAL_CLOCK, MonotonicClock

POSITIONS_FRESH_S = 0.5      # one `account` answer serves every market asking within this


class SharedPositions:
    """Every market's Lighter position from one `account` call: the markets asking at about
    the same time share one request (and one slot of the request budget)."""

    def __init__(self, rest: LighterRest, account_index: int,
                 clock: MonotonicClock = REAL_CLOCK) -> None:
        self.rest = rest
        self.account_index = account_index
        self.clock = clock
        self.calls = 0
        self._answer: dict[int, Decimal] = {}
        self._at_s = -1e9
        self._pending: asyncio.Task | None = None

    async def position(self, market_id: int) -> Decimal:
        if self.clock.now_s() - self._at_s > POSITIONS_FRESH_S:
            if self._pending is None or self._pending.done():
                self._pending = asyncio.create_task(self._read())
            await asyncio.shield(self._pending)
        return self._answer.get(market_id, Decimal(0))

    async def _read(self) -> None:
        self.calls += 1
        self._answer = await self.rest.account_positions(self.account_index)
        self._at_s = self.clock.now_s()


class AccountEngine:
    """Runs the markets' engines together and stops them together."""

    def __init__(self, engines: list[Engine], *, ws, dead_mans_switch: DeadMansSwitch | None,
                 max_total_unhedged_quote: Decimal | None, max_total_loss_quote: Decimal,
                 taker_fee_bps: Decimal, clock: MonotonicClock = REAL_CLOCK) -> None:
        self.engines = engines
        self.ws = ws
        self.clock = clock
        self.dead_mans_switch = dead_mans_switch
        self.max_total_unhedged_quote = max_total_unhedged_quote   # None: from each market's
        self.max_total_loss_quote = max_total_loss_quote
        self.taker_fee_bps = taker_fee_bps
        self.exit_reason = ""
        self.unrouted_orders = 0                 # order updates of a market this run does not trade
        self.stream_seen = StreamSeen(clock.now_s())
        self._by_market = {engine.spec.market_id: engine for engine in engines}
        self._journal = engines[0].desk.journal      # the account's one journal
        self._dispatch = {m.AccountOrders: self._on_orders, m.AccountAll: self._on_account_all,
                          m.Connected: self._on_connected, m.ErrorFrame: self._on_error}
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        for engine in engines:
            engine.on_stop = self.request_stop
            engine.stream_seen = self.stream_seen
        ws.on_message = self.on_message

    # -- the stream's dispatch (in the stream's reader: a fill reaches its desk at once) ---

    def on_message(self, msg: m.Message) -> None:
        """Each frame to the market it is about. Book frames already updated their market's
        book in the stream client; no engine is handed one.

        A failure here (the journal's disk, say) stops the run: a fill the detector has seen
        but the journal has not must not be left to a stream that carries on. The next start
        asks the venue about every journaled quote and finds it.
        """
        self.stream_seen.last_frame_s = self.clock.now_s()
        handle = self._dispatch.get(type(msg))
        if handle is None:
            return
        try:
            handle(msg)
        except Exception as exc:
            logger.opt(exception=exc).error("stream message handling failed: {}: {}",
                                            type(exc).__name__, exc)
            self.request_stop(f"error:stream handler failed: {type(exc).__name__}")

    def _on_orders(self, msg: m.AccountOrders) -> None:
        """Every order of the frame is read, and its fill journaled, before any hedge starts;
        then each desk with a fill starts its hedge in this step, so every hedge of the frame
        is on its way before the frame's other work (log lines, trades.csv rows wait for
        after_this_step). The frame's fills share one journal commit, with the first hedge's
        intent, right before that hedge is sent (Journal.one_commit)."""
        by_market = self._by_market
        with self._journal.one_commit():
            for orders in msg.orders.values():
                for order in orders:
                    engine = by_market.get(order.market_id)
                    if engine is None:
                        self.unrouted_orders += 1
                    else:
                        engine.on_order(order, msg.recv_ns)
            for engine in self.engines:
                engine.desk.hedge_pending_now()
        if msg.is_snapshot:     # a market's snapshot makes that market live, no other
            if msg.market_id is None:       # the account-wide channel's: every market
                for engine in self.engines:
                    engine.on_account_snapshot()
            elif msg.market_id in by_market:
                by_market[msg.market_id].on_account_snapshot()

    def _on_account_all(self, msg: m.AccountAll) -> None:
        for trade in msg.trades:
            engine = self._by_market.get(trade.market_id)
            if engine is not None:
                engine.on_trade(trade)

    def _on_connected(self, msg: m.Connected) -> None:
        for engine in self.engines:
            engine.on_stream_lost()       # live again with each market's own snapshot

    def _on_error(self, msg: m.ErrorFrame) -> None:
        if msg.is_auth_refusal:
            for engine in self.engines:
                engine.on_stream_lost(f"error {msg.code}")

    # -- running and stopping -----------------------------------------------------------

    def request_stop(self, reason: str) -> None:
        if not self.exit_reason:
            self.exit_reason = reason
        if self._stop.is_set():
            return
        self._stop.set()
        for engine in self.engines:
            if not engine._stop.is_set():
                engine.request_stop(self.exit_reason)

    async def run(self, duration_s: float) -> str:
        """Run until the duration passes, a stop is requested, or a limit stops all."""
        for engine in self.engines:
            engine.start()
        jobs = [("account-watch", self._watch()), ("status", self._status_loop())]
        if self.dead_mans_switch is not None:
            jobs.insert(0, ("dead-mans-switch", self.dead_mans_switch.run()))
        self._tasks = [asyncio.create_task(coro, name=name) for name, coro in jobs]
        for task in self._tasks:
            task.add_done_callback(self._on_task_done)
        try:
            await asyncio.wait_for(self._stop.wait(), duration_s if duration_s > 0 else None)
        except asyncio.TimeoutError:
            self.request_stop("duration")
        return self.exit_reason

    def _on_task_done(self, task: asyncio.Task) -> None:
        """An account task that ends by itself (an exception, say) stops the run, named."""
        if task.cancelled() or self._stop.is_set():
            return
        exc = task.exception()
        if exc is None:
            self.request_stop(f"error:{task.get_name()} task ended")
            return
        logger.opt(exception=exc).error("account task {} failed: {}", task.get_name(), exc)
        self.request_stop(f"error:{task.get_name()} task failed: {type(exc).__name__}")

    # -- the global limits ------------------------------------------------------------------

    def total_unhedged_quote(self) -> Decimal:
        """Every market's owed amount at its mid, or its last known mid without a book."""
        total = Decimal(0)
        for engine in self.engines:
            mid = engine.marking_mid()
            if mid is not None:
                total += abs(engine.desk.ledger.owed) * mid
        return total

    def total_unhedged_limit_quote(self) -> Decimal | None:
        """`risk.max_total_unhedged_quote`, else each market's max_unhedged_base at its last
        mid, summed (None until a market has a mid)."""
        if self.max_total_unhedged_quote is not None:
            return self.max_total_unhedged_quote
        total, known = Decimal(0), False
        for engine in self.engines:
            mid = engine.marking_mid()
            if mid is not None:
                total += engine.limits.max_unhedged_base * mid
                known = True
        return total if known else None

    def total_pnl_quote(self) -> Decimal:
        return sum((e.desk.pnl_quote(e.marking_mid(), self.taker_fee_bps) for e in self.engines),
                   Decimal(0))

    def global_kill_reason(self) -> str | None:
        unhedged, limit = self.total_unhedged_quote(), self.total_unhedged_limit_quote()
        if limit is not None and unhedged > limit:
            return f"total_unhedged ({unhedged:.2f} > {limit:.2f} quote, all markets)"
        pnl = self.total_pnl_quote()
        if pnl < -self.max_total_loss_quote:
            return f"total_loss ({pnl:.2f} < -{self.max_total_loss_quote}, all markets)"
        paused = [e.state.paused_reason for e in self.engines]
        if all(reason and limit_action(reason) == PAUSE_FOR_GOOD for reason in paused):
            return paused[0]        # no market could trade again: the first one's reason
        return None

    async def _watch(self) -> None:
        while True:
            await self.clock.sleep(WATCH_INTERVAL_S)
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
            await self.clock.sleep(STATUS_INTERVAL_S)
            self.log_status()

    def log_status(self) -> None:
        """The [STATUS] line for people; a status event per market for diagnose and the report."""
        logger.info(self.status_line())
        for engine in self.engines:
            engine.emit_status()

    def status_line(self) -> str:
        """Every market's part, then the account's Lighter use (one client, one budget)."""
        parts = " | ".join(engine.status_line() for engine in self.engines)
        return (f"[STATUS] markets={len(self.engines)} "
                f"unhedged={self.total_unhedged_quote():.2f} | {parts} | "
                f"{self.engines[0].lighter_use()}")
