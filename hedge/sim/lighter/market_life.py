"""What keeps the markets alive, drawn from the market model (hedge/market): the background
book re-centred on Lighter's fair, uninformed takers walking the book (our resting quotes
included, in price-time priority), informed takers after the account tier's taker delay,
scheduled cancel-alls and order expiry. Ticked every 50 ms; the takers are drawn per model
step from their own streams, so the bot's traffic never changes the market's draws. Book
diffs go out on the same tick."""
from __future__ import annotations

import asyncio
import heapq
import logging
import math
import random
import time
from dataclasses import dataclass, field

from hedge.market.simulation import poisson
from hedge.market.streams import stream
from hedge.sim.lighter.book import synthetic_targets
from hedge.sim.lighter.channels import ChannelFrames
from hedge.sim.lighter.venue import LighterVenue

log = logging.getLogger(__name__)
BOOK_TICK_S = 0.05
TAKERS_PER_S: float | None = None   # None: the model's uninformed rate; tests set more traffic
STATS_EVERY_S = 1.0


@dataclass
class TakerFlow:
    """One market's taker streams and the model step they have been drawn up to."""

    uninformed: random.Random
    informed: random.Random
    step: int = 0
    due: list[tuple[int, int, int, int]] = field(default_factory=list)  # (at ms, seq, order, price)


def _flow(venue: LighterVenue, market: int, now_ms: int) -> TakerFlow:
    flows = venue.taker_flows
    if market not in flows:
        symbol = venue.markets[market].symbol
        flows[market] = TakerFlow(stream(venue.seed, "uninformed", symbol),
                                  stream(venue.seed, "informed", symbol),
                                  venue.prices.step_index(now_ms))
    return flows[market]


def recentre(venue: LighterVenue, market: int, now_ms: int) -> None:
    """Move the background depth to Lighter's fair; resting orders the book moved through trade."""
    spec, book = venue.markets[market], venue.books[market]
    targets = synthetic_targets(spec, venue.prices.lighter_mid(spec.symbol, now_ms),
                                venue.prices.model.lighter)
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


def taker_flow(venue: LighterVenue, market: int, now_ms: int) -> None:
    """Draw every model step up to now (same draws per step whatever the bot does); land the
    informed takers whose delay has passed."""
    flow = _flow(venue, market, now_ms)
    model = venue.prices.model
    step_s = model.step_ms / 1000
    per_s = model.uninformed.per_s if TAKERS_PER_S is None else TAKERS_PER_S
    informed_p = 1 - math.exp(-model.informed.per_s_max * step_s)
    now_step = venue.prices.step_index(now_ms)
    spec = venue.markets[market]
    while flow.step < now_step:
        flow.step += 1
        for _ in range(poisson(flow.uninformed, per_s * step_s)):
            is_ask = flow.uninformed.random() < 0.5
            size = model.uninformed.size_median_base * math.exp(
                model.uninformed.size_sigma * flow.uninformed.gauss(0, 1))
            lots = _whole_minimums(spec, size)
            if not venue.faults.no_taker_flow:
                venue.synthetic_taker(market, is_ask, lots, None)
        if flow.informed.random() < informed_p and not venue.faults.no_taker_flow:
            _aim_informed(venue, market, flow, now_ms)
    while flow.due and flow.due[0][0] <= now_ms:
        _, _, order_index, price = heapq.heappop(flow.due)
        _land_informed(venue, market, order_index, price)


def _whole_minimums(spec, size_base: float) -> int:
    """A taker's size in lots, in whole multiples of the market's minimum order (at least one),
    so a fill of ours is never smaller than what the hedge venue accepts."""
    minimum = max(spec.min_base_lots, 1)
    return minimum * max(1, round(size_base * 10 ** spec.size_decimals / minimum))


def _aim_informed(venue: LighterVenue, market: int, flow: TakerFlow, now_ms: int) -> None:
    """An informed taker picks the resting order of ours furthest through Lighter's current
    fair (beyond the threshold) and takes it after the owner's tier taker delay."""
    spec, model = venue.markets[market], venue.prices.model
    fair = venue.prices.lighter_mid(spec.symbol, now_ms, lagged=False)
    best, best_through = None, model.informed.threshold_bps
    for order in venue.books[market].sorted_orders(True) + venue.books[market].sorted_orders(False):
        if order.synthetic:
            continue
        price = float(spec.price(order.price))
        through = (fair - price if order.is_ask else price - fair) / fair * 1e4
        if through > best_through:
            best, best_through = order, through
    if best is None:
        return
    tier = venue.tier_of(best.owner_account_index)
    delay = tier.latency_ms("taker") if venue.faults.tier_latency else 0
    heapq.heappush(flow.due, (now_ms + delay, best.order_index, best.order_index, best.price))


def _land_informed(venue: LighterVenue, market: int, order_index: int, price: int) -> None:
    """The informed taker arrives: it trades only if the order still rests at that price (a
    cancel or modify that landed first wins)."""
    spec, model = venue.markets[market], venue.prices.model
    for order in venue.books[market].sorted_orders(True) + venue.books[market].sorted_orders(False):
        if order.order_index == order_index and order.price == price and not order.synthetic:
            lots = _whole_minimums(spec, model.informed.size_base)
            venue.synthetic_taker(market, not order.is_ask, lots, price)
            return


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
        taker_flow(venue, market, now_ms)
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
