"""Order placement and cancellation: Binance's checks in Binance's order, then matching.

Checks run before anything is recorded, so a refused order leaves no trace, exactly like the
real venue; a taker remainder of MARKET/IOC is EXPIRED, a GTC remainder rests (it never fills
later: the synthetic book has no flow of its own).
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from hedge.sim.binance import errors as E
from hedge.sim.binance.accounts import TAKER_FEE, Account, Order
from hedge.sim.binance.errors import VenueError
from hedge.sim.binance.markets import SYMBOLS, TIME_IN_FORCE, SymbolSpec
from hedge.sim.binance.venue import HedgeVenueState

CLIENT_ORDER_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")


def _decimal(params: dict[str, str], name: str) -> Decimal:
    raw = params.get(name)
    if raw is None or raw == "":
        raise E.missing_param(name)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise E.missing_param(name) from None
    if not value.is_finite():
        raise E.missing_param(name)
    return value


def symbol_spec(params: dict[str, str]) -> SymbolSpec:
    symbol = params.get("symbol")
    if not symbol:
        raise E.missing_param("symbol")
    spec = SYMBOLS.get(symbol)
    if spec is None:
        raise VenueError(*E.INVALID_SYMBOL)
    return spec


def _bool(params: dict[str, str], name: str) -> bool:
    raw = params.get(name, "false").lower()
    if raw not in ("true", "false"):
        raise E.bad_param(name)
    return raw == "true"


def _increasing_qty(account: Account, symbol: str, side: str, qty: Decimal) -> Decimal:
    """The part of `qty` that grows the absolute position (what needs new margin)."""
    amount = account.position(symbol).amount
    if amount == 0 or (amount > 0) == (side == "BUY"):
        return qty
    return max(Decimal(0), qty - abs(amount))


def place_order(state: HedgeVenueState, account: Account, params: dict[str, str],
                now: int) -> Order:
    """Validate, match and record a new order; raise VenueError when Binance would refuse."""
    spec = symbol_spec(params)
    side = params.get("side")
    if side not in ("BUY", "SELL"):
        raise VenueError(-1117, "Invalid side.") if side else E.missing_param("side")
    order_type = params.get("type")
    if order_type not in ("MARKET", "LIMIT"):
        raise VenueError(-1116, "Invalid orderType.") if order_type else E.missing_param("type")
    if params.get("positionSide", "BOTH") != "BOTH":
        raise VenueError(-4061, "Order's position side does not match user's setting.")
    cid = params.get("newClientOrderId")
    if cid is not None and not CLIENT_ORDER_ID.match(cid):
        raise VenueError(-1100, "Illegal characters found in parameter 'newClientOrderId'; "
                                "legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.")
    qty = _decimal(params, "quantity")
    if qty <= 0:
        raise VenueError(-4003, "Quantity less than or equal to zero.")
    if qty % spec.step != 0:
        raise VenueError(*E.QTY_PRECISION)
    max_qty = spec.market_max_qty if order_type == "MARKET" else spec.max_qty
    if qty < spec.min_qty or qty > max_qty:
        raise VenueError(-4005 if qty > max_qty else -4003,
                         "Quantity greater than max quantity." if qty > max_qty
                         else "Quantity less than or equal to zero.")
    reduce_only = _bool(params, "reduceOnly")
    price = Decimal(0)
    tif = "GTC"
    if order_type == "LIMIT":
        price = _decimal(params, "price")
        if price <= 0:
            raise VenueError(-4001, "Price less than 0.")
        if price % spec.tick != 0:
            raise VenueError(*E.PRICE_TICK)
        tif = params.get("timeInForce") or ""
        if not tif:
            raise E.missing_param("timeInForce")
        if tif not in TIME_IN_FORCE:
            raise VenueError(-1115, "Invalid timeInForce.")
    if cid is None:
        cid = f"sim{state.next_order_id + 1}"
    elif account.open_order_by_client_id(spec.symbol, cid) is not None:
        raise VenueError(*E.DUPLICATE_CLIENT_ID)

    book = state.book(spec.symbol, now)
    position = account.position(spec.symbol).amount
    fill_qty = qty
    if reduce_only:
        if position == 0 or (position > 0) == (side == "BUY"):
            raise VenueError(*E.REDUCE_ONLY_REJECTED)
        fill_qty = min(qty, abs(position))
    ref_price = price if order_type == "LIMIT" else (
        book.side_to_take(side)[0].price)
    if not reduce_only and qty * ref_price < spec.min_notional:
        raise VenueError(-4164, f"Order's notional must be no smaller than "
                                f"{spec.min_notional.normalize():f} (unless you choose reduce only).")
    if tif == "GTX" and book.crosses(side, price):
        raise VenueError(*E.POST_ONLY_WOULD_CROSS)
    if tif == "FOK" and book.fillable(side, price) < qty:
        raise VenueError(*E.FOK_NOT_FILLABLE)
    needed = (_increasing_qty(account, spec.symbol, side, qty) * ref_price
              / account.leverage_of(spec.symbol)) * (1 + TAKER_FEE)
    if state.faults.reject_hedges or spec.symbol in state.faults.reject_hedge_symbols or (
            not reduce_only and needed > state.margin(account, now).available):
        raise VenueError(*E.MARGIN_INSUFFICIENT)

    order = Order(state.new_order_id(), cid, spec.symbol, side, order_type, tif, qty, price,
                  reduce_only, now, update_ms=now)
    account.orders[order.order_id] = order
    if tif != "GTX":
        for fill_price, fill in book.walk(side, fill_qty, price if order_type == "LIMIT" else None):
            account.apply_fill(order, fill_price, fill, now)
    if order.executed_qty == qty:
        order.status = "FILLED"
    elif order_type == "MARKET" or tif in ("IOC", "FOK") or reduce_only:
        order.status = "EXPIRED"
    elif order.executed_qty > 0:
        order.status = "PARTIALLY_FILLED"
    state.executed_order_posts += 1
    return order


def cancel_order(account: Account, params: dict[str, str], now: int) -> Order:
    """DELETE /fapi/v1/order: an order that is not open (or not found) is -2011."""
    spec = symbol_spec(params)
    order = lookup(account, spec, params, E.UNKNOWN_ORDER_CANCEL)
    if not order.is_open:
        raise VenueError(*E.UNKNOWN_ORDER_CANCEL)
    order.status = "CANCELED"
    order.update_ms = now
    return order


def lookup(account: Account, spec: SymbolSpec, params: dict[str, str],
           not_found: tuple[int, str] = E.UNKNOWN_ORDER_QUERY) -> Order:
    """By orderId or origClientOrderId, one of which Binance requires."""
    raw_id = params.get("orderId")
    cid = params.get("origClientOrderId")
    if raw_id is None and cid is None:
        raise VenueError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, "
                                "but both were empty/null!")
    order_id = None
    if raw_id is not None:
        try:
            order_id = int(raw_id)
        except ValueError:
            raise E.bad_param("orderId") from None
    order = account.find_order(spec.symbol, order_id, cid)
    if order is None:
        raise VenueError(*not_found)
    return order
