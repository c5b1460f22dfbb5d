"""OKX v5's wire: `{"code", "msg", "data"}` answers, signed headers, orders in contracts.

A request-level refusal carries its code at the top; a refused order is answered with code "1"
and the reason in `data[i].sCode`/`sMsg`, where ccxt looks for it. clOrdId is unique among OPEN
orders only (the stricter reading would hide the double fill a blind resend causes); an IOC
remainder ends `canceled`; a refused order leaves no trace.
"""
from __future__ import annotations

import base64
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from hedge.sim.hedge_venue.accounts import Account, Order
from hedge.sim.hedge_venue.app import WireError, body_text, hmac_sha256, wire_error_mapper
from hedge.sim.hedge_venue.matching import (MatchRules, OrderRequest, Refusal, decimal_param,
                                            execute, flag_param)
from hedge.sim.hedge_venue.state import HedgeVenueState
from hedge.sim.okx.markets import INSTRUMENTS, Instrument


@dataclass
class OkxVenueState(HedgeVenueState):
    """Keyed by instId, in base units: every route converts contracts through the instrument."""

    symbols: dict = field(default_factory=lambda: {i: inst.book_spec
                                                   for i, inst in INSTRUMENTS.items()})
    next_order_id: int = 1_934_000_000_000_000_000
    received_orders: list[dict] = field(default_factory=list)  # each order body as it arrived
    # > 0: an order reads `live` with nothing filled for this long after its acknowledgement,
    # as on OKX where the answer can come before the match (tests of reading until final).
    settle_after_ms: int = 0


def error_response(code: str, msg: str, status: int = 200, data: list | None = None
                   ) -> web.Response:
    return web.Response(status=status, content_type="application/json",
                        text=json.dumps({"code": code, "msg": msg, "data": data or []}))


def ok(data: list) -> web.Response:
    return web.json_response({"code": "0", "msg": "", "data": data})


class OkxError(WireError):
    """Refused at the top level (auth, parameters, lookups)."""

    envelope = staticmethod(error_response)


class OrderRefused(WireError):
    """One order refused: reported as sCode/sMsg inside a code "1" answer."""


def missing_param(name: str) -> OkxError:
    return OkxError("50014", f"Parameter {name} can not be empty.", status=400)


def bad_param(name: str) -> OkxError:
    return OkxError("51000", f"Parameter {name} error", status=400)


INSTRUMENT_MISSING = ("51001", "Instrument ID or Spread ID doesn't exist.")
ORDER_MISSING = ("51603", "Order does not exist")
CANCEL_MISSING = ("51400", "Order cancellation failed as the order has been filled, canceled "
                           "or does not exist.")
POS_SIDE = ("51000", "Parameter posSide error")
NO_POSITION_TO_REDUCE = ("51169", "Order failed because you don't have any positions in this "
                                  "direction for this contract to reduce or close.")
REFUSALS = {"position_side": POS_SIDE, "duplicate_id": ("51016", "Duplicated clOrdId"),
            "reduce_only_flat": NO_POSITION_TO_REDUCE, "reduce_only_side": NO_POSITION_TO_REDUCE,
            "post_only": ("51000", "Parameter ordType error"),   # OKX cancels; close enough
            "margin": ("51008", "Order failed. Insufficient USDT margin in account")}
RATE_LIMITED = ("50011", "Too Many Requests")
SYSTEM_BUSY = ("50013", "Systems are busy. Please try again later.")
STATUS_UNKNOWN = ("50004", "API endpoint request timeout (does not mean that the request was "
                           "successful or failed, please check the request result).")


def _http_answer(request: web.Request, exc: web.HTTPException) -> tuple:
    if isinstance(exc, web.HTTPNotFound):
        return "404", "Not Found", 404
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return "405", "Method Not Allowed", 405
    return str(exc.status), exc.reason, exc.status


map_error = wire_error_mapper("okx", OkxError, _http_answer,
                              ("50026", "System error. Try again later.", 500))


# --- signed requests --------------------------------------------------------------------------
# SIGN = base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath[?query] + body)), the
# timestamp ISO 8601 ms UTC within 30 s. The client may re-encode a query before sending, so the
# canonical re-encoding of the received query is accepted too; both are exact strings.

HEADERS = (("OK-ACCESS-KEY", "50103"), ("OK-ACCESS-PASSPHRASE", "50104"),
           ("OK-ACCESS-TIMESTAMP", "50107"), ("OK-ACCESS-SIGN", "50106"))


def _timestamp_ms(raw: str) -> int:
    try:
        when = datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        raise OkxError("50112", "Invalid OK-ACCESS-TIMESTAMP", status=401) from None
    return int((when - datetime(1970, 1, 1)).total_seconds() * 1000)


def verify(state: OkxVenueState, request: web.Request, body: str, now_ms: int) -> Account:
    """The account whose key, passphrase, timestamp and signature all check out."""
    for name, code in HEADERS:
        if not request.headers.get(name, ""):
            raise OkxError(code, f'Request header "{name}" cannot be empty.', status=401)
    key, passphrase, raw_ts, signature = (request.headers[name] for name, _ in HEADERS)
    account = state.accounts.get(key)
    if account is None:
        raise OkxError("50111", "Invalid OK-ACCESS-KEY.", status=401)
    if not hmac.compare_digest(account.passphrase, passphrase):
        raise OkxError("50105", "Invalid OK-ACCESS-PASSPHRASE.", status=401)
    if abs(now_ms - _timestamp_ms(raw_ts)) > 30_000:
        raise OkxError("50102", "Timestamp request expired.", status=401)
    path, _, query = request.raw_path.partition("?")
    candidates = {query, urlencode(parse_qsl(query, keep_blank_values=True))} if query else {""}
    for q in candidates:
        payload = raw_ts + request.method + path + (f"?{q}" if q else "") + body
        expected = base64.b64encode(hmac_sha256(account.secret, payload)).decode()
        if hmac.compare_digest(expected, signature):
            return account
    raise OkxError("50113", "Invalid Sign.", status=401)


async def authenticate(request: web.Request, state: OkxVenueState, now: int):
    """The OK-ACCESS headers, checked; the parameters are the query or the JSON body."""
    body = await body_text(request)
    account = verify(state, request, body, now)
    if request.method == "GET":
        return account, dict(request.query)
    try:
        return account, json.loads(body) if body else {}
    except json.JSONDecodeError:
        raise OkxError("50002", "JSON syntax error", status=400) from None


# --- orders -----------------------------------------------------------------------------------

CL_ORD_ID = re.compile(r"[A-Za-z0-9]{1,32}")
# OKX ordType <-> the (type, timeInForce) the shared order record keeps
ORD_TYPES = {"limit": ("LIMIT", "GTC"), "ioc": ("LIMIT", "IOC"), "fok": ("LIMIT", "FOK"),
             "post_only": ("LIMIT", "GTX"), "market": ("MARKET", "IOC"),
             "optimal_limit_ioc": ("MARKET", "IOC")}
ORD_TYPE_NAMES = {v: k for k, v in ORD_TYPES.items() if k != "optimal_limit_ioc"}
RULES = MatchRules(min_notional=False, fok_short="cancel", remainder_status="CANCELED")
STATES = {"NEW": "live", "PARTIALLY_FILLED": "partially_filled", "FILLED": "filled",
          "EXPIRED": "canceled", "CANCELED": "canceled"}


def instrument(params: dict, refusal: type[WireError] = OkxError) -> Instrument:
    if not params.get("instId"):
        raise missing_param("instId")
    inst = INSTRUMENTS.get(str(params["instId"]))
    if inst is None:
        raise refusal(*INSTRUMENT_MISSING)
    return inst


def _bad(name: str) -> OrderRefused:
    return OrderRefused("51000", f"Parameter {name} error")


def _positive(params: dict, name: str) -> Decimal:
    value = decimal_param(params, name, lambda n: OrderRefused(
        "50014", f"Parameter {n} can not be empty."), _bad)
    if value <= 0:
        raise _bad(name)
    return value


def place_order(state: OkxVenueState, account: Account, params: dict, now: int) -> Order:
    """Validate, match and record one order; raise OrderRefused as OKX would."""
    if not isinstance(params, dict):
        raise OrderRefused("50002", "JSON syntax error")
    inst = instrument(params, OrderRefused)
    if params.get("tdMode") not in ("cross", "isolated"):
        raise _bad("tdMode")
    side, ord_type = params.get("side"), params.get("ordType")
    if side not in ("buy", "sell"):
        raise _bad("side")
    if ord_type not in ORD_TYPES:
        raise _bad("ordType")
    pos_side = params.get("posSide") or "net"
    if pos_side not in (("long", "short") if account.position_mode == "hedge" else ("net",)):
        raise OrderRefused(*POS_SIDE)
    cid = params.get("clOrdId") or ""
    if cid and not CL_ORD_ID.fullmatch(str(cid)):
        raise _bad("clOrdId")
    contracts = _positive(params, "sz")
    if contracts % inst.lot_sz != 0:
        raise OrderRefused("51121", "Order quantity must be a multiple of the lot size.")
    if contracts < inst.min_sz:
        raise OrderRefused("51020", "Your order should meet or exceed the minimum order amount.")
    order_type, tif = ORD_TYPES[ord_type]
    price = Decimal(0)
    if order_type == "LIMIT":
        price = _positive(params, "px")
        if price % inst.tick_sz != 0:
            raise _bad("px")
    req = OrderRequest(inst.inst_id, "BUY" if side == "buy" else "SELL", order_type, tif,
                       inst.to_base(contracts), price, flag_param(params, "reduceOnly", _bad),
                       str(cid), "" if pos_side == "net" else pos_side)
    try:
        return execute(state, account, req, now, RULES)
    except Refusal as refusal:
        raise OrderRefused(*REFUSALS[refusal.reason]) from None


def find(state: OkxVenueState, account: Account, params: dict, missing: tuple[str, str],
         now: int | None = None) -> Order:
    """By ordId, else the most recent order under clOrdId (OKX requires one of them); with
    `now`, only what an order lookup may see then."""
    inst = instrument(params)
    raw_id, cid = params.get("ordId"), params.get("clOrdId")
    if not raw_id and not cid:
        raise OkxError("51000", "Either parameter ordId or clOrdId is required", status=400)
    try:
        order_id = int(raw_id) if raw_id else None
    except ValueError:
        raise OkxError(*missing) from None
    order = account.find_order(inst.inst_id, order_id, None if order_id else str(cid))
    if order is None or (now is not None and not state.visible(order, now)):
        raise OkxError(*missing)
    return order


def cancel(state: OkxVenueState, account: Account, params: dict, now: int) -> Order:
    order = find(state, account, params, CANCEL_MISSING)
    if not order.is_open:
        raise OkxError(*CANCEL_MISSING)
    order.status, order.update_ms = "CANCELED", now
    return order


def order_doc(order: Order, account: Account, settling: bool = False) -> dict:
    """GET /api/v5/trade/order: sizes in contracts, numbers as strings, OKX's state names.
    `settling`: shown as just accepted (live, nothing filled yet)."""
    inst = INSTRUMENTS[order.symbol]
    fills = [] if settling else [f for f in account.fills if f.order_id == order.order_id]
    last = fills[-1] if fills else None
    return {
        "instType": "SWAP", "instId": order.symbol, "ccy": "", "ordId": str(order.order_id),
        "clOrdId": order.client_order_id, "tag": "",
        "px": str(order.price) if order.type == "LIMIT" else "",
        "sz": str(inst.to_contracts(order.orig_qty)),
        "pnl": "0", "ordType": ORD_TYPE_NAMES[(order.type, order.time_in_force)],
        "side": order.side.lower(), "posSide": order.position_side or "net", "tdMode": "cross",
        "accFillSz": "0" if settling else str(inst.to_contracts(order.executed_qty)),
        "fillPx": str(last.price) if last else "", "tradeId": str(last.order_id) if last else "",
        "fillSz": str(inst.to_contracts(last.qty)) if last else "0",
        "fillTime": str(last.time_ms) if last else "",
        "avgPx": str(order.avg_price.quantize(Decimal("0.00001"))) if fills else "",
        "state": "live" if settling else STATES[order.status],
        "lever": str(account.leverage_of(order.symbol)),
        "feeCcy": "USDT", "fee": str(-(order.fee if fills else Decimal(0))), "rebateCcy": "USDT",
        "rebate": "0", "category": "normal", "reduceOnly": "true" if order.reduce_only else "false",
        "cancelSource": "", "source": "", "uTime": str(order.update_ms or order.time_ms),
        "cTime": str(order.time_ms)}
