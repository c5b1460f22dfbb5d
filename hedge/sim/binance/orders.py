"""Binance's order wire: parameters into the shared matching, refusals into Binance's codes.

A client order id is unique among OPEN orders only, as on Binance: once an order is filled,
expired or canceled its id may be sent again and trades again (a stricter venue would hide the
double fill that a blind resend causes in production). In hedge (dual-side) position mode an
order without positionSide LONG/SHORT is -4061; in one-way mode anything but BOTH is.
"""
from __future__ import annotations

import re
from decimal import Decimal

from hedge.sim.binance import errors as E
from hedge.sim.binance.errors import VenueError
from hedge.sim.binance.markets import SYMBOLS, TIME_IN_FORCE
from hedge.sim.hedge_venue.accounts import Account, Order
from hedge.sim.hedge_venue.book import SymbolSpec
from hedge.sim.hedge_venue.matching import (MatchRules, OrderRequest, Refusal, decimal_param,
                                            execute, flag_param)
from hedge.sim.hedge_venue.state import HedgeVenueState

CLIENT_ORDER_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
RULES = MatchRules()
REFUSALS = {"position_side": E.POSITION_SIDE, "duplicate_id": E.DUPLICATE_CLIENT_ID,
            "reduce_only_flat": E.REDUCE_ONLY_REJECTED, "reduce_only_side": E.REDUCE_ONLY_REJECTED,
            "post_only": E.POST_ONLY_WOULD_CROSS, "fok": E.FOK_NOT_FILLABLE,
            "margin": E.MARGIN_INSUFFICIENT}


def symbol_spec(params: dict[str, str]) -> SymbolSpec:
    symbol = params.get("symbol")
    if not symbol:
        raise E.missing_param("symbol")
    spec = SYMBOLS.get(symbol)
    if spec is None:
        raise VenueError(*E.INVALID_SYMBOL)
    return spec


def _request(account: Account, params: dict[str, str]) -> OrderRequest:
    spec = symbol_spec(params)
    side = params.get("side")
    if side not in ("BUY", "SELL"):
        raise VenueError(-1117, "Invalid side.") if side else E.missing_param("side")
    order_type = params.get("type")
    if order_type not in ("MARKET", "LIMIT"):
        raise VenueError(-1116, "Invalid orderType.") if order_type else E.missing_param("type")
    position_side = params.get("positionSide", "BOTH")
    if position_side != "BOTH" and (account.position_mode != "hedge"
                                    or position_side not in ("LONG", "SHORT")):
        raise VenueError(*E.POSITION_SIDE)
    cid = params.get("newClientOrderId")
    if cid is not None and not CLIENT_ORDER_ID.match(cid):
        raise VenueError(-1100, "Illegal characters found in parameter 'newClientOrderId'; "
                                "legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.")
    qty = decimal_param(params, "quantity", E.missing_param)
    if qty <= 0:
        raise VenueError(-4003, "Quantity less than or equal to zero.")
    if qty % spec.step != 0:
        raise VenueError(*E.QTY_PRECISION)
    max_qty = spec.market_max_qty if order_type == "MARKET" else spec.max_qty
    if qty < spec.min_qty or qty > max_qty:
        raise VenueError(-4005 if qty > max_qty else -4003,
                         "Quantity greater than max quantity." if qty > max_qty
                         else "Quantity less than or equal to zero.")
    reduce_only = flag_param(params, "reduceOnly", E.bad_param)
    price, tif = Decimal(0), "GTC"
    if order_type == "LIMIT":
        price = decimal_param(params, "price", E.missing_param)
        if price <= 0:
            raise VenueError(-4001, "Price less than 0.")
        if price % spec.tick != 0:
            raise VenueError(*E.PRICE_TICK)
        tif = params.get("timeInForce") or ""
        if not tif:
            raise E.missing_param("timeInForce")
        if tif not in TIME_IN_FORCE:
            raise VenueError(-1115, "Invalid timeInForce.")
    return OrderRequest(spec.symbol, side, order_type, tif, qty, price, reduce_only, cid or "",
                        "" if position_side == "BOTH" else position_side)


def place_order(state: HedgeVenueState, account: Account, params: dict[str, str],
                now: int) -> Order:
    """Validate, match and record a new order; raise VenueError when Binance would refuse."""
    req = _request(account, params)
    req.client_id = req.client_id or f"sim{state.next_order_id + 1}"
    try:
        return execute(state, account, req, now, RULES)
    except Refusal as refusal:
        if refusal.reason == "min_notional":
            raise VenueError(-4164, f"Order's notional must be no smaller than "
                                    f"{SYMBOLS[req.symbol].min_notional.normalize():f} "
                                    "(unless you choose reduce only).") from None
        raise VenueError(*REFUSALS[refusal.reason]) from None


def cancel_order(state: HedgeVenueState, account: Account, params: dict[str, str],
                 now: int) -> Order:
    """DELETE /fapi/v1/order: an order that is not open (or not found) is -2011."""
    order = lookup(state, account, symbol_spec(params), params, now, E.UNKNOWN_ORDER_CANCEL,
                   lagged=False)
    if not order.is_open:
        raise VenueError(*E.UNKNOWN_ORDER_CANCEL)
    order.status = "CANCELED"
    order.update_ms = now
    return order


def lookup(state: HedgeVenueState, account: Account, spec: SymbolSpec, params: dict[str, str],
           now: int, not_found: tuple[int, str] = E.UNKNOWN_ORDER_QUERY,
           lagged: bool = True) -> Order:
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
    if order is None or (lagged and not state.visible(order, now)):
        raise VenueError(*not_found)
    return order


def order_json(order: Order) -> dict:
    """The order document Binance returns from POST/GET/DELETE /fapi/v1/order."""
    return {"orderId": order.order_id, "clientOrderId": order.client_order_id,
            "symbol": order.symbol, "status": order.status, "type": order.type,
            "origType": order.type, "side": order.side,
            "positionSide": order.position_side or "BOTH", "price": str(order.price),
            "avgPrice": str(order.avg_price.quantize(Decimal("0.00001"))
                            if order.executed_qty else "0"),
            "origQty": str(order.orig_qty), "executedQty": str(order.executed_qty),
            "cumQty": str(order.executed_qty), "cumQuote": str(order.cum_quote),
            "timeInForce": order.time_in_force, "reduceOnly": order.reduce_only,
            "closePosition": False, "stopPrice": "0", "workingType": "CONTRACT_PRICE",
            "priceProtect": False, "priceMatch": "NONE", "selfTradePreventionMode": "EXPIRE_MAKER",
            "goodTillDate": 0, "time": order.time_ms,
            "updateTime": order.update_ms or order.time_ms}
