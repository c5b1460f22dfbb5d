"""Where to rest the maker quotes, and when a resting quote should move.

Both pricing modes price a side from what hedging its fill would fetch on the hedge venue:
`profit` keeps at least `min_profit_bps` after both fees and improves Lighter's best level by at
most one tick; `join` joins Lighter's best level (volume mode) but never where the hedge would
lose more than `join_max_loss_bps`. A side is off when it would grow the position past
`max_position`, when its hedge is still in flight, or when the bot cannot see its fills.

The adaptive terms (hedge/core/pricing.py) add a volatility and markout edge, lean both prices
against the inventory and size from the hedge book's depth. None of them may take a quote past
its loss line: the price at which a fill hedged at the current book keeps only `min_profit_bps`
after both fees. A resting quote beyond that line is canceled at once, never moved within the
tolerance band.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hedge.core.pricing import (PricingParams, fair_hedge_price, size_from_depth, skew_bps,
                                vol_edge_bps)
from hedge.core.units import BPS, round_to_step


@dataclass(frozen=True)
class QuoteParams:
    pricing: str                  # "profit" or "join"
    order_size: Decimal
    tick: Decimal                 # Lighter price tick
    min_profit_bps: Decimal
    join_max_loss_bps: Decimal
    maker_fee_bps: Decimal
    taker_fee_bps: Decimal        # hedge venue
    max_position: Decimal
    quote_bid: bool = True
    quote_ask: bool = True
    terms: PricingParams = PricingParams()
    size_step: Decimal = Decimal("0.0001")   # Lighter size step
    min_order_base: Decimal = Decimal(0)     # Lighter's minimum order size


@dataclass(frozen=True)
class MarketView:
    """What one quote decision looks at."""

    lighter_bid: Decimal | None
    lighter_ask: Decimal | None
    hedge_sell_price: Decimal | None   # average price selling order_size on the hedge venue
    hedge_buy_price: Decimal | None    # average price buying order_size on the hedge venue
    position: Decimal                  # Lighter position, signed base
    bid_hedge_in_flight: bool = False
    ask_hedge_in_flight: bool = False
    can_see_fills: bool = True         # account stream up and positions known
    hedge_carry: Decimal = Decimal(0)  # owed hedge below the venue minimum: + buy, - sell
    own_bid: Decimal | None = None     # our resting bid, when one rests (the book includes it)
    own_ask: Decimal | None = None
    vol_bps_per_sqrt_s: float = 0.0         # the hedge mid's volatility (pricing.MidVolatility)
    basis: Decimal = Decimal(0)             # Lighter mid - hedge mid, EWMA (pricing.BasisEwma)
    bid_markout_bps: Decimal = Decimal(0)   # adverse-selection buffer per side
    ask_markout_bps: Decimal = Decimal(0)
    hedge_bid_depth_base: Decimal | None = None   # hedge depth within the slippage cap: a bid
    hedge_ask_depth_base: Decimal | None = None   # fill sells into bids, an ask fill buys asks


@dataclass(frozen=True)
class QuoteTarget:
    bid: Decimal | None
    ask: Decimal | None
    bid_off: str = ""                  # why the bid is off, when it is
    ask_off: str = ""
    bid_hedge_price: Decimal | None = None   # the hedge price a bid fill was priced against
    ask_hedge_price: Decimal | None = None
    bid_loss_line: Decimal | None = None     # a resting bid above it earns < min_profit_bps
    ask_loss_line: Decimal | None = None     # a resting ask below it earns < min_profit_bps
    bid_size: Decimal | None = None          # None: the configured order size
    ask_size: Decimal | None = None


def _required_edge_bps(p: QuoteParams) -> Decimal:
    return p.min_profit_bps if p.pricing == "profit" else -p.join_max_loss_bps


def bid_limit(hedge_sell_price: Decimal, p: QuoteParams,
              extra_edge_bps: Decimal = Decimal(0)) -> Decimal:
    """Highest Lighter bid whose fill, sold on the hedge venue, keeps the required edge (plus
    `extra_edge_bps`); `hedge_sell_price` in Lighter's currency."""
    keep = 1 - (p.taker_fee_bps + _required_edge_bps(p) + extra_edge_bps) / BPS
    return round_to_step(hedge_sell_price * keep / (1 + p.maker_fee_bps / BPS), p.tick, up=False)


def ask_limit(hedge_buy_price: Decimal, p: QuoteParams,
              extra_edge_bps: Decimal = Decimal(0)) -> Decimal:
    """Lowest Lighter ask whose fill, bought back on the hedge venue, keeps the required edge
    (plus `extra_edge_bps`)."""
    need = 1 + (p.taker_fee_bps + _required_edge_bps(p) + extra_edge_bps) / BPS
    return round_to_step(hedge_buy_price * need / (1 - p.maker_fee_bps / BPS), p.tick, up=True)


def required_extra_bps(view: MarketView, p: QuoteParams) -> tuple[Decimal, Decimal]:
    """The edge each side needs beyond fees and the minimum, inventory lean included: the
    volatility over the stale window, the side's markout buffer, and the skew (the side that
    reduces the position needs less, the other more)."""
    t = p.terms
    vol = vol_edge_bps(view.vol_bps_per_sqrt_s, t)
    lean = skew_bps(view.position, p.max_position, t)      # < 0 when long: both prices lower
    bid_buffer = view.bid_markout_bps if t.adaptive and t.markout_buffer else Decimal(0)
    ask_buffer = view.ask_markout_bps if t.adaptive and t.markout_buffer else Decimal(0)
    return vol + bid_buffer - lean, vol + ask_buffer + lean


def _side_size(depth_base: Decimal | None, p: QuoteParams) -> Decimal:
    return size_from_depth(p.order_size, depth_base, p.size_step, p.terms)


def quote_target(view: MarketView, p: QuoteParams) -> QuoteTarget:
    if not view.can_see_fills:
        return QuoteTarget(None, None, "fill stream down or positions unknown",
                           "fill stream down or positions unknown")
    if view.lighter_bid is None or view.lighter_ask is None:
        return QuoteTarget(None, None, "no Lighter book", "no Lighter book")
    step = p.tick if p.pricing == "profit" else Decimal(0)
    # Improving on our own best level would chase ourselves a tick at a time: a request each.
    bid_step = Decimal(0) if view.own_bid is not None and view.own_bid >= view.lighter_bid else step
    ask_step = Decimal(0) if view.own_ask is not None and view.own_ask <= view.lighter_ask else step
    bid_extra, ask_extra = required_extra_bps(view, p)
    bid_size = _side_size(view.hedge_bid_depth_base, p)
    ask_size = _side_size(view.hedge_ask_depth_base, p)
    bid_line = ask_line = None
    bid, bid_off = None, ""
    carry_note = "hedge carry below the venue minimum: quoting the side that completes it"
    if not p.quote_bid:
        bid_off = "bid side disabled"
    elif view.hedge_carry > 0:          # owed buy: a maker sell grows it, a maker buy would not
        bid_off = carry_note
    elif view.bid_hedge_in_flight:
        bid_off = "bid hedge in flight"
    elif view.position + bid_size > p.max_position:
        bid_off = "max_position reached"
    elif view.hedge_sell_price is None or bid_size <= 0 or bid_size < p.min_order_base:
        bid_off = "hedge book too thin for the size"
    else:
        bid_line = bid_limit(view.hedge_sell_price / p.terms.quote_rate, p)
        fair = fair_hedge_price(view.hedge_sell_price, view.basis, p.terms)
        bid = min(bid_limit(fair, p, bid_extra), bid_line, view.lighter_bid + bid_step,
                  view.lighter_ask - p.tick)
    ask, ask_off = None, ""
    if not p.quote_ask:
        ask_off = "ask side disabled"
    elif view.hedge_carry < 0:
        ask_off = carry_note
    elif view.ask_hedge_in_flight:
        ask_off = "ask hedge in flight"
    elif view.position - ask_size < -p.max_position:
        ask_off = "max_position reached"
    elif view.hedge_buy_price is None or ask_size <= 0 or ask_size < p.min_order_base:
        ask_off = "hedge book too thin for the size"
    else:
        ask_line = ask_limit(view.hedge_buy_price / p.terms.quote_rate, p)
        fair = fair_hedge_price(view.hedge_buy_price, view.basis, p.terms)
        ask = max(ask_limit(fair, p, ask_extra), ask_line, view.lighter_ask - ask_step,
                  view.lighter_bid + p.tick)
    return QuoteTarget(bid, ask, bid_off, ask_off,
                       bid_hedge_price=view.hedge_sell_price if bid is not None else None,
                       ask_hedge_price=view.hedge_buy_price if ask is not None else None,
                       bid_loss_line=bid_line, ask_loss_line=ask_line,
                       bid_size=bid_size if bid is not None else None,
                       ask_size=ask_size if ask is not None else None)


def requote_action(resting_price: Decimal | None, target: Decimal | None, rested_ms: int,
                   tolerance_bps: Decimal, min_lifetime_ms: int, side: str = "",
                   loss_line: Decimal | None = None) -> str:
    """"place", "modify", "cancel" or "keep" for one side.

    A resting quote beyond its `loss_line` (its fill would earn less than min_profit_bps at the
    current hedge book) is canceled, never modified and never kept by the band: the cancel is
    cheap, at cancel priority, and leaves the budget's order meaningful.

    Every move is a request out of a small budget (60 a minute on a standard account), so a
    quote moves only when the target is further than the tolerance away and the quote has
    rested its minimum lifetime. Two moves are never delayed: taking a quote down when its side
    turns off, and pulling back a quote that has become more aggressive than the target (its
    fill would no longer pay); `side` ("bid"/"ask") tells which direction that is.
    """
    if resting_price is None:
        return "place" if target is not None else "keep"
    if target is None:
        return "cancel"
    if loss_line is not None and ((side == "bid" and resting_price > loss_line)
                                  or (side == "ask" and resting_price < loss_line)):
        return "cancel"
    moved_bps = abs(target - resting_price) / resting_price * BPS
    if moved_bps <= tolerance_bps:
        return "keep"
    too_aggressive = (side == "bid" and resting_price > target) or (side == "ask" and resting_price < target)
    if too_aggressive or rested_ms >= min_lifetime_ms:
        return "modify"
    return "keep"


@dataclass(frozen=True)
class QuotaPacing:
    """How a premium account's volume quota slows quoting: below `slow_below` quotes move
    `slow_factor` times less often; below `pause_below` quoting stops before the quota runs out
    (creates and modifies spend it; cancels do not)."""

    slow_below: int = 300
    pause_below: int = 50
    slow_factor: int = 4


def quota_state(remaining: int | None, pacing: QuotaPacing) -> str:
    """"ok", "slow" or "paused" for the quota the venue last reported (None: not metered)."""
    if remaining is None or remaining >= pacing.slow_below:
        return "ok"
    return "paused" if remaining < pacing.pause_below else "slow"
