"""Binance USD-M's wire: `{"code", "msg"}` errors, HMAC-signed parameters and the order document.

The codes and messages are the ones Binance USD-M sends, since ccxt maps them (by code, and by
message for a few). A client order id is unique among OPEN orders only, as on Binance: a blind
resend after an IOC filled trades again, which a stricter venue would hide.
"""
from __future__ import annotations

import hmac
import json
import re
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from hedge.sim.binance.markets import SYMBOLS, TIME_IN_FORCE
from hedge.sim.hedge_venue.accounts import Account, Order
from hedge.sim.hedge_venue.app import WireError, body_text, hmac_sha256, wire_error_mapper
from hedge.sim.hedge_venue.book import SymbolSpec
from hedge.sim.hedge_venue.matching import (MatchRules, OrderRequest, Refusal, decimal_param,
                                            execute, flag_param)
from hedge.sim.hedge_venue.state import HedgeVenueState


def error_response(code: int, msg: str, status: int = 400) -> web.Response:
    return web.Response(status=status, text=json.dumps({"code": code, "msg": msg}),
                        content_type="application/json")


class VenueError(WireError):
    default_status = 400
    envelope = staticmethod(error_response)


def missing_param(name: str) -> VenueError:
    return VenueError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, "
                             "or malformed.")


def bad_param(name: str) -> VenueError:
    return VenueError(-1100, f"Illegal characters found in parameter '{name}'.")


UNKNOWN_ORDER_QUERY = (-2013, "Order does not exist.")
UNKNOWN_ORDER_CANCEL = (-2011, "Unknown order sent.")
REDUCE_ONLY_REJECTED = (-2022, "ReduceOnly Order is rejected.")
POSITION_SIDE = (-4061, "Order's position side does not match user's setting.")
REFUSALS = {
    "position_side": POSITION_SIDE, "duplicate_id": (-4116, "ClientOrderId is duplicated."),
    "reduce_only_flat": REDUCE_ONLY_REJECTED, "reduce_only_side": REDUCE_ONLY_REJECTED,
    "margin": (-2019, "Margin is insufficient."),
    "post_only": (-5022, "Due to the order could not be executed as maker, the Post Only order "
                         "will be rejected. The order will not be recorded in the order book"),
    "fok": (-5021, "Due to the order could not be filled immediately, the FOK order has been "
                   "rejected. The order will not be recorded in the order book")}
RULES = MatchRules()
CLIENT_ORDER_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")


def _http_answer(request: web.Request, exc: web.HTTPException) -> tuple:
    if isinstance(exc, web.HTTPNotFound):
        return -5000, f"Path {request.path}, Method {request.method} is invalid", 404
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return -1000, f"Method {request.method} is not supported for {request.path}", 405
    return -1000, exc.reason, exc.status if exc.status < 500 else 400


map_error = wire_error_mapper("binance", VenueError, _http_answer, (
    -1000, "An unknown error occurred while processing the request."))


# --- signed requests --------------------------------------------------------------------------
# The signature covers the string the client sent (query, then body, up to `&signature=`).
# aiohttp's client unquotes safe characters such as `%3A` before sending, so the canonical
# re-encoding of the received parameters is accepted too; both are exact strings.

async def request_params(request: web.Request) -> tuple[str, dict[str, str]]:
    """The raw signed payload (query + body) and its parsed parameters."""
    query = request.raw_path.partition("?")[2]   # query_string would be percent-decoded
    body = await body_text(request)
    total = f"{query}&{body}" if query and body else query + body
    return total, dict(parse_qsl(total, keep_blank_values=True))


def account_for_key(state: HedgeVenueState, request: web.Request) -> Account:
    """The account of X-MBX-APIKEY (listenKey calls need only this, no signature)."""
    api_key = request.headers.get("X-MBX-APIKEY")
    if not api_key:
        raise VenueError(-2014, "API-key format invalid.", status=401)
    account = state.accounts.get(api_key)
    if account is None:
        raise VenueError(-2015, "Invalid API-key, IP, or permissions for action.", status=401)
    return account


async def authenticate(request: web.Request, state: HedgeVenueState,
                       now_ms: int) -> tuple[Account, dict[str, str]]:
    """Key, signature and recvWindow (at most 60 s, default 5 s; 1 s ahead tolerated)."""
    total, params = await request_params(request)
    account = account_for_key(state, request)
    marker = total.rfind("&signature=")
    if marker < 0 and not total.startswith("signature="):
        raise missing_param("signature")
    payload = total[:marker] if marker >= 0 else ""
    signature = params.get("signature", "").lower()
    canonical = urlencode(parse_qsl(payload, keep_blank_values=True))
    if not any(hmac.compare_digest(hmac_sha256(account.secret, signed).hex(), signature)
               for signed in {payload, canonical}):
        raise VenueError(-1022, "Signature for this request is not valid.")
    if not params.get("timestamp"):
        raise missing_param("timestamp")
    try:
        timestamp = int(params["timestamp"])
        recv_window = int(params.get("recvWindow", 5_000))
    except ValueError:
        raise bad_param("timestamp") from None
    if recv_window <= 0 or recv_window > 60_000:
        raise VenueError(-1131, "recvWindow must be less than 60000")
    if timestamp >= now_ms + 1_000 or now_ms - timestamp > recv_window:
        raise VenueError(-1021, "Timestamp for this request is outside of the recvWindow.")
    return account, params


# --- orders -----------------------------------------------------------------------------------

def symbol_spec(params: dict[str, str]) -> SymbolSpec:
    if not params.get("symbol"):
        raise missing_param("symbol")
    spec = SYMBOLS.get(params["symbol"])
    if spec is None:
        raise VenueError(-1121, "Invalid symbol.")
    return spec


def _request(account: Account, params: dict[str, str]) -> OrderRequest:
    spec = symbol_spec(params)
    side, order_type = params.get("side"), params.get("type")
    if side not in ("BUY", "SELL"):
        raise VenueError(-1117, "Invalid side.") if side else missing_param("side")
    if order_type not in ("MARKET", "LIMIT"):
        raise VenueError(-1116, "Invalid orderType.") if order_type else missing_param("type")
    position_side = params.get("positionSide", "BOTH")
    if position_side != "BOTH" and (account.position_mode != "hedge"
                                    or position_side not in ("LONG", "SHORT")):
        raise VenueError(*POSITION_SIDE)
    cid = params.get("newClientOrderId")
    if cid is not None and not CLIENT_ORDER_ID.match(cid):
        raise VenueError(-1100, "Illegal characters found in parameter 'newClientOrderId'; "
                                "legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.")
    qty = decimal_param(params, "quantity", missing_param)
    if qty <= 0:
        raise VenueError(-4003, "Quantity less than or equal to zero.")
    if qty % spec.step != 0:
        raise VenueError(-1111, "Precision is over the maximum defined for this asset.")
    if qty > (spec.market_max_qty if order_type == "MARKET" else spec.max_qty):
        raise VenueError(-4005, "Quantity greater than max quantity.")
    if qty < spec.min_qty:
        raise VenueError(-4003, "Quantity less than or equal to zero.")
    reduce_only = flag_param(params, "reduceOnly", bad_param)
    price, tif = Decimal(0), "GTC"
    if order_type == "LIMIT":
        price = decimal_param(params, "price", missing_param)
        if price <= 0:
            raise VenueError(-4001, "Price less than 0.")
        if price % spec.tick != 0:
            raise VenueError(-4014, "Price not increased by tick size.")
        tif = params.get("timeInForce") or ""
        if not tif:
            raise missing_param("timeInForce")
        if tif not in TIME_IN_FORCE:
            raise VenueError(-1115, "Invalid timeInForce.")
    return OrderRequest(spec.symbol, side, order_type, tif, qty, price, reduce_only, cid or "",
                        "" if position_side == "BOTH" else position_side)


def place_order(state: HedgeVenueState, account: Account, params: dict[str, str],
                now: int) -> Order:
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


def lookup(state: HedgeVenueState, account: Account, params: dict[str, str], now: int,
           not_found: tuple[int, str] = UNKNOWN_ORDER_QUERY, lagged: bool = True) -> Order:
    """By orderId or origClientOrderId, one of which Binance requires."""
    spec = symbol_spec(params)
    raw_id, cid = params.get("orderId"), params.get("origClientOrderId")
    if raw_id is None and cid is None:
        raise VenueError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, "
                                "but both were empty/null!")
    try:
        order_id = None if raw_id is None else int(raw_id)
    except ValueError:
        raise bad_param("orderId") from None
    order = account.find_order(spec.symbol, order_id, cid)
    if order is None or (lagged and not state.visible(order, now)):
        raise VenueError(*not_found)
    return order


def cancel_order(state: HedgeVenueState, account: Account, params: dict[str, str],
                 now: int) -> Order:
    """An order that is not open (or not found) is -2011."""
    order = lookup(state, account, params, now, UNKNOWN_ORDER_CANCEL, lagged=False)
    if not order.is_open:
        raise VenueError(*UNKNOWN_ORDER_CANCEL)
    order.status, order.update_ms = "CANCELED", now
    return order


ORDER_CONSTANTS = {"closePosition": False, "stopPrice": "0", "workingType": "CONTRACT_PRICE",
                   "priceProtect": False, "priceMatch": "NONE",
                   "selfTradePreventionMode": "EXPIRE_MAKER", "goodTillDate": 0}


def order_json(order: Order) -> dict:
    """The order document of POST/GET/DELETE /fapi/v1/order and openOrders."""
    avg = order.avg_price.quantize(Decimal("0.00001")) if order.executed_qty else "0"
    return {"orderId": order.order_id, "clientOrderId": order.client_order_id,
            "symbol": order.symbol, "status": order.status, "type": order.type,
            "origType": order.type, "side": order.side,
            "positionSide": order.position_side or "BOTH", "price": str(order.price),
            "avgPrice": str(avg), "origQty": str(order.orig_qty),
            "executedQty": str(order.executed_qty), "cumQty": str(order.executed_qty),
            "cumQuote": str(order.cum_quote), "timeInForce": order.time_in_force,
            "reduceOnly": order.reduce_only} | ORDER_CONSTANTS | {
            "time": order.time_ms, "updateTime": order.update_ms or order.time_ms}
