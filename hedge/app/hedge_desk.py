"""From a detected maker fill to its hedge: journal first, then hedge at once, once.

One hedge at a time per desk (its lock), so two hedges never race for the same exposure. A
free desk starts the hedge of a frame's fills in the stream reader's step (hedge_pending_now);
otherwise its hedge task nets every fill queued while the previous hedge was in flight into the
next hedge. The quoting path never touches either: a requote waiting on the signer cannot delay
a hedge.
"""
from __future__ import annotations

import asyncio
import itertools
from collections import deque
from decimal import Decimal
from functools import partial

from loguru import logger

from hedge.adapters.hedging.position_proof import Proof, prove_by_position
from hedge.adapters.hedging.venue import HedgeOutcome, HedgeRequest, HedgeStatus, HedgeVenue
from hedge.app.fill_attribution import FillAttribution
from hedge.app.hedge_stats import HedgeStats
from hedge.core.hedge_order import ExposureLedger
from hedge.core.types import FillDelta, fill_key_text
from hedge.core.units import BPS, round_to_step
from hedge.infra import events
from hedge.infra.clock import REAL_CLOCK, MonotonicClock, wall_s
from hedge.infra.eager_start import start_now
from hedge.infra.journal import Journal
from hedge.infra.logs import HEDGE_TAG, after_this_step
from hedge.infra.run_files import TradesCsv

TAG = HEDGE_TAG


class HedgeDesk:
    def __init__(self, venue: HedgeVenue, symbol: str, journal: Journal, trades: TradesCsv | None,
                 start_hedge_position: Decimal = Decimal(0), venue_name: str = "hedge",
                 pad_small_hedges: bool = True, reduce_only_exempt: bool = True,
                 market: str = "", clock: MonotonicClock = REAL_CLOCK) -> None:
        self.clock = clock
        # How long an executed hedge may stay invisible to lookups (the venue's rule).
        self.lookup_lag_ms = int(getattr(venue, "lookup_lag_ms", 0))
        rules = venue.rules(symbol)
        self.rules = rules
        self.pad_small_hedges = pad_small_hedges
        # Whether the venue lets a reduce-only order under its minimum notional through.
        self.reduce_only_exempt = reduce_only_exempt
        self.carry = Decimal(0)                      # signed owed below the venue's minimum notional
        self._last_price: Decimal | None = None
        self._assumed_price: Decimal | None = None   # of the latest maker fill
        self.attribution = FillAttribution()        # fees set by the startup's fee read
        self.venue = venue
        self.venue_name = venue_name
        self.market = market                         # the Lighter symbol, for trades.csv
        self.symbol = symbol
        self.journal = journal
        self.trades = trades
        self.ledger = ExposureLedger(rules.amount_step, rules.min_amount)
        self.hedge_position = start_hedge_position
        self.stats = HedgeStats()
        self.maker_filled_base = Decimal(0)      # signed, this run
        self.in_flight_sides: set[str] = set()   # "bid"/"ask" sides whose fills await a hedge
        self._pending: deque[tuple[FillDelta, int]] = deque()   # fills whose hedge has not started
        self._queued = asyncio.Event()               # wakes the hedge task
        self._running = False                        # the hedge task is serving
        self._started_now: asyncio.Task | None = None   # a hedge started in the reader's step
        self._unhedged_since_s: float | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._lock = asyncio.Lock()                  # one hedge at a time
        self.unresolved: list[str] = []              # client ids whose outcome is unknown
        self.last_fill_key: tuple[int, Decimal] | None = None
        self._price_at_submit: Decimal | None = None  # the book's price for the latest hedge
        # Attempt numbers of re-hedges: unique across processes, so a restart never reuses an id.
        self._retry_attempts = itertools.count(1000 + int(wall_s() * 10) % 9_000_000)

    # -- called from the stream reader: synchronous, never waits ------------------------

    def on_fill(self, delta: FillDelta, seen_ns: int, hedge_price_assumed: Decimal | None = None,
                hedge_price_at_fill: Decimal | None = None) -> bool:
        """Journal the fill and queue its hedge; False for a fill already journaled.

        `hedge_price_assumed` is the hedge venue price the quote was priced against and
        `hedge_price_at_fill` the book's price for the size when the fill was seen (None when
        unknown): trades.csv keeps both, and the split of the fill's PnL starts from them."""
        signed = delta.size if not delta.is_ask else -delta.size
        if not self.journal.record_fill(delta, seen_ns):
            return False
        self.maker_filled_base += signed
        self.stats.maker_fills += 1
        self.stats.maker_filled_abs += delta.size
        self.stats.maker_cash -= signed * delta.price
        self.stats.maker_notional += delta.size * delta.price
        self._assumed_price = hedge_price_assumed
        self.ledger.add_maker_fill(signed)
        self.attribution.add_fill("ask" if delta.is_ask else "bid", delta.size, delta.price,
                                  hedge_price_assumed, hedge_price_at_fill)
        self.stats.max_unhedged_base = max(self.stats.max_unhedged_base, abs(self.ledger.owed))
        if self.trades is not None:
            after_this_step(partial(self.trades.maker_fill, "ask" if delta.is_ask else "bid",
                                    delta.size, delta.price, delta.fill_id,
                                    hedge_price_assumed=hedge_price_assumed, market=self.market,
                                    hedge_price_at_fill=hedge_price_at_fill))
        self.in_flight_sides.add("ask" if delta.is_ask else "bid")
        if self._unhedged_since_s is None:
            self._unhedged_since_s = self.clock.now_s()
        self._idle.clear()
        self._pending.append((delta, seen_ns))
        self._queued.set()
        return True

    def hedge_pending_now(self) -> None:
        """Called by the stream's dispatch once the frame's fills are committed: the hedge of
        what they owe runs now, in the reader's step, up to its request on the wire, instead of
        one event-loop turn later in the hedge task. Only when nothing holds the desk (a hedge
        in flight, a lookup): then the hedge task takes the fills as it always did."""
        if not self._running or not self._pending or self._lock.locked():
            return
        self._started_now = start_now(self._locked_pass(), name="hedge-now")

    def pnl_quote(self, mid: Decimal | None, taker_fee_bps: Decimal) -> Decimal:
        """Cash from both legs, the net position marked at `mid`, less hedge taker fees."""
        net = self.maker_filled_base + self.stats.filled_base
        marked = net * mid if mid is not None else Decimal(0)
        fees = self.stats.hedge_notional * taker_fee_bps / BPS
        return self.stats.maker_cash + self.stats.hedge_cash + marked - fees

    def unhedged_age_ms(self) -> float:
        if self._unhedged_since_s is None:
            return 0.0
        return (self.clock.now_s() - self._unhedged_since_s) * 1000

    @property
    def busy(self) -> bool:
        """A hedge is queued, in flight or unresolved: the expected position is about to move."""
        return not self._idle.is_set() or self._lock.locked() or bool(self.unresolved)

    async def wait_idle(self, timeout_s: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
            return True
        except asyncio.TimeoutError:
            return False

    # -- the hedge task -----------------------------------------------------------------

    async def run(self) -> None:
        """The hedge task: hedges what the fills owe, one hedge at a time, each fill netted
        into the next hedge while one is in flight."""
        self._running = True
        try:
            while True:
                await self._queued.wait()
                await self._locked_pass()
        finally:
            self._running = False
            if self._started_now is not None and not self._started_now.done():
                self._started_now.cancel()
                await asyncio.gather(self._started_now, return_exceptions=True)

    async def _locked_pass(self) -> None:
        """Hedge what the pending fills owe (their latest key, the first one's read stamp)."""
        async with self._lock:
            self._queued.clear()
            if self._pending:               # else the reader's step took them (hedge_pending_now)
                delta, seen_ns = self._pending.popleft()
                while self._pending:        # net everything that queued meanwhile
                    delta, _ = self._pending.popleft()
                await self._hedge_pass(delta, seen_ns)
        if not self._pending:
            self._idle.set()

    async def _hedge_pass(self, delta: FillDelta, seen_ns: int) -> None:
        self._last_price = delta.price
        try:
            # An earlier hedge whose outcome is unknown may have traded: what is owed is only
            # known once it is looked up, so nothing goes out before that.
            if await self._look_up_unresolved():
                await self._hedge_owed(delta.key, seen_ns)
            else:
                self.last_fill_key = delta.key   # retry_owed hedges it once known
        except Exception as exc:  # the hedge task must outlive any surprise; retry_owed retries
            self.stats.failures += 1
            self.stats.consecutive_failures += 1
            logger.opt(exception=exc).error("{} hedge of {} failed unexpectedly: {}: {}", TAG,
                                            delta.fill_id, type(exc).__name__, exc)

    async def hedge_now(self, fill_key: tuple[int, Decimal] | None) -> HedgeOutcome | None:
        """Hedge what is owed now (startup: what the journal says the last run left)."""
        async with self._lock:
            key = fill_key or self.last_fill_key or (0, Decimal(0))
            return await self._hedge_owed(key, 0, attempt_base=next(self._retry_attempts))

    async def retry_owed(self) -> HedgeOutcome | None:
        """What an earlier hedge left owed: resolve unknown outcomes first, then hedge again.

        Called periodically; a hedge whose outcome is unknown is looked up, never resent, so an
        order that did execute is counted instead of doubled.
        """
        if self._pending or self._lock.locked():
            return None
        async with self._lock:
            if not await self._look_up_unresolved():
                return None
            if self.last_fill_key is None or self.ledger.next_order_amount() == 0:
                return None
            return await self._hedge_owed(self.last_fill_key, 0,
                                          attempt_base=next(self._retry_attempts))

    async def _look_up_unresolved(self) -> bool:
        """Ask the venue about every hedge whose outcome is unknown; an empty lookup proves
        nothing, so the venue's position decides. False while one stays unexplained (or the
        venue is still unreachable): then nothing may be sent."""
        for client_id in list(self.unresolved):
            try:
                found = await self.venue.find_order(self.symbol, client_id)
            except Exception as exc:  # the venue is still unreachable: try next time
                logger.warning("{} lookup of {} failed again: {}", TAG, client_id, type(exc).__name__)
                return False
            if found is None:
                if not await self._settle_by_position(client_id):
                    return False
                continue
            self.unresolved.remove(client_id)
            logger.info("{} resolved {} by lookup: filled {}", TAG, client_id, found.filled)
            self.journal.record_hedge_result(client_id, "resolved", found.filled,
                                             found.average_price, "lookup")
            self._count_hedge_fill(found.filled, found.average_price)
        return True

    async def _settle_by_position(self, client_id: str) -> bool:
        """An unresolved hedge the venue cannot find: the venue's position against the one the
        journal expects says whether it executed (and how much). False: still unexplained,
        nothing more is sent."""
        amount = self.journal.intent_amount(client_id)
        if amount is None:
            return False
        proof = await prove_by_position(lambda: self.venue.position(self.symbol), amount,
                                        self.hedge_position, self.lookup_lag_ms,
                                        self.rules.amount_step, client_id)
        if proof.proof is Proof.UNEXPLAINED:
            logger.warning("{} {} stays unresolved: {}; nothing more is sent", TAG, client_id,
                           proof.describe())
            return False
        self.unresolved.remove(client_id)
        self.journal.record_hedge_result(client_id, "resolved", proof.filled, None, "position")
        self._count_hedge_fill(proof.filled, None)
        return True

    async def _hedge_owed(self, fill_key: tuple[int, Decimal], seen_ns: int,
                          attempt_base: int = 0, pad_allowed: bool = True) -> HedgeOutcome | None:
        """Hedge what the ledger owes now (None when it is below one tradable amount)."""
        self.last_fill_key = fill_key
        amount = self.ledger.next_order_amount()
        if amount == 0:
            self._settled()
            return None
        reduce_only = self.hedge_position != 0 and (amount < 0) == (self.hedge_position > 0) \
            and abs(amount) <= abs(self.hedge_position)
        pad = Decimal(0)
        if not (reduce_only and self.reduce_only_exempt):
            pad = self._min_notional_pad(amount)
            if pad is None or (pad and not (self.pad_small_hedges and pad_allowed)):
                self._carry(amount)
                return None
        self.carry = Decimal(0)
        if pad:
            logger.info("{} {} is below the venue's minimum notional: sending {} and buying back "
                        "{} reduce-only", TAG, amount, amount + pad, -pad)
            amount += pad
        outcome = await self._submit(amount, fill_key, seen_ns, reduce_only, attempt_base)
        if pad and outcome.filled and self.ledger.next_order_amount() != 0:
            # The reduce-only leg back: exempt from the minimum notional.
            return await self._hedge_owed(fill_key, 0, attempt_base=next(self._retry_attempts),
                                          pad_allowed=False)
        return outcome

    async def _submit(self, amount: Decimal, fill_key: tuple[int, Decimal], seen_ns: int,
                      reduce_only: bool, attempt_base: int) -> HedgeOutcome:
        key_text = fill_key_text(*fill_key)

        def write_ahead(client_id: str, amount_now: Decimal) -> None:
            self.journal.record_hedge_intent(client_id, key_text, self.symbol, amount_now)

        request = HedgeRequest(self.symbol, amount, fill_key, seen_ns, reduce_only, attempt_base,
                               position_before=self.hedge_position, before_send=write_ahead)
        self._price_at_submit = self.venue.executable_price(self.symbol, abs(amount), amount > 0)
        after_this_step(_log_submit, self.market, amount, key_text, self.ledger.owed,
                        self._assumed_price)
        outcome = await self.venue.submit_hedge(request)
        self.record_outcome(outcome)
        return outcome

    def _count_hedge_fill(self, filled: Decimal, average_price: Decimal | None) -> None:
        """What traded on the hedge venue, from an answer or a lookup: ledger, position, PnL."""
        self.ledger.add_hedge_fill(filled)
        self.hedge_position += filled
        self.stats.filled_base += filled
        self.stats.hedge_filled_abs += abs(filled)
        if average_price is not None:
            self.stats.hedge_cash -= filled * average_price
            self.stats.hedge_notional += abs(filled * average_price)

    def record_outcome(self, outcome: HedgeOutcome) -> None:
        for leg in outcome.legs:
            self.journal.record_hedge_result(leg.client_id, leg.status.value, leg.filled,
                                             leg.average_price, outcome.reason)
        self._count_hedge_fill(outcome.filled, outcome.average_price)
        self.stats.orders += len(outcome.client_ids)
        status = outcome.status.value
        self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
        self.stats.lookups += outcome.lookups
        if outcome.book_age_ms is not None:
            self.stats.book_age_ms.append(outcome.book_age_ms)
        if outcome.fill_to_submit_ms is not None:
            self.stats.submit_ms.append(outcome.fill_to_submit_ms)
            self.stats.ack_ms.append(outcome.fill_to_ack_ms)
        if self.trades is not None:
            key = fill_key_text(*outcome.request.fill_key)
            for leg in outcome.legs:
                if leg.filled:      # after the maker row, which waits for the same step
                    split = self.attribution.hedged(leg.filled, leg.average_price,
                                                    self._price_at_submit)
                    after_this_step(partial(
                        self.trades.hedge_fill, self.venue_name, "buy" if leg.filled > 0 else "sell",
                        abs(leg.filled), leg.average_price, key, leg.client_id, market=self.market,
                        split=split))
        if outcome.status is HedgeStatus.FILLED:
            self.stats.consecutive_failures = 0
            logger.info("{} ack {} filled {} avg {} lookups {} submit {:.2f} ms ack {:.2f} ms", TAG,
                        ",".join(outcome.client_ids), outcome.filled, outcome.average_price,
                        outcome.lookups, outcome.fill_to_submit_ms or 0, outcome.fill_to_ack_ms or 0)
            events.emit(events.HEDGE_ACK, self.market, client_ids=",".join(outcome.client_ids),
                        filled_base=outcome.filled, avg_price=outcome.average_price,
                        lookups=outcome.lookups, submit_ms=outcome.fill_to_submit_ms,
                        ack_ms=outcome.fill_to_ack_ms)
        else:
            self.stats.failures += 1
            self.stats.consecutive_failures += 1
            if outcome.status is HedgeStatus.HALTED:
                self.stats.halted_reason = outcome.reason
            if outcome.status is HedgeStatus.UNRESOLVED:
                self.unresolved.extend(outcome.client_ids[-1:])
            logger.warning("{} failure {} status={} filled={} reason={}", TAG,
                           ",".join(outcome.client_ids) or "-", outcome.status.value, outcome.filled,
                           outcome.reason)
            events.emit(events.HEDGE_FAILURE, self.market, client_ids=",".join(outcome.client_ids),
                        status=outcome.status.value, filled_base=outcome.filled,
                        reason=outcome.reason)
        if self.ledger.next_order_amount() == 0:
            self._settled()

    def _min_notional_pad(self, amount: Decimal) -> Decimal | None:
        """What to add to `amount` (same sign) so it clears the venue's minimum notional with 5%
        to spare: 0 when it already does; None when no price is known to judge it by."""
        price = self.venue.executable_price(self.symbol, abs(amount), amount > 0) or self._last_price
        if price is None:
            return None
        need = self.rules.min_notional * Decimal("1.05") / price
        if abs(amount) * price >= self.rules.min_notional:
            return Decimal(0)
        pad = round_to_step(need - abs(amount), self.rules.amount_step, up=True)
        return pad if amount > 0 else -pad

    def _carry(self, amount: Decimal) -> None:
        """Too small for the hedge venue on its own, and not padded: carry it until a
        same-side fill grows it. The carry is real exposure, but smaller than the venue's
        minimum order; the quoting then offers only the side whose next fill completes it."""
        if self.carry != amount:
            logger.info("{} carry {}: below the venue's minimum notional {}; the next fill on the "
                        "same side makes it hedgeable", TAG, amount, self.rules.min_notional)
        self.carry = amount
        self._settled()

    def _settled(self) -> None:
        if self._unhedged_since_s is not None:
            self.stats.max_unhedged_ms = max(self.stats.max_unhedged_ms, self.unhedged_age_ms())
        self._unhedged_since_s = None
        self.in_flight_sides.clear()


def _log_submit(market: str, amount: Decimal, key_text: str, owed: Decimal,
                assumed: Decimal | None) -> None:
    """Written once the hedge request is on its way (after_this_step), not before it."""
    side = "buy" if amount > 0 else "sell"
    logger.info("{} submit {} {} for fill {} (owed {}) assumed_price={}", TAG, side, abs(amount),
                key_text, owed, assumed if assumed is not None else "-")
    events.emit(events.HEDGE_SUBMIT, market, fill_id=key_text, side=side, size_base=abs(amount),
                owed_base=owed, assumed_price=assumed)
