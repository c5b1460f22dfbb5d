"""POST /info: the reads ccxt's hyperliquid class makes. Market data comes from the shared book
(mark = mid); an unknown `user` reads as an empty account and an unknown request type is HTTP 422
in plain text, as on Hyperliquid."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from aiohttp import web

from hedge.sim.hedge_venue.accounts import BPS
from hedge.sim.hedge_venue.state import MarginView
from hedge.sim.hyperliquid.state import HlAccount as Account, HyperliquidState, order_status, \
    order_wire
from hedge.sim.hyperliquid.markets import PERPS, universe, wire_decimal
from hedge.sim.hyperliquid.orders import CLOID, DESERIALIZE_FAILED

USDC_TOKEN = {"name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0,
              "tokenId": "0x6d1e7cde53ba9467b783cb7c530ce054", "isCanonical": True,
              "evmContract": None, "fullName": None}
FUNDING_RATE = "0.0000125"


def unprocessable(message: str = DESERIALIZE_FAILED) -> web.Response:
    return web.Response(status=422, text=message, content_type="text/plain")


def _meta() -> dict:
    return {"universe": universe(), "marginTables": []}


def _asset_ctxs(state: HyperliquidState, now: int) -> list[dict]:
    ctxs = []
    for perp in sorted(PERPS.values(), key=lambda p: p.asset):
        book = state.book(perp.name, now)
        day_ago = state.book(perp.name, max(state.prices.origin_ms, now - 86_400_000))
        mark = wire_decimal(book.mid)
        ctxs.append({"funding": FUNDING_RATE, "openInterest": "0.0",
                     "prevDayPx": wire_decimal(day_ago.mid), "dayNtlVlm": "0.0",
                     "premium": "0.0", "oraclePx": mark, "markPx": mark,
                     "midPx": wire_decimal((book.bids[0].price + book.asks[0].price) / 2),
                     "impactPxs": [wire_decimal(book.bids[0].price),
                                   wire_decimal(book.asks[0].price)],
                     "dayBaseVlm": "0.0"})
    return ctxs


def _l2_book(state: HyperliquidState, body: dict, now: int) -> Any:
    coin = body.get("coin")
    if coin not in PERPS:
        return None
    book = state.book(coin, now)
    side = lambda levels: [{"px": wire_decimal(lv.price), "sz": wire_decimal(lv.qty), "n": 1}
                           for lv in levels]
    return {"coin": coin, "time": now, "levels": [side(book.bids), side(book.asks)]}


def clearinghouse_state(state: HyperliquidState, account: Account | None, now: int) -> dict:
    """An unknown user reads as an empty account (every figure "0.0")."""
    zero = Decimal(0)
    m = state.margin(account, now) if account else MarginView(zero, zero, zero, zero)
    positions = []
    for coin, pos in (account.positions.items() if account else ()):
        if not pos.amount:
            continue
        perp = PERPS[coin]
        mark = state.book(coin, now).mid
        leverage = account.leverage_of(coin)
        value = abs(pos.amount) * mark
        unrealized = pos.amount * (mark - pos.entry_price)
        margin_used = value / leverage
        positions.append({"type": "oneWay", "position": {
            "coin": coin, "szi": wire_decimal(pos.amount),
            "leverage": {"type": "cross", "value": leverage},
            "entryPx": wire_decimal(pos.entry_price.quantize(Decimal("0.000001"))),
            "positionValue": wire_decimal(value.quantize(Decimal("0.000001"))),
            "unrealizedPnl": wire_decimal(unrealized.quantize(Decimal("0.000001"))),
            "returnOnEquity": wire_decimal((unrealized / margin_used).quantize(
                Decimal("0.00000001"))),
            "liquidationPx": None,
            "marginUsed": wire_decimal(margin_used.quantize(Decimal("0.000001"))),
            "maxLeverage": perp.max_leverage,
            "cumFunding": {"allTime": "0.0", "sinceOpen": "0.0", "sinceChange": "0.0"}}})
    q = lambda d: wire_decimal(d.quantize(Decimal("0.000001")))
    summary = {"accountValue": q(m.margin_balance), "totalNtlPos": q(m.notional),
               "totalRawUsd": q(m.wallet), "totalMarginUsed": q(m.position_margin)}
    return {"marginSummary": summary, "crossMarginSummary": dict(summary),
            "crossMaintenanceMarginUsed": "0.0",
            "withdrawable": q(max(Decimal(0), m.available)),
            "assetPositions": positions, "time": now}


def _order_status(state: HyperliquidState, account: Account | None, body: dict, now: int) -> Any:
    oid = body.get("oid")
    if isinstance(oid, str) and CLOID.fullmatch(oid):
        order = account.by_cloid(oid) if account else None
    elif isinstance(oid, int) and not isinstance(oid, bool):
        order = account.orders.get(oid) if account else None
    else:
        return unprocessable()
    if order is None or not state.visible(order, now):
        return {"status": "unknownOid"}
    return {"status": "order", "order": _with_status(order)}


def _with_status(order) -> dict:
    return {"order": order_wire(order), "status": order_status(order),
            "statusTimestamp": order.update_ms or order.time_ms}


def _open_orders(state: HyperliquidState, account: Account | None, frontend: bool,
                 now: int) -> list[dict]:
    if account is None:
        return []
    short = ("coin", "limitPx", "oid", "side", "sz", "timestamp", "origSz", "cloid")
    return [order_wire(o) if frontend else {k: order_wire(o)[k] for k in short}
            for o in account.open_orders() if state.visible(o, now)]


def _user_fills(account: Account | None, body: dict) -> list[dict]:
    if account is None:
        return []
    start, end = body.get("startTime", 0), body.get("endTime")
    return [{"coin": f.symbol, "px": wire_decimal(f.price), "sz": wire_decimal(f.qty),
             "side": "B" if f.side == "BUY" else "A", "time": f.time_ms, "startPosition": "0.0",
             "dir": "Open Long" if f.side == "BUY" else "Open Short", "closedPnl": "0.0",
             "hash": "0x" + "0" * 64, "oid": f.order_id, "crossed": True,
             "fee": wire_decimal(f.fee), "tid": f.order_id * 10 + i, "feeToken": "USDC",
             "cloid": f.client_order_id or None}
            for i, f in enumerate(account.fills)
            if isinstance(start, int) and f.time_ms >= start
            and (not isinstance(end, int) or f.time_ms <= end)]


def _user_fees(account: Account | None, state: HyperliquidState) -> dict:
    """userFees: the rates this user is charged (cross = taker, add = maker), as fractions."""
    taker, maker = (account.taker_fee_bps, account.maker_fee_bps) if account else state.fee_bps
    return {"dailyUserVlm": [], "feeSchedule": {}, "userCrossRate": str(taker * BPS),
            "userAddRate": str(maker * BPS), "activeReferralDiscount": "0.0"}


def _user(state: HyperliquidState, body: dict) -> Account | None:
    user = body.get("user")
    return state.accounts.get(user.lower()) if isinstance(user, str) else None


def _builder_max_fee(state: HyperliquidState, body: dict) -> int:
    account, builder = _user(state, body), body.get("builder")
    if account is None or not isinstance(builder, str):
        return 0
    return int(account.builder_max_fee.get(builder.lower(), Decimal(0)) * 100_000)


READERS: dict[str, Callable[[HyperliquidState, dict, int], Any]] = {
    "meta": lambda s, b, now: _meta(),
    "metaAndAssetCtxs": lambda s, b, now: [_meta(), _asset_ctxs(s, now)],
    "spotMeta": lambda s, b, now: {"tokens": [USDC_TOKEN], "universe": []},
    "spotMetaAndAssetCtxs": lambda s, b, now: [{"tokens": [USDC_TOKEN], "universe": []}, []],
    "perpDexs": lambda s, b, now: [None],
    "allMids": lambda s, b, now: {c: wire_decimal(s.book(c, now).mid) for c in PERPS},
    "l2Book": _l2_book,
    "exchangeStatus": lambda s, b, now: {"specialStatuses": None, "time": now},
    "userAbstraction": lambda s, b, now: "default",
    "clearinghouseState": lambda s, b, now: clearinghouse_state(s, _user(s, b), now),
    "spotClearinghouseState": lambda s, b, now: {"balances": [
        {"coin": "USDC", "token": 0, "hold": "0.0", "total": "0.0", "entryNtl": "0.0"}]},
    "orderStatus": lambda s, b, now: _order_status(s, _user(s, b), b, now),
    "openOrders": lambda s, b, now: _open_orders(s, _user(s, b), False, now),
    "frontendOpenOrders": lambda s, b, now: _open_orders(s, _user(s, b), True, now),
    "historicalOrders": lambda s, b, now: [
        _with_status(o) for o in reversed(list(a.orders.values())) if s.visible(o, now)]
    if (a := _user(s, b)) else [],
    "userFees": lambda s, b, now: _user_fees(_user(s, b), s),
    "userFills": lambda s, b, now: _user_fills(_user(s, b), {}),
    "userFillsByTime": lambda s, b, now: _user_fills(_user(s, b), b),
    "maxBuilderFee": lambda s, b, now: _builder_max_fee(s, b),
}


def read_info(state: HyperliquidState, body: Any) -> Any:
    """The answer to one /info body (a JSON value, or a ready 422 Response)."""
    if not isinstance(body, dict):
        return unprocessable()
    if body.get("dex") not in (None, ""):
        return unprocessable()
    reader = READERS.get(body.get("type"))   # type: ignore[arg-type]
    if reader is None:
        return unprocessable()
    return reader(state, body, state.now_ms())
