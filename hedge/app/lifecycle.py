"""Startup and shutdown: know the state before quoting, leave nothing behind after.

Startup: the key is checked, every resting order of the account is canceled, and the journal is
reconciled against both venues: a hedge whose outcome was never recorded is looked up by its
client id; a fill journaled but not hedged is hedged. If the two positions still do not net to
zero within one hedge step, the bot refuses to quote.

Shutdown: quotes canceled (and the cancel seen), the last fills hedged, clients closed.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

from loguru import logger

from hedge.adapters.lighter.order_client import LighterOrderClient
from hedge.adapters.lighter.request_budget import Priority
from hedge.adapters.lighter.rest import LighterRest
from hedge.adapters.hedging.venue import HedgeVenue
from hedge.app.hedge_desk import HedgeDesk
from hedge.core.fill_detector import FillDetector
from hedge.infra.clock import REAL_CLOCK, MonotonicClock
from hedge.infra.journal import Journal
from hedge.infra.logs import HEDGE_TAG


CANCEL_CHECK_FIRST_S = 0.25
CANCEL_CHECK_MAX_S = 2.0


class StartupRefused(RuntimeError):
    """The bot will not quote: the state of the venues does not match what it knows."""


class JournalUnexplained(StartupRefused):
    """The journal owes a hedge that Lighter's position does not explain: the operator decides."""


@dataclass(frozen=True)
class ReconcileReport:
    lighter_position: Decimal
    hedge_position: Decimal
    intents_looked_up: int
    fills_rehedged: int
    fills_missed: int = 0


async def cancel_everything(orders: LighterOrderClient, rest: LighterRest, account: int,
                            market: int, token: str, timeout_s: float = 10.0,
                            send_cancel: bool = True,
                            clock: MonotonicClock = REAL_CLOCK) -> int:
    """Cancel all resting orders and wait until REST shows none; returns how many remain.

    Each look costs a request out of the account's budget (60 a minute on a standard account),
    so the looks back off: 0.25 s after the cancel (its latency), then doubling up to 2 s."""
    if send_cancel:   # Lighter's cancel-all covers every market: once for all of them
        result = await orders.cancel_all()
        if not result.accepted:
            logger.warning("cancel-all not accepted: code={} {}", result.code, result.message)
    deadline = clock.now_s() + timeout_s
    pause_s = CANCEL_CHECK_FIRST_S
    await clock.sleep(pause_s)
    while True:
        try:   # part of the kill path: first in the request budget, never past the deadline
            left = len(await asyncio.wait_for(
                rest.active_orders(account, market, token, Priority.CANCEL),
                max(0.5, deadline - clock.now_s())))
        except Exception as exc:  # keep asking until the deadline
            logger.warning("active orders read failed: {}: {}", type(exc).__name__, exc)
            left = -1
        if left == 0 or clock.now_s() > deadline:
            return max(left, 0) if left >= 0 else 1
        pause_s = min(pause_s * 2, CANCEL_CHECK_MAX_S)
        await clock.sleep(pause_s)


async def recover_missed_fills(journal: Journal, desk: HedgeDesk, detector: FillDetector,
                               rest: LighterRest, account: int, market: int, token: str) -> int:
    """Fills of our earlier quotes that no run saw (the process was down): ask the venue.

    Every quote's client index is journaled before it is placed, so the venue can tell what
    became of each; a rise over the journaled cumulative fill is journaled and owed.
    """
    for order_index, cum in journal.filled_orders():
        detector.seed(order_index, cum)
    indexes = journal.recent_orders(market)
    found = 0
    async for orders in rest.orders_in_chunks(account, indexes, token):
        for order in orders:
            delta = detector.on_update(order) if order.market_id == market else None
            if delta is not None and desk.on_fill(delta, 0):
                found += 1
                logger.warning("{} restart: fill {} happened while no run was watching",
                               HEDGE_TAG, delta.fill_id)
    return found


async def reconcile_journal(journal: Journal, desk: HedgeDesk, detector: FillDetector,
                            hedge_venue: HedgeVenue, symbol: str, rest: LighterRest, account: int,
                            market: int, token: str) -> ReconcileReport:
    """Resolve what the last run left open, then check the two positions net out."""
    looked_up = 0
    for intent in journal.intents_without_result():
        if intent.symbol != symbol:
            continue                 # another market's: its own reconcile looks it up
        found = await hedge_venue.find_order(intent.symbol, intent.client_id)
        filled = found.filled if found is not None else Decimal(0)
        journal.record_hedge_result(intent.client_id, "resolved" if found else "not_found", filled,
                                    found.average_price if found else None, "restart lookup")
        looked_up += 1
        logger.info("{} restart: {} looked up: {}", HEDGE_TAG, intent.client_id,
                    f"filled {filled}" if found else "never reached the venue")
    missed = await recover_missed_fills(journal, desk, detector, rest, account, market, token)
    maker_signed, hedged_signed = journal.signed_totals(market, symbol)
    desk.ledger.owed = -maker_signed - hedged_signed
    lighter_position = await rest.account_position(account, market)
    hedge_position = await hedge_venue.position(symbol)
    desk.hedge_position = hedge_position
    rehedged = 0
    step = hedge_venue.rules(symbol).amount_step
    if desk.ledger.next_order_amount() != 0:
        # Owed X means the fills left Lighter + hedge = -X; anything else is not this journal's.
        unexplained = lighter_position + hedge_position + desk.ledger.owed
        if abs(unexplained) > step / 2:
            raise JournalUnexplained(
                f"the journal owes a hedge of {desk.ledger.owed}, but the positions do not "
                f"explain it: Lighter {lighter_position} + hedge {hedge_position} = "
                f"{lighter_position + hedge_position} (the journal's fills leave "
                f"{-desk.ledger.owed}); nothing was sent. Check both accounts by hand: flatten "
                "them, or point the bot at the journal of the run that opened them")
        last = journal.last_fill_key(market)
        logger.info("{} restart: {} owed from the journal; hedging it now", HEDGE_TAG,
                    desk.ledger.owed)
        await desk.hedge_now(last)
        rehedged = 1
    net = lighter_position + desk.hedge_position
    if abs(net) > max(step, abs(desk.ledger.owed)):
        raise StartupRefused(
            f"positions do not net out: Lighter {lighter_position} + hedge {desk.hedge_position} "
            f"= {net}, and the journal explains only {desk.ledger.owed} of it; flatten one venue "
            "by hand or point the bot at the journal of the run that opened it")
    return ReconcileReport(lighter_position, desk.hedge_position, looked_up, rehedged, missed)


async def wait_for_hedges(desk: HedgeDesk, timeout_s: float = 15.0) -> None:
    """Let the hedge desk finish what the last fills owe (and retry once what is left)."""
    await desk.wait_idle(timeout_s)
    if desk.ledger.next_order_amount() != 0 or desk.unresolved:
        await desk.retry_owed()
