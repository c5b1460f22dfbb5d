"""What keeps the markets alive: re-centred synthetic depth, Poisson takers, scheduled
cancel-alls and order expiry, ticked every 50 ms; book diffs go out on the same tick."""
from __future__ import annotations

import asyncio
import logging
import time

from hedge.sim.lighter.book import synthetic_targets
from hedge.sim.lighter.channels import ChannelFrames
from hedge.sim.lighter.venue import LighterVenue

log = logging.getLogger(__name__)
BOOK_TICK_S = 0.05
TAKERS_PER_S = 2.0           # per market
TAKER_MAX_MIN_LOTS = 6       # taker size: 1..6 x the market's minimum
STATS_EVERY_S = 1.0


def recentre(venue: LighterVenue, market: int, now_ms: int) -> None:
    """Move synthetic depth to the current mid; resting orders the mid moved through trade."""
    spec, book = venue.markets[market], venue.books[market]
    targets = synthetic_targets(spec, spec.to_ticks(venue.prices.mid(spec.symbol, now_ms)), venue.seed)
    if venue.faults.no_taker_flow:           # "nothing ever fills": depth steps aside instead
        _clear_of_own_orders(targets, book)
        book.reprice_synthetic(targets, venue.make_synthetic(market))
        return
    best_ask, best_bid = min(targets[True]), max(targets[False])
    for is_ask, limit in ((True, best_ask), (False, best_bid)):
        # a seller (is_ask) sweeps bids at or above the new best ask, and vice versa
        crossed = [o for o in book.sorted_orders(not is_ask)
                   if (o.price >= limit if is_ask else o.price <= limit)]
        if any(not o.synthetic for o in crossed):
            venue.synthetic_taker(market, is_ask, sum(o.remaining for o in crossed), limit)
    book.reprice_synthetic(targets, venue.make_synthetic(market))


def _clear_of_own_orders(targets: dict[bool, dict[int, int]], book) -> None:
    """Drop synthetic levels that would cross a resting non-synthetic order (no_taker_flow)."""
    own_bids = [o.price for o in book.sorted_orders(False) if not o.synthetic]
    own_asks = [o.price for o in book.sorted_orders(True) if not o.synthetic]
    if own_bids:
        top = max(own_bids)
        targets[True] = {p: lots for p, lots in targets[True].items() if p > top}
    if own_asks:
        bottom = min(own_asks)
        targets[False] = {p: lots for p, lots in targets[False].items() if p < bottom}


def taker_flow(venue: LighterVenue, market: int) -> None:
    if venue.faults.no_taker_flow or venue.rng.random() >= TAKERS_PER_S * BOOK_TICK_S:
        return
    spec = venue.markets[market]
    is_ask = venue.rng.random() < 0.5
    lots = spec.min_base_lots * venue.rng.randint(1, TAKER_MAX_MIN_LOTS)
    venue.synthetic_taker(market, is_ask, lots, None)


def housekeeping(venue: LighterVenue, now_ms: int) -> None:
    """Fire due scheduled cancel-alls and expire orders past their order_expiry."""
    for acct in venue.accounts.values():
        if acct.cancel_all_time and now_ms >= acct.cancel_all_time:
            market = acct.cancel_all_market
            acct.cancel_all_time, acct.cancel_all_market = 0, 255
            acct.cancel_all_queued = False
            venue.cancel_all(acct, market)
        for order in acct.live_orders():
            if order.order_expiry and now_ms >= order.order_expiry:
                venue._finish(acct, order, "canceled-expired")


def tick(venue: LighterVenue, hub: ChannelFrames, now_ms: int) -> None:
    for market in venue.markets:
        recentre(venue, market, now_ms)
        taker_flow(venue, market)
    housekeeping(venue, now_ms)
    for market in venue.markets:
        hub.publish_book(market)


async def run_market_life(venue: LighterVenue, hub: ChannelFrames) -> None:
    next_stats = 0.0
    while True:
        now = time.time()
        try:
            tick(venue, hub, venue.now_ms())
            if now >= next_stats:
                hub.publish_market_stats()
                next_stats = now + STATS_EVERY_S
        except Exception:  # keep the markets alive; the log names the bug
            log.exception("lighter sim: market tick failed")
        await asyncio.sleep(BOOK_TICK_S / venue.prices.speed)   # faster market, more ticks
