"""The strategy loop: quote on Lighter, hedge every fill, watch the risk, stop cleanly.

One Engine per market; the runner (account_engine.py) runs 1..N of them. Tasks, each with
one job:
- the stream client's reader (not a task of ours): the runner's dispatch hands this market its
  own order updates, trades and snapshots (`on_order`, `on_trade`, `on_account_snapshot`);
  fills detected, journaled and handed to the hedge desk in the same step that read them;
- hedge desk: hedges (from the reader's step when free, else its task; never behind a requote);
- quoting: recomputes the target and moves quotes (signing runs off the loop);
- hedge book: keeps the hedge venue's book fresh (streamed, REST polled while the stream is
  down) so quoting and hedging never fetch it inline;
- watch: the kill switch; it never awaits a venue call itself: the position check and the
  retries of what an earlier hedge left owed run as their own tasks, so a stalled call cannot
  delay a kill;
- ghost check (ghost_quotes.py). The dead-man's switch and the status line are the account's
  (the runner's).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

from loguru import logger

from hedge.adapters.lighter import frame_log
from hedge.adapters.lighter.order_client import LighterOrderClient
from hedge.adapters.lighter.request_budget import REQUEST_OWNER
from hedge.adapters.lighter.rest import LighterRest
from hedge.adapters.lighter.ws_client import LighterWsClient
from hedge.adapters.hedging.venue import HedgeVenue
from hedge.app.ghost_quotes import GhostQuoteCheck
from hedge.app.hedge_desk import HedgeDesk
from hedge.app.pricing_inputs import PricingInputs
from hedge.app.quote_keeper import QuoteKeeper
from hedge.app.settings import EngineSettings
from hedge.core.fill_detector import FillDetector
from hedge.core.quoting import MarketView, QuoteTarget, quote_target
from hedge.app.market_pause import pause_market, pause_or_resume
from hedge.app.settled_book import SettledBookWait
from hedge.core.latency_histogram import LatencyHistogram
from hedge.core.risk import STOP_ALL, RiskSnapshot, kill_reason, limit_action
from hedge.infra import events
from hedge.infra.clock import REAL_CLOCK, MonotonicClock, perf_ns
from hedge.infra.logs import after_this_step

QUOTE_INTERVAL_S = 0.05
WATCH_INTERVAL_S = 0.1
RETRY_OWED_INTERVAL_S = 1.0
STATUS_INTERVAL_S = 5.0
RECONCILE_MIN_GAP_S = 5.0

POSITION_MISMATCHES_TO_KILL = 3
POSITION_RECHECK_S = 1.0


@dataclass
class EngineState:
    lighter_position: Decimal = Decimal(0)      # signed, from our own fills on top of the start
    exit_reason: str = ""
    account_stream_live: bool = False           # this market's account_orders snapshot seen
    account_stream_suspect: str = ""            # why fills seen over REST show the stream missed some
    position_mismatches: int = 0                # consecutive backstop checks that disagreed
    fills_found_by_rest: int = 0
    paused_reason: str = ""                     # this market's limit tripped (see limit_action)
    cause_clear_since_s: float | None = None    # a pause that lifts: its cause clear since


@dataclass
class StreamSeen:
    """When the account stream last delivered a frame (any frame): written by the runner's
    dispatch, read by every market, so no frame is handed to an engine that does not need it."""

    last_frame_s: float


class Engine:
    def __init__(self, settings: EngineSettings, *, orders: LighterOrderClient, ws: LighterWsClient,
                 rest: LighterRest, desk: HedgeDesk, quotes: QuoteKeeper, detector: FillDetector,
                 hedge_venue: HedgeVenue, start_lighter_position: Decimal, auth_token,
                 positions=None, clock: MonotonicClock = REAL_CLOCK) -> None:
        """`positions`: async (market id) -> Lighter position, one account read shared by the
        markets (None: this engine asks REST itself)."""
        self.clock = clock
        self.settings = settings
        self.spec = settings.spec
        self.account_index = settings.account_index
        self.hedge_symbol = settings.hedge_symbol
        self.params = settings.quote
        self.limits = settings.risk
        self.orders = orders
        self.ws = ws
        self.rest = rest
        self.desk = desk
        self.quotes = quotes
        self.detector = detector
        self.hedge_venue = hedge_venue
        self.state = EngineState(lighter_position=start_lighter_position)
        self.stream_seen = StreamSeen(clock.now_s())   # the runner shares its own
        self.unattributed_fills = 0
        self._auth_token = auth_token
        self._positions = positions
        self._last_mid: Decimal | None = None
        self.on_stop = None                        # the account engine's: one stop for all
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._reconcile_task: asyncio.Task | None = None
        self._reconcile_again = False
        self._last_reconcile_s = float("-inf")
        self._target: QuoteTarget | None = None
        self._position_task: asyncio.Task | None = None
        self._retry_task: asyncio.Task | None = None
        self.ghosts = GhostQuoteCheck(quotes, rest, settings.account_index, auth_token,
                                      lambda order: self.on_order(order, perf_ns(),
                                                                  via_rest=True),
                                      clock)
        self.book_age_at_quote_ms = LatencyHistogram()   # hedge book age when quotes were sent
        self.settled_book = SettledBookWait(self.hedge_symbol)   # first quotes on a fresh book
        self.pricing = PricingInputs(self.params.terms)

    # -- lifecycle ------------------------------------------------------------------------

    def request_stop(self, reason: str) -> None:
        if not self.state.exit_reason:
            self.state.exit_reason = reason
        self._stop.set()
        if self.on_stop is not None:
            self.on_stop(self.state.exit_reason)

    def start(self) -> None:
        """Start this market's tasks; its Lighter requests are its own in the shared budget."""
        jobs = [("hedge", self.desk.run()), ("quote", self._quote_loop()),
                ("hedge-book", self._hedge_book_loop()), ("watch", self._watch_loop()),
                ("ghost-quotes", self.ghosts.run())]
        owner = REQUEST_OWNER.set(self.spec.symbol)
        try:
            self._tasks = [asyncio.create_task(coro, name=name) for name, coro in jobs]
        finally:
            REQUEST_OWNER.reset(owner)
        for task in self._tasks:
            task.add_done_callback(self._on_task_done)

    def _on_task_done(self, task: asyncio.Task) -> None:
        if task.cancelled() or self._stop.is_set():
            return
        exc = task.exception()
        logger.opt(exception=exc).error("task {} failed: {}", task.get_name(), exc)
        self.request_stop(f"error:{task.get_name()} task failed: {type(exc).__name__}")

    async def stop_tasks(self, keep_hedging: bool = True) -> None:
        """Stop every task but the stream and the hedge desk (they serve the shutdown)."""
        keep = {"hedge"} if keep_hedging else set()
        for task in self._tasks:
            if task.get_name() not in keep:
                task.cancel()
        await asyncio.gather(*(t for t in self._tasks if t.get_name() not in keep),
                             return_exceptions=True)

    async def stop_all_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in (self._reconcile_task, self._position_task, self._retry_task):
            if task is not None:
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- the stream (handed over by the runner's dispatch, in the stream's reader) ---------

    def on_account_snapshot(self) -> None:
        """This market's own account_orders snapshot: its fills can be seen from here on."""
        self.state.account_stream_live = True
        self._schedule_reconcile()

    def on_stream_lost(self, why: str = "") -> None:
        """A reconnect or an auth refusal: not live until this market's snapshot is back."""
        if why and self.state.account_stream_live:
            logger.warning("account stream lost ({}) for {}: quoting paused", why, self.spec.symbol)
        self.state.account_stream_live = False

    def on_trade(self, trade) -> None:
        self.detector.on_trade(trade, self.account_index)

    def on_order(self, order, recv_ns: int, via_rest: bool = False) -> None:
        """One order update: the quote table first, then the fill (hedged at once)."""
        # Before it is forgotten, and of the order version the update shows (a modify in flight
        # leaves the old version's assumed price in force).
        assumed = self.quotes.hedge_price_assumed(order.client_order_index, order.price)
        self.quotes.on_order(order)
        delta = self.detector.on_update(order)
        if delta is None:
            return
        after_this_step(self._record_fill, delta)
        if via_rest:
            self.state.fills_found_by_rest += 1
            logger.warning("fill {} found over REST, not on the account stream", delta.fill_id)
        # A bid fill is hedged by a sale (the book's bids), an ask fill by a purchase.
        at_fill = self.hedge_venue.executable_price(self.hedge_symbol, delta.size, delta.is_ask)
        if self.desk.on_fill(delta, recv_ns, assumed, at_fill):
            self.pricing.on_fill(self.clock.now_s(), "ask" if delta.is_ask else "bid", delta.price)
            self.state.lighter_position += -delta.size if delta.is_ask else delta.size
            if order.client_order_index not in self.quotes.own_client_indexes:
                self.unattributed_fills += 1
                logger.warning("fill on order {} (client index {}) that this run did not place: "
                               "hedged all the same", order.order_index, order.client_order_index)

    def _record_fill(self, delta) -> None:
        """The fill's log line and event: after the hedge is on its way (after_this_step)."""
        frame_log.log_fill(delta)
        events.emit(events.FILL, self.spec.symbol, fill_id=delta.fill_id,
                    order_index=delta.order_index, client_order_index=delta.client_order_index,
                    side=delta.side, size_base=delta.size, price=delta.price, status=delta.status)

    def _schedule_reconcile(self) -> None:
        """A reconcile after each (re)subscription, coalesced: reconnects in quick succession
        share one that runs after the last of them (each costs requests out of the budget)."""
        if self._stop.is_set():
            return                                   # the stop runs its own reconcile
        if self._reconcile_task is None or self._reconcile_task.done():
            self._reconcile_task = asyncio.create_task(self._reconcile_coalesced())
        else:
            self._reconcile_again = True

    async def _reconcile_coalesced(self) -> None:
        while True:
            wait_s = self._last_reconcile_s + RECONCILE_MIN_GAP_S - self.clock.now_s()
            if wait_s > 0:
                await self.clock.sleep(wait_s)
            self._reconcile_again = False
            self._last_reconcile_s = self.clock.now_s()
            await self.reconcile_orders()
            if not self._reconcile_again:
                return

    async def reconcile_orders(self) -> None:
        """After a (re)subscription: orders that finished while the stream was away are only
        visible over REST; feed their final state through the same fill path."""
        indexes = list(self.quotes.own_client_indexes[-40:])
        if not indexes:
            return
        token = await self._auth_token()
        chunks = self.rest.orders_in_chunks(self.account_index, indexes, token)
        while True:
            try:
                found = await anext(chunks)
            except StopAsyncIteration:
                return
            except Exception as exc:  # REST hiccup: the next resubscription tries again
                logger.warning("order reconcile over REST failed: {}: {}", type(exc).__name__, exc)
                return
            for order in found:
                if order.market_id == self.spec.market_id:
                    self.on_order(order, perf_ns(), via_rest=True)

    # -- quoting --------------------------------------------------------------------------

    @property
    def target(self) -> QuoteTarget | None:
        """The latest quote decision (None before the first)."""
        return self._target

    @property
    def stream_live(self) -> bool:
        """Connected with the account channel subscribed: fills can be seen."""
        return self.ws.connected.is_set() and self.state.account_stream_live

    def stream_silent_ms(self) -> float:
        return (self.clock.now_s() - self.stream_seen.last_frame_s) * 1000

    def market_view(self) -> MarketView:
        bid, ask = self.ws.best_bid_ask(self.spec.market_id)
        size = self.params.order_size
        can_see = (self.ws.connected.is_set()
                   and self.stream_silent_ms() < self.limits.stale_stream_ms
                   and not self.state.paused_reason and self.state.account_stream_live
                   and not self.state.account_stream_suspect
                   and not self.desk.unresolved)
        own = {side: q.price if q is not None and q.state in ("open", "modifying") else None
               for side, q in self.quotes.sides.items()}
        lighter_bid, lighter_ask = (bid.price if bid else None), (ask.price if ask else None)
        hedge_sell = self.hedge_venue.executable_price(self.hedge_symbol, size, False)
        hedge_buy = self.hedge_venue.executable_price(self.hedge_symbol, size, True)
        self.pricing.observe(self.clock.now_s(), lighter_bid, lighter_ask, hedge_sell, hedge_buy)
        adaptive = self.pricing.view_fields(self._depth_base(False), self._depth_base(True))
        return MarketView(
            lighter_bid=lighter_bid, lighter_ask=lighter_ask,
            hedge_sell_price=hedge_sell, hedge_buy_price=hedge_buy,
            position=self.state.lighter_position,
            bid_hedge_in_flight="bid" in self.desk.in_flight_sides,
            ask_hedge_in_flight="ask" in self.desk.in_flight_sides,
            can_see_fills=can_see, hedge_carry=self.desk.carry,
            own_bid=own["bid"], own_ask=own["ask"], **adaptive)

    def _depth_base(self, is_buy: bool) -> Decimal | None:
        """The hedge depth within the slippage cap; None (no size from depth) from a venue that
        cannot tell it, such as an in-process double without a book to read."""
        depth_base = getattr(self.hedge_venue, "depth_base", None)
        if depth_base is None:
            return None
        return depth_base(self.hedge_symbol, is_buy, self.params.terms.depth_within_bps)

    async def _quote_loop(self) -> None:
        while True:
            book_age_ms = self.hedge_venue.book_age_ms(self.hedge_symbol)
            resting = any(q is not None for q in self.quotes.sides.values())
            if self.settled_book.allows(book_age_ms, resting, self.clock.now_s()):
                self._target = quote_target(self.market_view(), self.params)
                if await self.quotes.apply(self._target) and book_age_ms is not None:
                    self.book_age_at_quote_ms.append(book_age_ms)
            await self.clock.sleep(QUOTE_INTERVAL_S)

    async def _hedge_book_loop(self) -> None:
        """The hedge venue's book feed: a stale book makes `executable_price` None, which
        pauses quoting by itself."""
        await self.hedge_venue.watch_book(self.hedge_symbol)

    # -- watching -------------------------------------------------------------------------

    def risk_snapshot(self) -> RiskSnapshot:
        stats = self.desk.stats
        return RiskSnapshot(
            unhedged_base=abs(self.desk.ledger.owed),
            oldest_unhedged_age_ms=int(self.desk.unhedged_age_ms()),
            consecutive_hedge_failures=stats.consecutive_failures,
            stream_silent_ms=int(self.stream_silent_ms()),
            pnl_quote=self.desk.pnl_quote(self.mid(), self.settings.taker_fee_bps),
            halted_reason=stats.halted_reason)

    def mid(self) -> Decimal | None:
        bid, ask = self.ws.best_bid_ask(self.spec.market_id)
        if not (bid and ask):
            return None
        self._last_mid = (bid.price + ask.price) / 2
        return self._last_mid

    def marking_mid(self) -> Decimal | None:
        """The mid now, else the last one seen: exposure without a book still counts."""
        mid = self.mid()
        return mid if mid is not None else self._last_mid

    async def _watch_loop(self) -> None:
        """The kill switch; venue calls it starts run as tasks of their own (one at a time), so
        a call that stalls never holds the next risk check back."""
        last_retry = last_check = self.clock.now_s()
        while True:
            await self.clock.sleep(WATCH_INTERVAL_S)
            reason = kill_reason(self.risk_snapshot(), self.limits)   # paused or not
            if reason and limit_action(reason) == STOP_ALL:
                self.kill(reason)
                return
            pause_or_resume(self, reason)
            if self.clock.now_s() - last_retry >= RETRY_OWED_INTERVAL_S and _idle(self._retry_task):
                last_retry = self.clock.now_s()
                self._retry_task = asyncio.create_task(self.desk.retry_owed(), name="retry-owed")
            if (self.clock.now_s() - last_check >= self.settings.position_check_s
                    and _idle(self._position_task)):
                last_check = self.clock.now_s()
                self._position_task = asyncio.create_task(self._position_check(),
                                                          name="position-check")

    def pause(self, reason: str) -> None:
        """This market's limit tripped: it stops quoting (its quotes are pulled by the next
        quoting step); its hedges, retries, position checks and kill reasons carry on, the
        other markets trade on. The runner stops when no market could trade again."""
        pause_market(self, reason)

    def kill(self, reason: str) -> None:
        logger.error("KILL SWITCH: {}", reason)
        events.emit(events.KILL, self.spec.symbol, reason=reason)
        self.request_stop(f"kill_switch:{reason}")

    async def _position_check(self) -> None:
        try:
            reason = await self.check_position()
        except Exception as exc:  # never silently: the run stops with the cause
            logger.opt(exception=exc).error("position check failed: {}: {}", type(exc).__name__, exc)
            self.request_stop(f"error:position-check failed: {type(exc).__name__}")
            return
        if reason:
            self.pause(reason)         # for good: the runner stops once no market can trade

    async def check_position(self) -> str | None:
        """The backstop: the venue's position against the fills we saw.

        A difference means the stream missed fills: they are fetched over REST and hedged, and
        quoting stops, since a stream that drops fills cannot be trusted with new ones. A
        difference that REST cannot explain trips the kill switch.
        """
        for attempt in range(2):   # a fill frame may still be on its way: look twice
            try:
                venue_position = (await self._positions(self.spec.market_id) if self._positions
                                  else await self.rest.account_position(self.account_index,
                                                                        self.spec.market_id))
            except Exception as exc:  # REST hiccup: the next check asks again
                logger.warning("position check failed: {}: {}", type(exc).__name__, exc)
                return None
            if venue_position == self.state.lighter_position:
                self.state.position_mismatches = 0
                return None
            if attempt == 0:
                await self.clock.sleep(POSITION_RECHECK_S)
        self.state.position_mismatches += 1
        logger.warning("position check: Lighter says {}, our fills say {} ({} in a row)",
                       venue_position, self.state.lighter_position, self.state.position_mismatches)
        found_before = self.state.fills_found_by_rest
        await self.reconcile_orders()
        if self.state.fills_found_by_rest > found_before and not self.state.account_stream_suspect:
            self.state.account_stream_suspect = "fills missing from the account stream"
            logger.error("the account stream missed fills: quoting stopped; the fills were "
                         "found over REST and hedged")
        if (self.state.position_mismatches >= POSITION_MISMATCHES_TO_KILL
                and self.settings.kill_on_mismatch):
            return (f"position_mismatch (Lighter {venue_position}, fills seen "
                    f"{self.state.lighter_position})")
        return None

    def emit_status(self) -> None:
        """This market's status event for diagnose and the report (the runner logs the line)."""
        quotes, (tx, requests) = self.quotes.resting(), self._lighter_counts()
        events.emit(events.STATUS, self.spec.symbol, mid=self.mid(), bid=quotes["bid"],
                    ask=quotes["ask"], paused=self.state.paused_reason or self._sides_off(),
                    lighter_base=self.state.lighter_position, hedge_base=self.desk.hedge_position,
                    fills=self.detector.fills_emitted, hedges=self.desk.stats.orders,
                    owed_base=self.desk.ledger.owed, lighter_tx=tx, lighter_requests=requests)

    def _sides_off(self) -> str:
        """Why a quoting side is off (empty when both quote)."""
        if self._target is None or not (self._target.bid_off or self._target.ask_off):
            return ""
        return "; ".join(sorted({self._target.bid_off, self._target.ask_off} - {""}))

    def status_line(self) -> str:
        """This market's part of the runner's status line."""
        mid = self.mid()
        quotes = self.quotes.resting()
        stats = self.desk.stats
        last = f"{stats.submit_ms.last:.2f}/{stats.ack_ms.last:.2f} ms" if stats.submit_ms else "-"
        paused = f" PAUSED({self.state.paused_reason})" if self.state.paused_reason else ""
        if self._sides_off():
            paused += f" paused=({self._sides_off()})"
        return (f"{self.spec.symbol}: mid={mid} bid={quotes['bid']} ask={quotes['ask']}{paused} "
                f"lighter_pos={self.state.lighter_position} hedge_pos={self.desk.hedge_position} "
                f"fills={self.detector.fills_emitted} hedges={stats.orders} "
                f"owed={self.desk.ledger.owed} last_fill_to_hedge={last}")

    def lighter_use(self) -> str:
        """Transactions and requests sent to Lighter so far, and the budget's window: the
        report turns the counts into rates against the tier's cap."""
        tx, requests = self._lighter_counts()
        budget = getattr(self.orders, "budget", None)
        if budget is None:
            return f"lighter_tx={'-' if tx is None else tx} lighter_budget=-"
        return f"lighter_tx={tx} lighter_requests={requests} lighter_{budget.describe()}"

    def _lighter_counts(self) -> tuple[int | None, int | None]:
        """Transactions and requests sent to Lighter so far (account-wide), None if unknown."""
        c = getattr(self.orders, "counters", None)
        tx = (None if c is None
              else c.orders_placed + c.orders_modified + c.orders_canceled + c.cancel_alls)
        budget = getattr(self.orders, "budget", None)
        return tx, (None if budget is None else budget.stats.requests)


def _idle(task: asyncio.Task | None) -> bool:
    return task is None or task.done()
