"""Bybit v5's wire: the `{"retCode","retMsg","result","retExtInfo","time"}` envelope, signed
headers, UUID order ids and orders with bybit's checks and codes.

Most refusals are HTTP 200 with a non-zero retCode, which is what ccxt maps (10003/10004 to
AuthenticationError, 10006 to RateLimitExceeded, 110072 to InvalidOrder...). orderLinkId is
"always unique" for perpetuals (bybit's create-order docs): an id used once, whatever became of
that order, is 110072; `link_ids_reusable_after_close` switches to the older, weaker rule.
"""
from __future__ import annotations

import hmac
import json
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qsl, unquote

from aiohttp import web

from hedge.sim.bybit.markets import CATEGORIES, CATEGORY, SYMBOLS
from hedge.sim.hedge_venue.accounts import Account, Order
from hedge.sim.hedge_venue.app import WireError, body_text, hmac_sha256, wire_error_mapper
from hedge.sim.hedge_venue.book import SymbolSpec
from hedge.sim.hedge_venue.matching import (MatchRules, OrderRequest, Refusal, decimal_param,
                                            execute, flag_param)
from hedge.sim.hedge_venue.order_faults import FaultAnswers
from hedge.sim.hedge_venue.state import HedgeVenueState, wall_ms

ORDER_ID_BASE = 0x5BB1_0000_0000_0000_0000_0000_0000_0000


def order_id_text(order_id: int) -> str:
    return str(uuid.UUID(int=ORDER_ID_BASE + order_id))


def order_id_param(params: dict) -> int | None:
    """The `orderId` sent, as the venue's number; -1 (matching nothing) for an unknown id."""
    raw = params.get("orderId")
    if raw in (None, ""):
        return None
    try:
        value = uuid.UUID(str(raw)).int - ORDER_ID_BASE
    except ValueError:
        return -1
    return value if value > 0 else -1


@dataclass
class BybitVenueState(HedgeVenueState):
    symbols: dict = field(default_factory=lambda: dict(SYMBOLS))
    link_ids_reusable_after_close: bool = False
    # /v5/order/realtime keeps this many closed orders; 0 is bybit just after a restart, when
    # closed orders are only in /v5/order/history.
    realtime_closed_kept: int = 500

    def snapshot(self) -> dict:
        """GET /sim/state: the shared snapshot plus each account's orders."""
        snap = super().snapshot()
        for key, account in self.accounts.items():
            snap["accounts"][key]["order_list"] = [
                {"orderId": order_id_text(o.order_id), "orderLinkId": o.client_order_id,
                 "symbol": o.symbol, "side": o.side, "status": o.status,
                 "qty": str(o.orig_qty), "filled": str(o.executed_qty),
                 "reduceOnly": o.reduce_only} for o in account.orders.values()]
        return snap


# --- envelope and errors ----------------------------------------------------------------------

def envelope(result: dict, code: int = 0, msg: str = "OK", now_ms: int | None = None) -> dict:
    return {"retCode": code, "retMsg": msg, "result": result, "retExtInfo": {},
            "time": wall_ms() if now_ms is None else now_ms}


def ok(result: dict, now_ms: int | None = None) -> web.Response:
    return web.json_response(envelope(result, now_ms=now_ms))


def error_response(code: int, msg: str, status: int = 200,
                   headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=json.dumps(envelope({}, code, msg)),
                        content_type="application/json", headers=headers)


class BybitError(WireError):
    envelope = staticmethod(error_response)


def params_error(detail: str) -> BybitError:
    return BybitError(10001, f"params error: {detail}")


ORDER_NOT_FOUND = (110001, "order not exists or too late to cancel")
POSITION_IDX = (10001, "position idx not match position mode")
REFUSALS = {"position_side": POSITION_IDX, "duplicate_id": (110072, "OrderLinkedID is duplicate"),
            "reduce_only_flat": (110017, "current position is zero, cannot fix reduce-only order "
                                         "qty"),
            "reduce_only_side": (110017, "Reduce-only rule not satisfied"),
            "margin": (110007, "ab not enough for new order")}
RATE_LIMIT_HEADERS = {"X-Bapi-Limit": "10", "X-Bapi-Limit-Status": "0"}


def _fault_answer(kind: str, now: int) -> web.Response | None:
    """Before matching: `429` is bybit's API rate limit (HTTP 200, retCode 10006), `418` its IP
    limit (HTTP 403 "access too frequent"), `-1001` a 10016 internal error; 502/503 and -1007
    (a 504 after executing) are gateway pages."""
    if kind == "429":
        headers = RATE_LIMIT_HEADERS | {"X-Bapi-Limit-Reset-Timestamp": str(now + 1000)}
        return error_response(10006, "Too many visits. Exceeded the API Rate Limit.",
                              headers=headers)
    if kind == "418":
        return web.Response(status=403, text="access too frequent", content_type="text/plain")
    return error_response(10016, "Internal server error.") if kind == "-1001" else None


FAULT_ANSWERS = FaultAnswers(_fault_answer)


def _http_answer(request: web.Request, exc: web.HTTPException) -> tuple:
    if isinstance(exc, web.HTTPNotFound):
        return 10001, f"path {request.path} not found", 404
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return 10001, f"method {request.method} not allowed for {request.path}", 405
    return 10001, exc.reason, exc.status if exc.status < 500 else 400


map_error = wire_error_mapper("bybit", BybitError, _http_answer,
                              (10016, "Internal server error."))


# --- signed requests --------------------------------------------------------------------------
# X-BAPI-SIGN = hex HMAC-SHA256(secret, timestamp + api_key + recv_window + payload), the payload
# being a GET's query or a POST's JSON body as sent. ccxt signs the raw (unescaped) query and
# aiohttp's client may re-escape a few characters, so the unescaped query is accepted too.

async def authenticate(request: web.Request, state: BybitVenueState,
                       now_ms: int) -> tuple[Account, dict]:
    """Key, timestamp window (at most 60 s, default 5 s; 1 s ahead tolerated) and signature."""
    if request.method == "GET":
        payload = request.raw_path.partition("?")[2]
        params = dict(parse_qsl(payload, keep_blank_values=True))
    else:
        payload = await body_text(request)
        try:
            params = json.loads(payload) if payload else {}
        except json.JSONDecodeError:
            raise params_error("request body is not valid JSON") from None
        if not isinstance(params, dict):
            raise params_error("request body must be a JSON object")
    headers = request.headers
    api_key = headers.get("X-BAPI-API-KEY", "")
    account = state.accounts.get(api_key)
    if account is None:
        raise BybitError(10003, "API key is invalid.")
    raw_ts = headers.get("X-BAPI-TIMESTAMP", "")
    raw_window = headers.get("X-BAPI-RECV-WINDOW", "5000")
    try:
        timestamp, recv_window = int(raw_ts), int(raw_window)
    except ValueError:
        raise BybitError(10002, "invalid request, please check your timestamp and recv_window "
                                "param") from None
    if not 0 < recv_window <= 60_000 or not (
            now_ms - recv_window <= timestamp < now_ms + 1_000):
        raise BybitError(10002, "invalid request, please check your server timestamp or "
                                f"recv_window param. req_timestamp[{raw_ts}],"
                                f"server_timestamp[{now_ms}],recv_window[{raw_window}]")
    signature = headers.get("X-BAPI-SIGN", "").lower()
    prefix = f"{raw_ts}{api_key}{raw_window}"
    if not any(hmac.compare_digest(hmac_sha256(account.secret, prefix + p).hex(), signature)
               for p in {payload, unquote(payload)}):
        raise BybitError(10004, "error sign! Please check your signature generation algorithm.")
    return account, params


# --- orders -----------------------------------------------------------------------------------
# Checks run before anything is recorded, so a refused order leaves no trace. An order whose
# remainder is dropped (IOC, FOK, market, a crossing post-only) ends `Cancelled`, as on bybit.

ORDER_LINK_ID = re.compile(r"[A-Za-z0-9_-]{1,36}")
SIDES = {"Buy": "BUY", "Sell": "SELL"}
TYPES = {"Market": "MARKET", "Limit": "LIMIT"}
TIME_IN_FORCE = {"GTC": "GTC", "IOC": "IOC", "FOK": "FOK", "PostOnly": "GTX"}
STATUS = {"NEW": "New", "PARTIALLY_FILLED": "PartiallyFilled", "FILLED": "Filled",
          "CANCELED": "Cancelled", "EXPIRED": "Cancelled"}


def require_category(params: dict) -> str:
    category = params.get("category")
    if not category:
        raise params_error("category is required")
    if category not in CATEGORIES:
        raise params_error(f"category {category} is invalid")
    if category != CATEGORY:
        raise BybitError(10001, f"category {category} is not supported on this venue "
                                "(linear USDT perpetuals only)")
    return category


def symbol_spec(params: dict) -> SymbolSpec:
    if not params.get("symbol"):
        raise params_error("symbol is required")
    spec = SYMBOLS.get(str(params["symbol"]))
    if spec is None:
        raise BybitError(10001, "params error: symbol invalid")
    return spec


def _invalid(name: str) -> BybitError:
    return params_error(f"{name} invalid")


def _decimal(params: dict, name: str) -> Decimal:
    return decimal_param(params, name, lambda n: params_error(f"{n} is required"), _invalid)


def place_order(state: BybitVenueState, account: Account, params: dict, now: int) -> Order:
    """Validate, match and record a new order; raise BybitError when bybit would refuse."""
    require_category(params)
    spec = symbol_spec(params)
    side = SIDES.get(str(params.get("side")))
    if side is None:
        raise _invalid("side")
    order_type = TYPES.get(str(params.get("orderType")))
    if order_type is None:
        raise _invalid("orderType")
    position_idx = str(params.get("positionIdx", 0))
    if position_idx not in (("1", "2") if account.position_mode == "hedge" else ("0",)):
        raise BybitError(*POSITION_IDX)
    link_id = params.get("orderLinkId")
    if link_id is not None and not ORDER_LINK_ID.fullmatch(str(link_id)):
        raise params_error("orderLinkId invalid: letters, digits, '-' and '_' only, "
                           "up to 36 characters")
    qty = _decimal(params, "qty")
    if qty <= 0 or qty % spec.step != 0:
        raise BybitError(10001, "Qty invalid")
    if qty < spec.min_qty:
        raise BybitError(10001, "The number of contracts exceeds minimum limit allowed")
    if qty > (spec.market_max_qty if order_type == "MARKET" else spec.max_qty):
        raise BybitError(10001, "The number of contracts exceeds maximum limit allowed")
    reduce_only = flag_param(params, "reduceOnly", _invalid)
    tif = "IOC" if order_type == "MARKET" else \
        TIME_IN_FORCE.get(str(params.get("timeInForce", "GTC")))
    if tif is None:
        raise _invalid("timeInForce")
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


def cancel_order(account: Account, params: dict, now: int) -> Order:
    """An order that is not open (or not found) is 110001; by orderId, the link id must match
    too when given."""
    require_category(params)
    spec = symbol_spec(params)
    order_id = order_id_param(params)
    link_id = params.get("orderLinkId")
    if order_id is None and not link_id:
        raise params_error("orderId or orderLinkId is required")
    if order_id is not None:
        order = account.orders.get(order_id)
        if order is not None and (order.symbol != spec.symbol
                                  or link_id not in (None, order.client_order_id)):
            order = None
    else:
        order = account.find_order(spec.symbol, None, link_id)
    if order is None or not order.is_open:
        raise BybitError(*ORDER_NOT_FOUND)
    order.status, order.update_ms = "CANCELED", now
    return order


ORDER_CONSTANTS = {
    "stopOrderType": "", "orderIv": "", "marketUnit": "", "triggerPrice": "", "takeProfit": "",
    "stopLoss": "", "tpslMode": "", "ocoTriggerBy": "", "tpLimitPrice": "", "slLimitPrice": "",
    "tpTriggerBy": "", "slTriggerBy": "", "triggerDirection": 0, "triggerBy": "",
    "lastPriceOnCreated": ""}


def order_json(order: Order) -> dict:
    """The order document of /v5/order/realtime and /v5/order/history."""
    leaves = order.orig_qty - order.executed_qty if order.is_open else Decimal(0)
    avg = order.avg_price.quantize(Decimal("0.00001")) if order.executed_qty else ""
    post_only_cancelled = order.reject_reason == "post_only"
    user_cancelled = order.status == "CANCELED" and not (post_only_cancelled or order.is_open)
    return {"orderId": order_id_text(order.order_id), "orderLinkId": order.client_order_id,
            "blockTradeId": "", "symbol": order.symbol, "price": str(order.price),
            "qty": str(order.orig_qty), "side": "Buy" if order.side == "BUY" else "Sell",
            "isLeverage": "", "positionIdx": int(order.position_side or 0),
            "orderStatus": STATUS[order.status], "createType": "CreateByUser",
            "cancelType": "CancelByUser" if user_cancelled else "UNKNOWN",
            "rejectReason": "EC_PostOnlyWillTakeLiquidity" if post_only_cancelled else "EC_NoError",
            "avgPrice": str(avg), "leavesQty": str(leaves),
            "leavesValue": str(leaves * order.price), "cumExecQty": str(order.executed_qty),
            "cumExecValue": str(order.cum_quote), "cumExecFee": str(order.fee),
            "cumFeeDetail": {"USDT": str(order.fee)} if order.executed_qty else {},
            "timeInForce": "PostOnly" if order.time_in_force == "GTX" else order.time_in_force,
            "orderType": "Market" if order.type == "MARKET" else "Limit"} | ORDER_CONSTANTS | {
            "reduceOnly": order.reduce_only, "closeOnTrigger": False, "placeType": "",
            "smpType": "None", "smpGroup": 0, "smpOrderId": "", "createdTime": str(order.time_ms),
            "updatedTime": str(order.update_ms or order.time_ms)}
