"""Order placement, cancellation and the order document, with bybit's checks and codes.

Checks run before anything is recorded, so a refused order leaves no trace. Orders are kept in
the binance venue's Order records (BUY/SELL, NEW/FILLED/...); `order_json` speaks bybit. A
derivatives order whose remainder is dropped (IOC, FOK, market, post-only that would cross) ends
`Cancelled`, with whatever it executed in cumExecQty, as on bybit.
"""
from __future__ import annotations

import re
from decimal import Decimal

from hedge.sim.bybit import envelope as E
from hedge.sim.bybit.envelope import BybitError
from hedge.sim.bybit.markets import CATEGORY, SYMBOLS
from hedge.sim.bybit.state import BybitVenueState, order_id_text
from hedge.sim.hedge_venue.accounts import Account, Order
from hedge.sim.hedge_venue.book import SymbolSpec
from hedge.sim.hedge_venue.matching import (MatchRules, OrderRequest, Refusal, decimal_param,
                                            execute, flag_param)

ORDER_LINK_ID = re.compile(r"[A-Za-z0-9_-]{1,36}")
SIDES = {"Buy": "BUY", "Sell": "SELL"}
TYPES = {"Market": "MARKET", "Limit": "LIMIT"}
TIME_IN_FORCE = {"GTC": "GTC", "IOC": "IOC", "FOK": "FOK", "PostOnly": "GTX"}
STATUS = {"NEW": "New", "PARTIALLY_FILLED": "PartiallyFilled", "FILLED": "Filled",
          "CANCELED": "Cancelled", "EXPIRED": "Cancelled"}
REFUSALS = {"position_side": E.POSITION_IDX, "duplicate_id": E.DUPLICATE_LINK_ID,
            "reduce_only_flat": E.REDUCE_ONLY_ZERO, "reduce_only_side": E.REDUCE_ONLY_SIDE,
            "margin": E.INSUFFICIENT_BALANCE}


def require_category(params: dict) -> str:
    category = params.get("category")
    if not category:
        raise E.params_error("category is required")
    if category not in ("spot", "linear", "inverse", "option"):
        raise E.params_error(f"category {category} is invalid")
    if category != CATEGORY:
        raise BybitError(10001, f"category {category} is not supported on this venue "
                                "(linear USDT perpetuals only)")
    return category


def symbol_spec(params: dict) -> SymbolSpec:
    symbol = params.get("symbol")
    if not symbol:
        raise E.params_error("symbol is required")
    spec = SYMBOLS.get(str(symbol))
    if spec is None:
        raise BybitError(10001, "params error: symbol invalid")
    return spec


def _invalid(name: str) -> BybitError:
    return E.params_error(f"{name} invalid")


def _decimal(params: dict, name: str) -> Decimal:
    return decimal_param(params, name, lambda n: E.params_error(f"{n} is required"), _invalid)


def place_order(state: BybitVenueState, account: Account, params: dict, now: int) -> Order:
    """Validate, match and record a new order; raise BybitError when bybit would refuse."""
    require_category(params)
    spec = symbol_spec(params)
    side = SIDES.get(str(params.get("side")))
    if side is None:
        raise E.params_error("side invalid")
    order_type = TYPES.get(str(params.get("orderType")))
    if order_type is None:
        raise E.params_error("orderType invalid")
    position_idx = str(params.get("positionIdx", 0))
    if position_idx not in (("1", "2") if account.position_mode == "hedge" else ("0",)):
        raise BybitError(*E.POSITION_IDX)
    link_id = params.get("orderLinkId")
    if link_id is not None and not ORDER_LINK_ID.fullmatch(str(link_id)):
        raise E.params_error("orderLinkId invalid: letters, digits, '-' and '_' only, "
                             "up to 36 characters")
    qty = _decimal(params, "qty")
    if qty <= 0 or qty % spec.step != 0:
        raise BybitError(10001, "Qty invalid")
    max_qty = spec.market_max_qty if order_type == "MARKET" else spec.max_qty
    if qty < spec.min_qty:
        raise BybitError(10001, "The number of contracts exceeds minimum limit allowed")
    if qty > max_qty:
        raise BybitError(10001, "The number of contracts exceeds maximum limit allowed")
    reduce_only = flag_param(params, "reduceOnly", _invalid)
    tif = "IOC" if order_type == "MARKET" else TIME_IN_FORCE.get(str(params.get("timeInForce",
                                                                                "GTC")))
    if tif is None:
        raise E.params_error("timeInForce invalid")
    if order_type == "LIMIT":
        price = _decimal(params, "price")
        if price <= 0 or price % spec.tick != 0:
            raise BybitError(10001, "price invalid")
    else:   # bybit turns a market order into an IOC limit a few percent through the book
        best = state.book(spec.symbol, now).side_to_take(side)[0].price
        price = (best * Decimal("1.03") if side == "BUY" else best * Decimal("0.97")
                 ).quantize(spec.tick)
    rules = MatchRules("open" if state.link_ids_reusable_after_close else "ever",
                       post_only_cross="cancel", fok_short="cancel")
    req = OrderRequest(spec.symbol, side, order_type, tif, qty, price, reduce_only,
                       str(link_id or ""), "" if position_idx == "0" else position_idx)
    try:
        return execute(state, account, req, now, rules)
    except Refusal as refusal:
        if refusal.reason == "min_notional":
            raise BybitError(110094, f"Order does not meet minimum order value "
                                     f"{spec.min_notional.normalize():f}USDT") from None
        raise BybitError(*REFUSALS[refusal.reason]) from None


def find_order(account: Account, spec: SymbolSpec, order_id: int | None,
               link_id: str | None) -> Order | None:
    if order_id is not None:
        order = account.orders.get(order_id)
        if order is None or order.symbol != spec.symbol:
            return None
        return order if link_id in (None, order.client_order_id) else None
    for order in reversed(list(account.orders.values())):
        if order.symbol == spec.symbol and order.client_order_id == link_id:
            return order
    return None


def cancel_order(account: Account, params: dict, order_id: int | None, now: int) -> Order:
    """POST /v5/order/cancel: an order that is not open (or not found) is 110001."""
    require_category(params)
    spec = symbol_spec(params)
    link_id = params.get("orderLinkId")
    if order_id is None and not link_id:
        raise E.params_error("orderId or orderLinkId is required")
    order = find_order(account, spec, order_id, link_id)
    if order is None or not order.is_open:
        raise BybitError(*E.ORDER_NOT_FOUND)
    order.status = "CANCELED"
    order.update_ms = now
    return order


def order_json(order: Order) -> dict:
    """The order document of /v5/order/realtime and /v5/order/history."""
    open_ = order.is_open
    leaves = order.orig_qty - order.executed_qty if open_ else Decimal(0)
    fee = order.fee
    avg = (order.cum_quote / order.executed_qty) if order.executed_qty else None
    post_only_cancelled = order.reject_reason == "post_only"
    tif = "PostOnly" if order.time_in_force == "GTX" else order.time_in_force
    return {"orderId": order_id_text(order.order_id), "orderLinkId": order.client_order_id,
            "blockTradeId": "", "symbol": order.symbol, "price": str(order.price),
            "qty": str(order.orig_qty), "side": "Buy" if order.side == "BUY" else "Sell",
            "isLeverage": "", "positionIdx": int(order.position_side or 0),
            "orderStatus": STATUS[order.status], "createType": "CreateByUser",
            "cancelType": "CancelByUser" if order.status == "CANCELED" and not (
                post_only_cancelled or open_) else "UNKNOWN",
            "rejectReason": "EC_PostOnlyWillTakeLiquidity" if post_only_cancelled else "EC_NoError",
            "avgPrice": str(avg.quantize(Decimal("0.00001"))) if avg is not None else "",
            "leavesQty": str(leaves), "leavesValue": str(leaves * order.price),
            "cumExecQty": str(order.executed_qty), "cumExecValue": str(order.cum_quote),
            "cumExecFee": str(fee),
            "cumFeeDetail": {"USDT": str(fee)} if order.executed_qty else {}, "timeInForce": tif,
            "orderType": "Market" if order.type == "MARKET" else "Limit", "stopOrderType": "",
            "orderIv": "", "marketUnit": "", "triggerPrice": "", "takeProfit": "", "stopLoss": "",
            "tpslMode": "", "ocoTriggerBy": "", "tpLimitPrice": "", "slLimitPrice": "",
            "tpTriggerBy": "", "slTriggerBy": "", "triggerDirection": 0, "triggerBy": "",
            "lastPriceOnCreated": "", "reduceOnly": order.reduce_only, "closeOnTrigger": False,
            "placeType": "", "smpType": "None", "smpGroup": 0, "smpOrderId": "",
            "createdTime": str(order.time_ms), "updatedTime": str(order.update_ms or order.time_ms)}
