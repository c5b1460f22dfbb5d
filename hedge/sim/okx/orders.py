"""Order placement, lookup and cancel on the okx venue: OKX's checks, then shared matching.

Sizes arrive in contracts and are matched in base units against the shared synthetic book; a
refused order leaves no trace. clOrdId is unique among OPEN orders only (the stricter reading
would hide the double fill a blind resend causes), and an IOC remainder ends `canceled`.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from hedge.sim.binance.accounts import TAKER_FEE, Order
from hedge.sim.okx import errors as E
from hedge.sim.okx.errors import OkxError, OrderRefused
from hedge.sim.okx.markets import INSTRUMENTS, Instrument
from hedge.sim.okx.state import OkxAccount, OkxVenueState

CL_ORD_ID = re.compile(r"[A-Za-z0-9]{1,32}")
# OKX ordType <-> the (type, timeInForce) the shared order record keeps
ORD_TYPES = {"limit": ("LIMIT", "GTC"), "ioc": ("LIMIT", "IOC"), "fok": ("LIMIT", "FOK"),
             "post_only": ("LIMIT", "GTX"), "market": ("MARKET", "IOC"),
             "optimal_limit_ioc": ("MARKET", "IOC")}
_ORD_TYPE_NAMES = {v: k for k, v in ORD_TYPES.items() if k != "optimal_limit_ioc"}
STATES = {"NEW": "live", "PARTIALLY_FILLED": "partially_filled", "FILLED": "filled",
          "EXPIRED": "canceled", "CANCELED": "canceled"}


def instrument(params: dict, refusal: type[Exception] = OkxError) -> Instrument:
    inst_id = params.get("instId")
    if not inst_id:
        raise E.missing_param("instId")
    inst = INSTRUMENTS.get(str(inst_id))
    if inst is None:
        raise refusal(*E.INSTRUMENT_MISSING)
    return inst


def _decimal(params: dict, name: str) -> Decimal:
    raw = params.get(name)
    if raw is None or raw == "":
        raise OrderRefused("50014", f"Parameter {name} can not be empty.")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise OrderRefused("51000", f"Parameter {name} error") from None
    if not value.is_finite() or value <= 0:
        raise OrderRefused("51000", f"Parameter {name} error")
    return value


def _flag(params: dict, name: str) -> bool:
    raw = params.get(name, False)
    if isinstance(raw, bool):
        return raw
    if str(raw).lower() in ("true", "false"):
        return str(raw).lower() == "true"
    raise OrderRefused("51000", f"Parameter {name} error")


def place_order(state: OkxVenueState, account: OkxAccount, params: dict, now: int) -> Order:
    """Validate, match and record one order; raise OrderRefused as OKX would."""
    if not isinstance(params, dict):
        raise OrderRefused("50002", "JSON syntax error")
    inst = instrument(params, OrderRefused)
    if params.get("tdMode") not in ("cross", "isolated"):
        raise OrderRefused("51000", "Parameter tdMode error")
    side = params.get("side")
    if side not in ("buy", "sell"):
        raise OrderRefused("51000", "Parameter side error")
    ord_type = params.get("ordType")
    if ord_type not in ORD_TYPES:
        raise OrderRefused("51000", "Parameter ordType error")
    if params.get("posSide", "net") != "net":
        raise OrderRefused("51000", "Parameter posSide error")
    cid = params.get("clOrdId") or ""
    if cid and not CL_ORD_ID.fullmatch(str(cid)):
        raise OrderRefused("51000", "Parameter clOrdId error")
    contracts = _decimal(params, "sz")
    if contracts % inst.lot_sz != 0:
        raise OrderRefused(*E.LOT_SIZE)
    if contracts < inst.min_sz:
        raise OrderRefused(*E.BELOW_MIN_SIZE)
    order_type, tif = ORD_TYPES[ord_type]
    price = Decimal(0)
    if order_type == "LIMIT":
        price = _decimal(params, "px")
        if price % inst.tick_sz != 0:
            raise OrderRefused("51000", "Parameter px error")
    reduce_only = _flag(params, "reduceOnly")
    if cid and account.open_order_by_client_id(inst.inst_id, cid) is not None:
        raise OrderRefused(*E.DUPLICATE_CLORDID)

    qty = inst.to_base(contracts)
    order_side = "BUY" if side == "buy" else "SELL"
    book = state.book(inst.inst_id, now)
    position = account.position(inst.inst_id).amount
    fill_qty = qty
    if reduce_only:
        if position == 0 or (position > 0) == (order_side == "BUY"):
            raise OrderRefused(*E.NO_POSITION_TO_REDUCE)
        fill_qty = min(qty, abs(position))
    ref_price = price if order_type == "LIMIT" else book.side_to_take(order_side)[0].price
    if tif == "GTX" and book.crosses(order_side, price):
        raise OrderRefused("51000", "Parameter ordType error")  # OKX cancels; close enough
    growing = qty if position == 0 or (position > 0) == (order_side == "BUY") \
        else max(Decimal(0), qty - abs(position))
    needed = growing * ref_price / account.leverage_of(inst.inst_id) * (1 + TAKER_FEE)
    if state.faults.reject_hedges or (
            not reduce_only and needed > state.margin(account, now).available):
        raise OrderRefused(*E.MARGIN_INSUFFICIENT)
    fok_short = tif == "FOK" and book.fillable(order_side, price) < qty  # ends unfilled

    order = Order(state.new_order_id(), str(cid), inst.inst_id, order_side, order_type, tif, qty,
                  price, reduce_only, now, update_ms=now)
    account.orders[order.order_id] = order
    if tif != "GTX" and not fok_short:
        limit = price if order_type == "LIMIT" else None
        for fill_price, fill in book.walk(order_side, fill_qty, limit):
            account.apply_fill(order, fill_price, fill, now)
    if order.executed_qty == qty:
        order.status = "FILLED"
    elif tif in ("IOC", "FOK") or reduce_only:
        order.status = "CANCELED"
    elif order.executed_qty > 0:
        order.status = "PARTIALLY_FILLED"
    state.executed_order_posts += 1
    return order


def find(account: OkxAccount, params: dict, missing: tuple[str, str]) -> Order:
    """By ordId, else the most recent order under clOrdId (OKX requires one of them)."""
    inst = instrument(params)
    raw_id, cid = params.get("ordId"), params.get("clOrdId")
    if not raw_id and not cid:
        raise OkxError("51000", "Either parameter ordId or clOrdId is required", status=400)
    order_id = None
    if raw_id:
        try:
            order_id = int(raw_id)
        except ValueError:
            raise OkxError(*missing) from None
    order = account.find_order(inst.inst_id, order_id, None if order_id else str(cid))
    if order is None:
        raise OkxError(*missing)
    return order


def cancel(account: OkxAccount, params: dict, now: int) -> Order:
    order = find(account, params, E.CANCEL_MISSING)
    if not order.is_open:
        raise OkxError(*E.CANCEL_MISSING)
    order.status = "CANCELED"
    order.update_ms = now
    return order


def order_doc(order: Order, account: OkxAccount, settling: bool = False) -> dict:
    """GET /api/v5/trade/order: sizes in contracts, numbers as strings, OKX's state names.
    `settling`: shown as just accepted (live, nothing filled yet)."""
    inst = INSTRUMENTS[order.symbol]
    fills = [] if settling else [f for f in account.fills if f.order_id == order.order_id]
    fee = sum((f.fee for f in fills), Decimal(0))
    last = fills[-1] if fills else None
    return {
        "instType": "SWAP", "instId": order.symbol, "ccy": "", "ordId": str(order.order_id),
        "clOrdId": order.client_order_id, "tag": "",
        "px": str(order.price) if order.type == "LIMIT" else "",
        "sz": str(inst.to_contracts(order.orig_qty)),
        "pnl": "0", "ordType": _ORD_TYPE_NAMES[(order.type, order.time_in_force)],
        "side": order.side.lower(), "posSide": "net", "tdMode": "cross",
        "accFillSz": "0" if settling else str(inst.to_contracts(order.executed_qty)),
        "fillPx": str(last.price) if last else "", "tradeId": str(last.order_id) if last else "",
        "fillSz": str(inst.to_contracts(last.qty)) if last else "0",
        "fillTime": str(last.time_ms) if last else "",
        "avgPx": str(order.avg_price.quantize(Decimal("0.00001"))) if fills else "",
        "state": "live" if settling else STATES[order.status],
        "lever": str(account.leverage_of(order.symbol)),
        "feeCcy": "USDT", "fee": str(-fee), "rebateCcy": "USDT", "rebate": "0",
        "category": "normal", "reduceOnly": "true" if order.reduce_only else "false",
        "cancelSource": "", "source": "", "uTime": str(order.update_ms or order.time_ms),
        "cTime": str(order.time_ms),
    }
