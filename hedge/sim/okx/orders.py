"""Order placement, lookup and cancel on the okx venue: OKX's checks, then shared matching.

Sizes arrive in contracts and are matched in base units against the shared synthetic book; a
refused order leaves no trace. clOrdId is unique among OPEN orders only (the stricter reading
would hide the double fill a blind resend causes), and an IOC remainder ends `canceled`.
"""
from __future__ import annotations

import re
from decimal import Decimal

from hedge.sim.hedge_venue.accounts import Account, Order
from hedge.sim.hedge_venue.matching import (MatchRules, OrderRequest, Refusal, decimal_param,
                                            execute, flag_param)
from hedge.sim.okx import errors as E
from hedge.sim.okx.errors import OkxError, OrderRefused
from hedge.sim.okx.markets import INSTRUMENTS, Instrument
from hedge.sim.okx.state import OkxVenueState

CL_ORD_ID = re.compile(r"[A-Za-z0-9]{1,32}")
# OKX ordType <-> the (type, timeInForce) the shared order record keeps
ORD_TYPES = {"limit": ("LIMIT", "GTC"), "ioc": ("LIMIT", "IOC"), "fok": ("LIMIT", "FOK"),
             "post_only": ("LIMIT", "GTX"), "market": ("MARKET", "IOC"),
             "optimal_limit_ioc": ("MARKET", "IOC")}
_ORD_TYPE_NAMES = {v: k for k, v in ORD_TYPES.items() if k != "optimal_limit_ioc"}
RULES = MatchRules(min_notional=False, fok_short="cancel", remainder_status="CANCELED")
REFUSALS = {"position_side": E.POS_SIDE, "duplicate_id": E.DUPLICATE_CLORDID,
            "reduce_only_flat": E.NO_POSITION_TO_REDUCE,
            "reduce_only_side": E.NO_POSITION_TO_REDUCE,
            "post_only": ("51000", "Parameter ordType error"),   # OKX cancels; close enough
            "margin": E.MARGIN_INSUFFICIENT}
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
        raise OrderRefused("51000", "Parameter tdMode error")
    side = params.get("side")
    if side not in ("buy", "sell"):
        raise OrderRefused("51000", "Parameter side error")
    ord_type = params.get("ordType")
    if ord_type not in ORD_TYPES:
        raise OrderRefused("51000", "Parameter ordType error")
    pos_side = params.get("posSide") or "net"
    if pos_side not in (("long", "short") if account.position_mode == "hedge" else ("net",)):
        raise OrderRefused(*E.POS_SIDE)
    cid = params.get("clOrdId") or ""
    if cid and not CL_ORD_ID.fullmatch(str(cid)):
        raise OrderRefused("51000", "Parameter clOrdId error")
    contracts = _positive(params, "sz")
    if contracts % inst.lot_sz != 0:
        raise OrderRefused(*E.LOT_SIZE)
    if contracts < inst.min_sz:
        raise OrderRefused(*E.BELOW_MIN_SIZE)
    order_type, tif = ORD_TYPES[ord_type]
    price = Decimal(0)
    if order_type == "LIMIT":
        price = _positive(params, "px")
        if price % inst.tick_sz != 0:
            raise OrderRefused("51000", "Parameter px error")
    req = OrderRequest(inst.inst_id, "BUY" if side == "buy" else "SELL", order_type, tif,
                       inst.to_base(contracts), price, flag_param(params, "reduceOnly", _bad),
                       str(cid), "" if pos_side == "net" else pos_side)
    try:
        return execute(state, account, req, now, RULES)
    except Refusal as refusal:
        raise OrderRefused(*REFUSALS[refusal.reason]) from None


def find(state: OkxVenueState, account: Account, params: dict, missing: tuple[str, str],
         now: int | None = None) -> Order:
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
    if order is None or (now is not None and not state.visible(order, now)):
        raise OkxError(*missing)
    return order


def cancel(state: OkxVenueState, account: Account, params: dict, now: int) -> Order:
    order = find(state, account, params, E.CANCEL_MISSING)
    if not order.is_open:
        raise OkxError(*E.CANCEL_MISSING)
    order.status = "CANCELED"
    order.update_ms = now
    return order


def order_doc(order: Order, account: Account, settling: bool = False) -> dict:
    """GET /api/v5/trade/order: sizes in contracts, numbers as strings, OKX's state names.
    `settling`: shown as just accepted (live, nothing filled yet)."""
    inst = INSTRUMENTS[order.symbol]
    fills = [] if settling else [f for f in account.fills if f.order_id == order.order_id]
    fee = order.fee if fills else Decimal(0)
    last = fills[-1] if fills else None
    return {
        "instType": "SWAP", "instId": order.symbol, "ccy": "", "ordId": str(order.order_id),
        "clOrdId": order.client_order_id, "tag": "",
        "px": str(order.price) if order.type == "LIMIT" else "",
        "sz": str(inst.to_contracts(order.orig_qty)),
        "pnl": "0", "ordType": _ORD_TYPE_NAMES[(order.type, order.time_in_force)],
        "side": order.side.lower(), "posSide": order.position_side or "net", "tdMode": "cross",
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
