"""The okx-compatible hedge venue: the one hedge-venue simulator with OKX v5's /api/v5 routes
(the fields ccxt's okx class parses), `{"code", "msg", "data"}` answers, contracts on the wire."""
from __future__ import annotations

import random
import zlib
from decimal import Decimal

from aiohttp import web

from hedge.sim.faults import HedgeFaults
from hedge.sim.hedge_venue.accounts import BPS, Account
from hedge.sim.hedge_venue.app import add_route_table, build_venue_app, now_ms, signed_by
from hedge.sim.hedge_venue.control import AccountForm
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY, LISTENER_KEY
from hedge.sim.hedge_venue.order_faults import FaultAnswers, gated_order
from hedge.sim.okx import wire as E
from hedge.sim.okx.markets import INSTRUMENTS, currency_docs, instrument_doc
from hedge.sim.okx.wire import (OkxError, OkxVenueState, OrderRefused, cancel, error_response,
                                find, instrument, map_error, ok, order_doc, place_order)
from hedge.sim.price import PriceProcess

__all__ = ["build_app", "LISTENER_KEY", "HEDGE_STATE_KEY", "OkxVenueState"]
API = "/api/v5"
private = signed_by(E.authenticate)


# --- public -----------------------------------------------------------------------------------

async def server_time(request: web.Request) -> web.Response:
    return ok([{"ts": str(now_ms(request))}])


async def instruments(request: web.Request) -> web.Response:
    inst_type = request.query.get("instType")
    if not inst_type:
        raise E.missing_param("instType")
    if inst_type not in ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"):
        raise E.bad_param("instType")
    state = request.app[HEDGE_STATE_KEY]
    rows = [instrument_doc(inst, state.prices.origin_ms) for inst in INSTRUMENTS.values()
            if inst_type == "SWAP" and request.query.get("instId") in (None, inst.inst_id)]
    return ok(rows)


async def books(request: web.Request) -> web.Response:
    inst = instrument(dict(request.query))
    try:
        depth = int(request.query.get("sz", "1"))
    except ValueError:
        raise E.bad_param("sz") from None
    now = now_ms(request)
    book = request.app[HEDGE_STATE_KEY].book(inst.inst_id, now)

    def side(levels) -> list[list[str]]:
        return [[str(lv.price), str(inst.to_contracts(lv.qty)), "0", "1"] for lv in levels[:depth]]

    return ok([{"asks": side(book.asks), "bids": side(book.bids), "ts": str(now)}])


async def ticker(request: web.Request) -> web.Response:
    inst = instrument(dict(request.query))
    now = now_ms(request)
    book = request.app[HEDGE_STATE_KEY].book(inst.inst_id, now)
    last = str(book.mid)
    return ok([{"instType": "SWAP", "instId": inst.inst_id, "last": last, "lastSz": "1",
                "askPx": str(book.asks[0].price), "askSz": str(inst.to_contracts(book.asks[0].qty)),
                "bidPx": str(book.bids[0].price), "bidSz": str(inst.to_contracts(book.bids[0].qty)),
                "open24h": last, "high24h": last, "low24h": last, "volCcy24h": "0",
                "vol24h": "0", "sodUtc0": last, "sodUtc8": last, "ts": str(now)}])


# --- orders -----------------------------------------------------------------------------------

def _placement(state: OkxVenueState, account: Account, params: object, now: int) -> dict:
    cid = params.get("clOrdId", "") if isinstance(params, dict) else ""
    try:
        order = place_order(state, account, params, now)  # type: ignore[arg-type]
    except OrderRefused as exc:
        return {"clOrdId": cid, "ordId": "", "tag": "", "ts": str(now), "sCode": exc.code,
                "sMsg": exc.msg}
    return {"clOrdId": order.client_order_id, "ordId": str(order.order_id), "tag": "",
            "ts": str(now), "sCode": "0", "sMsg": "Order placed"}


FAULT_ANSWERS = FaultAnswers(
    lambda kind, now: error_response(*E.RATE_LIMITED, status=429) if kind in ("429", "418")
    else error_response(*E.SYSTEM_BUSY) if kind == "-1001" else None,
    lambda: error_response(*E.STATUS_UNKNOWN))


async def _place(request, state: OkxVenueState, account, orders: list, now: int):
    def execute() -> web.Response:
        state.received_orders.extend(o for o in orders if isinstance(o, dict))
        rows = [_placement(state, account, o, now) for o in orders]
        failed = sum(1 for r in rows if r["sCode"] != "0")
        if failed == 0:
            return ok(rows)
        if failed == len(rows):
            return error_response("1", "All operations failed", data=rows)
        return error_response("2", "Bulk operation partially succeeded", data=rows)
    return await gated_order(request, FAULT_ANSWERS, execute)


@private
async def post_order(request, state, account, params, now):
    return await _place(request, state, account, [params], now)


@private
async def post_batch_orders(request, state, account, params, now):
    if not isinstance(params, list) or not 1 <= len(params) <= 20:
        raise OkxError("51000", "Parameter batch orders error", status=400)
    return await _place(request, state, account, params, now)


@private
async def get_order(request, state, account, params, now):
    order = find(state, account, params, E.ORDER_MISSING, now)
    settling = now < order.time_ms + state.settle_after_ms
    return ok([order_doc(order, account, settling)])


@private
async def orders_pending(request, state, account, params, now):
    inst_id = instrument(params).inst_id if params.get("instId") else None
    return ok([order_doc(o, account) for o in reversed(account.open_orders())
               if inst_id in (None, o.symbol) and state.visible(o, now)])


@private
async def cancel_order(request, state, account, params, now):
    if not isinstance(params, dict):
        raise OkxError("50002", "JSON syntax error", status=400)
    try:
        order = cancel(state, account, params, now)
    except OkxError as exc:
        if exc.code != E.CANCEL_MISSING[0]:
            raise
        return error_response("1", "All operations failed", data=[
            {"clOrdId": params.get("clOrdId", ""), "ordId": params.get("ordId", ""),
             "sCode": exc.code, "sMsg": exc.msg}])
    return ok([{"clOrdId": order.client_order_id, "ordId": str(order.order_id), "ts": str(now),
                "sCode": "0", "sMsg": ""}])


# --- account ----------------------------------------------------------------------------------

@private
async def positions(request, state, account, params, now):
    wanted = set(str(params["instId"]).split(",")) if params.get("instId") else None
    rows = []
    for inst_id, pos in account.positions.items():
        if pos.amount == 0 or (wanted is not None and inst_id not in wanted):
            continue
        inst = INSTRUMENTS[inst_id]
        hedged = account.position_mode == "hedge"   # long_short_mode: pos >= 0, posSide tells
        pos_side = ("long" if pos.amount > 0 else "short") if hedged else "net"
        mark = state.book(inst_id, now).mid
        notional = abs(pos.amount) * mark
        lever = account.leverage_of(inst_id)
        upl = pos.amount * (mark - pos.entry_price)
        rows.append({
            "instType": "SWAP", "instId": inst_id, "mgnMode": "cross",
            "posId": str(zlib.crc32(f"{account.api_key}:{inst_id}".encode())), "posSide": pos_side,
            "pos": str(inst.to_contracts(abs(pos.amount) if hedged else pos.amount)), "availPos": "", "posCcy": "",
            "avgPx": str(pos.entry_price), "markPx": str(mark), "last": str(mark),
            "upl": str(upl), "uplRatio": str((upl / (notional / lever)).quantize(Decimal("0.0001"))),
            "lever": str(lever), "liqPx": "", "imr": str(notional / lever), "margin": "",
            "mmr": str(notional * Decimal("0.004")), "mgnRatio": "", "notionalUsd": str(notional),
            "ccy": "USDT", "adl": "1", "realizedPnl": "0", "fee": "0", "fundingFee": "0",
            "cTime": str(pos.update_ms), "uTime": str(pos.update_ms)})
    return ok(rows)


@private
async def balance(request, state, account, params, now):
    m = state.margin(account, now)
    frozen = m.position_margin + m.order_margin
    detail = {"ccy": "USDT", "eq": str(m.margin_balance), "cashBal": str(m.wallet),
              "availBal": str(m.available), "availEq": str(m.available),
              "frozenBal": str(frozen), "ordFrozen": str(m.order_margin), "upl": str(m.unrealized),
              "eqUsd": str(m.margin_balance), "disEq": str(m.margin_balance), "uTime": str(now)}
    return ok([{"totalEq": str(m.margin_balance), "adjEq": str(m.margin_balance),
                "isoEq": "0", "imr": str(m.position_margin), "mmr": "0",
                "notionalUsd": "0", "ordFroz": str(m.order_margin), "uTime": str(now),
                "details": [detail]}])


@private
async def account_config(request, state, account, params, now):
    return ok([{"uid": str(zlib.crc32(account.api_key.encode())), "mainUid": "", "acctLv": "2",
                "posMode": "long_short_mode" if account.position_mode == "hedge" else "net_mode",
                "autoLoan": False, "greeksType": "PA", "level": "Lv1",
                "ctIsoMode": "automatic", "mgnIsoMode": "automatic", "label": "paper",
                "roleType": "0", "perm": "read_only,trade", "ip": "", "kycLv": "1"}])


@private
async def trade_fee(request, state, account, params, now):
    """GET /api/v5/account/trade-fee: OKX gives charged fees as negative rates."""
    maker, taker = str(-account.maker_fee_bps * BPS), str(-account.taker_fee)
    return ok([{"category": "1", "delivery": "", "exercise": "", "instType":
                params.get("instType", "SWAP"), "level": "Lv1", "maker": maker, "taker": taker,
                "makerU": maker, "takerU": taker, "makerUSDC": maker, "takerUSDC": taker,
                "ts": str(now)}])


@private
async def currencies(request, state, account, params, now):
    return ok(currency_docs())


@private
async def set_leverage(request, state, account, params, now):
    inst = instrument(params if isinstance(params, dict) else {})
    try:
        lever = int(params.get("lever", ""))
    except ValueError:
        raise E.bad_param("lever") from None
    if not 1 <= lever <= 100:
        raise E.bad_param("lever")
    account.leverage[inst.inst_id] = lever
    return ok([{"instId": inst.inst_id, "lever": str(lever), "mgnMode": "cross", "posSide": "net"}])


ROUTES = [("GET", f"{API}/public/time", server_time),
          ("GET", f"{API}/public/instruments", instruments), ("GET", f"{API}/market/books", books),
          ("GET", f"{API}/market/ticker", ticker), ("GET", f"{API}/asset/currencies", currencies),
          ("GET", f"{API}/account/config", account_config),
          ("GET", f"{API}/account/trade-fee", trade_fee),
          ("GET", f"{API}/account/balance", balance),
          ("GET", f"{API}/account/positions", positions),
          ("POST", f"{API}/account/set-leverage", set_leverage),
          ("POST", f"{API}/trade/order", post_order),
          ("POST", f"{API}/trade/batch-orders", post_batch_orders),
          ("GET", f"{API}/trade/order", get_order),
          ("GET", f"{API}/trade/orders-pending", orders_pending),
          ("POST", f"{API}/trade/cancel-order", cancel_order)]


def build_app(prices: PriceProcess, faults: HedgeFaults, seed: int) -> web.Application:
    state = OkxVenueState(prices, faults, random.Random(f"{seed}:hedge"))
    return build_venue_app(state, map_error, lambda app: add_route_table(app, ROUTES),
                           AccountForm(required=("secret", "passphrase")))
