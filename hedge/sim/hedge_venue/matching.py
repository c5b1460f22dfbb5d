"""Matching, written once for every hedge venue: validate -> reduce-only cap -> margin -> walk
the book -> status.

A venue parses its wire into an `OrderRequest`, calls `execute`, and turns a `Refusal` into its
own error code (the reason names are the same everywhere). What differs between the exchanges'
matching engines is data (`MatchRules`), not code.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Callable

from hedge.sim.hedge_venue.accounts import Account, Order
from hedge.sim.hedge_venue.state import HedgeVenueState


class Refusal(Exception):
    """The venue refuses the order. `reason` is one of: position_side, duplicate_id,
    reduce_only_flat, reduce_only_side, min_notional, post_only, fok, margin."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class MatchRules:
    """How one exchange's engine differs: which duplicates it refuses, whether the notional
    minimum applies (reduce-only orders are exempt wherever it does), and whether a crossing
    post-only or an unfillable FOK is refused or recorded as canceled."""

    duplicate_ids: str = "open"          # "open": among open orders only; "ever": any order
    min_notional: bool = True
    min_notional_reduce_only: bool = False   # the minimum applies to reduce-only orders too
    post_only_cross: str = "refuse"      # "refuse" | "cancel"
    fok_short: str = "refuse"            # "refuse" | "cancel"
    remainder_status: str = "EXPIRED"    # what an IOC/FOK/market remainder ends as


@dataclass
class OrderRequest:
    symbol: str
    side: str                  # BUY | SELL
    type: str                  # MARKET | LIMIT
    tif: str                   # GTC | IOC | FOK | GTX
    qty: Decimal
    price: Decimal             # the limit; for MARKET the venue's protection price or 0
    reduce_only: bool
    client_id: str
    position_side: str = ""   # the venue's side field (positionSide/posSide/positionIdx); "" = none
    extra_fee: Decimal = Decimal(0)   # charged on top of the taker fee (a builder's share)


def decimal_param(params: dict, name: str, missing: Callable[[str], Exception],
                  bad: Callable[[str], Exception] | None = None) -> Decimal:
    """A finite decimal parameter: `missing(name)` when absent or empty, `bad(name)` (default
    `missing`) when it is not a finite number. Each venue passes its own errors."""
    raw = params.get(name)
    if raw is None or raw == "":
        raise missing(name)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise (bad or missing)(name)
    return value


def flag_param(params: dict, name: str, bad: Callable[[str], Exception]) -> bool:
    """A boolean parameter, as JSON true/false or the strings "true"/"false" (default false)."""
    raw = params.get(name, False)
    text = str(raw).lower()
    if isinstance(raw, bool) or text in ("true", "false"):
        return raw is True or text == "true"
    raise bad(name)


def duplicate(account: Account, client_id: str, scope: str) -> bool:
    return bool(client_id) and any(o.client_order_id == client_id and (o.is_open or scope == "ever")
                                   for o in account.orders.values())


def execute(state: HedgeVenueState, account: Account, req: OrderRequest, now: int,
            rules: MatchRules) -> Order:
    """Check, record and match one order; raise Refusal where the venue would refuse it."""
    if account.position_mode == "hedge" and not req.position_side:
        raise Refusal("position_side")
    if duplicate(account, req.client_id, rules.duplicate_ids):
        raise Refusal("duplicate_id")
    book = state.book(req.symbol, now)
    position = account.position(req.symbol).amount
    fill_qty = req.qty
    if req.reduce_only:
        if position == 0:
            raise Refusal("reduce_only_flat")
        if (position > 0) == (req.side == "BUY"):
            raise Refusal("reduce_only_side")
        fill_qty = min(req.qty, abs(position))
    ref_price = req.price if req.type == "LIMIT" else book.side_to_take(req.side)[0].price
    if rules.min_notional and (rules.min_notional_reduce_only or not req.reduce_only) \
            and req.qty * ref_price < state.spec(req.symbol, now).min_notional:
        raise Refusal("min_notional")
    crossing_post_only = req.tif == "GTX" and book.crosses(req.side, req.price)
    if crossing_post_only and rules.post_only_cross == "refuse":
        raise Refusal("post_only")
    limit = req.price if req.type == "LIMIT" or req.price else None
    fok_short = req.tif == "FOK" and book.fillable(req.side, limit) < req.qty
    if fok_short and rules.fok_short == "refuse":
        raise Refusal("fok")
    growing = req.qty if position == 0 or (position > 0) == (req.side == "BUY") \
        else max(Decimal(0), req.qty - abs(position))
    needed = (growing * ref_price / account.leverage_of(req.symbol)
              * (1 + account.taker_fee + req.extra_fee))
    faults = state.faults
    if faults.reject_hedges or req.symbol in faults.reject_hedge_symbols or (
            not req.reduce_only and needed > state.margin(account, now).available):
        raise Refusal("margin")

    order = Order(state.new_order_id(), req.client_id, req.symbol, req.side, req.type, req.tif,
                  req.qty, req.price, req.reduce_only, now, update_ms=now,
                  position_side=req.position_side)
    account.orders[order.order_id] = order
    state.executed_order_posts += 1
    if crossing_post_only or fok_short:
        order.status = "CANCELED"
        order.reject_reason = "post_only" if crossing_post_only else "fok"
        return order
    if req.tif != "GTX":
        for fill_price, fill in book.walk(req.side, fill_qty, limit):
            account.apply_fill(order, fill_price, fill, now, req.extra_fee)
    if order.executed_qty == req.qty:
        order.status = "FILLED"
    elif req.type == "MARKET" or req.tif in ("IOC", "FOK") or req.reduce_only:
        order.status = rules.remainder_status
    elif order.executed_qty > 0:
        order.status = "PARTIALLY_FILLED"
    return order
