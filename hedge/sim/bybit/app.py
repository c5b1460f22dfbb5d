"""The bybit-compatible hedge venue: the one hedge-venue simulator with bybit v5's /v5 routes for
linear USDT perpetuals (the fields ccxt's bybit class parses), its envelope and book stream."""
from __future__ import annotations

import random
from decimal import Decimal

from aiohttp import web

from hedge.sim.bybit.book_stream import add_book_stream
from hedge.sim.bybit.markets import CATEGORIES, SYMBOLS, coin_rows, instruments_info
from hedge.sim.bybit.wire import (FAULT_ANSWERS, BybitError, BybitVenueState, authenticate,
                                  cancel_order, map_error, ok, order_id_param,
                                  order_id_text, order_json, params_error, place_order,
                                  require_category, symbol_spec)
from hedge.sim.faults import HedgeFaults
from hedge.sim.hedge_venue.accounts import BPS, Account
from hedge.sim.hedge_venue.app import add_route_table, build_venue_app, now_ms, signed_by
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY, LISTENER_KEY
from hedge.sim.hedge_venue.order_faults import gated_order
from hedge.sim.hedge_venue.streams import levels_json
from hedge.sim.price import PriceProcess

__all__ = ["build_app", "LISTENER_KEY", "HEDGE_STATE_KEY", "BybitVenueState"]
MAX_ORDERS_PAGE = 50
signed = signed_by(authenticate)
NO_SCOPE = "Missing some parameters that must filled in, symbol or settleCoin or baseCoin"


def _limit(params: dict, default: int, maximum: int) -> int:
    try:
        limit = int(params.get("limit", default))
    except ValueError:
        raise params_error("limit invalid") from None
    if not 1 <= limit <= maximum:
        raise params_error(f"limit must be between 1 and {maximum}")
    return limit


async def server_time(request: web.Request) -> web.Response:
    now = now_ms(request)
    return ok({"timeSecond": str(now // 1000), "timeNano": str(now * 1_000_000)}, now)


async def get_instruments(request: web.Request) -> web.Response:
    category = request.query.get("category")
    if category not in CATEGORIES:
        raise params_error("category is required" if not category else "category invalid")
    return ok(instruments_info(category, request.query.get("symbol"),
                               request.query.get("status")))


async def orderbook(request: web.Request) -> web.Response:
    params = dict(request.query)
    require_category(params)
    spec = symbol_spec(params)
    limit = _limit(params, 25, 500)
    now = now_ms(request)
    book = request.app[HEDGE_STATE_KEY].book(spec.symbol, now)
    return ok({"s": spec.symbol,
               "b": levels_json(book.bids, limit), "a": levels_json(book.asks, limit),
               "ts": now, "u": book.nonce, "seq": book.nonce, "cts": now})


async def tickers(request: web.Request) -> web.Response:
    params = dict(request.query)
    require_category(params)
    symbols = [symbol_spec(params).symbol] if "symbol" in params else list(SYMBOLS)
    state, now = request.app[HEDGE_STATE_KEY], now_ms(request)
    rows = []
    for symbol in symbols:
        book = state.book(symbol, now)
        rows.append({"symbol": symbol, "lastPrice": str(book.mid), "markPrice": str(book.mid),
                     "indexPrice": str(book.mid), "bid1Price": str(book.bids[0].price),
                     "bid1Size": str(book.bids[0].qty), "ask1Price": str(book.asks[0].price),
                     "ask1Size": str(book.asks[0].qty), "prevPrice24h": str(book.mid),
                     "price24hPcnt": "0", "highPrice24h": str(book.mid),
                     "lowPrice24h": str(book.mid), "volume24h": "0", "turnover24h": "0",
                     "fundingRate": "0.0001", "openInterest": "0"})
    return ok({"category": "linear", "list": rows})


@signed
async def query_api(request, state, account, params, now) -> web.Response:
    """GET /v5/user/query-api: ccxt reads `uta` and `unified` to pick the unified code paths."""
    return ok({"id": "1", "note": "sim", "apiKey": account.api_key, "readOnly": 0, "secret": "",
               "permissions": {"ContractTrade": ["Order", "Position"], "Spot": [],
                               "Wallet": ["AccountTransfer"], "Options": [],
                               "Derivatives": [], "Exchange": [], "NFT": []},
               "ips": ["*"], "type": 1, "deadlineDay": -1, "expiredAt": "", "createdAt": "",
               "unified": 0, "uta": 1, "userID": 1, "inviterID": 0, "vipLevel": "No VIP",
               "mktMakerLevel": "0", "affiliateID": 0, "rsaPublicKey": "", "isMaster": True})


@signed
async def account_info(request, state, account, params, now) -> web.Response:
    return ok({"marginMode": "REGULAR_MARGIN", "updatedTime": str(now),
               "unifiedMarginStatus": 6, "dcpStatus": "OFF", "timeWindow": 10,
               "smpGroup": 0, "isMasterTrader": False, "spotHedgingStatus": "OFF"})


@signed
async def coin_info(request, state, account, params, now) -> web.Response:
    return ok({"rows": coin_rows()})


@signed
async def create_order(request, state, account, params, now) -> web.StreamResponse:
    def execute() -> web.Response:
        try:
            order = place_order(state, account, params, now)
        except BybitError as exc:
            return exc.response()
        return ok({"orderId": order_id_text(order.order_id),
                   "orderLinkId": order.client_order_id}, now)
    return await gated_order(request, FAULT_ANSWERS, execute)


@signed
async def cancel(request, state, account, params, now) -> web.Response:
    order = cancel_order(account, params, now)
    return ok({"orderId": order_id_text(order.order_id), "orderLinkId": order.client_order_id})


def _select(state: BybitVenueState, account: Account, params: dict, open_only: bool | None,
            now: int, closed_kept: int | None = None) -> list[dict]:
    """Orders newest first. By orderId (first) or orderLinkId any status matches, as on bybit;
    otherwise `open_only` picks open (True), closed (False) or every (None) order."""
    require_category(params)
    symbol = None
    if params.get("symbol"):
        symbol = symbol_spec(params).symbol
    elif not (params.get("settleCoin") or params.get("baseCoin")):
        raise params_error(NO_SCOPE)
    base = params.get("baseCoin")
    order_id = order_id_param(params)
    link_id = None if order_id is not None else (params.get("orderLinkId") or None)
    if order_id is not None or link_id is not None:
        open_only = None
    status = params.get("orderStatus")
    rows = []
    closed_seen = 0
    for order in reversed(list(account.orders.values())):
        if not order.is_open:
            closed_seen += 1
            if closed_kept is not None and closed_seen > closed_kept:
                continue
        if (open_only is not None and order.is_open != open_only) \
                or not state.visible(order, now):
            continue
        if symbol not in (None, order.symbol) or base not in (None, SYMBOLS[order.symbol].base):
            continue
        if order_id is not None and order.order_id != order_id:
            continue
        if link_id is not None and order.client_order_id != link_id:
            continue
        row = order_json(order)
        if status and row["orderStatus"] != status:
            continue
        rows.append(row)
    return rows


@signed
async def orders_realtime(request, state, account, params, now) -> web.Response:
    """Open orders; openOnly=1 the recent closed ones; by id or link id, any status."""
    rows = _select(state, account, params, str(params.get("openOnly", "0")) == "0", now,
                   closed_kept=state.realtime_closed_kept)
    limit = _limit(params, 20, MAX_ORDERS_PAGE)
    return ok({"category": "linear", "list": rows[:limit], "nextPageCursor": ""})


@signed
async def orders_history(request, state, account, params, now) -> web.Response:
    """Orders of every status (filter with orderStatus), newest first."""
    rows = _select(state, account, {"settleCoin": "USDT"} | params, None, now)
    limit = _limit(params, 20, MAX_ORDERS_PAGE)
    return ok({"category": "linear", "list": rows[:limit], "nextPageCursor": ""})


def _position_idx(account: Account, amount) -> int:
    """0 in one-way mode; in hedge mode 1 for the buy side, 2 for the sell side."""
    return 0 if account.position_mode != "hedge" else (2 if amount < 0 else 1)


def _position_row(state: BybitVenueState, account: Account, symbol: str, now: int) -> dict:
    pos = account.position(symbol)
    mark = state.book(symbol, now).mid
    size = abs(pos.amount)
    value = size * pos.entry_price
    leverage = account.leverage_of(symbol)
    side = "" if pos.amount == 0 else ("Buy" if pos.amount > 0 else "Sell")
    return {
        "positionIdx": _position_idx(account, pos.amount), "riskId": 1,
        "riskLimitValue": "2000000", "symbol": symbol,
        "side": side, "size": str(size), "avgPrice": str(pos.entry_price),
        "positionValue": str(value), "tradeMode": 0, "autoAddMargin": 0,
        "positionStatus": "Normal", "leverage": str(leverage), "markPrice": str(mark),
        "liqPrice": "", "bustPrice": "", "positionIM": str(size * mark / leverage),
        "positionMM": str(size * mark * Decimal("0.005")), "positionBalance": "0",
        "takeProfit": "0", "stopLoss": "0", "trailingStop": "0", "sessionAvgPrice": "",
        "unrealisedPnl": str(pos.amount * (mark - pos.entry_price)), "curRealisedPnl": "0",
        "cumRealisedPnl": "0", "adlRankIndicator": 0, "isReduceOnly": False,
        "mmrSysUpdatedTime": "", "leverageSysUpdatedTime": "",
        "createdTime": str(state.prices.origin_ms), "updatedTime": str(pos.update_ms or now),
        "seq": pos.update_ms, "tpslMode": "Full"}


@signed
async def position_list(request, state, account, params, now) -> web.Response:
    """One row for an asked symbol (size 0 when flat); only open positions otherwise."""
    require_category(params)
    if params.get("symbol"):
        rows = [_position_row(state, account, symbol_spec(params).symbol, now)]
        if account.position_mode == "hedge":   # one row per side; the other side is flat
            idx = rows[0]["positionIdx"]
            rows.append(rows[0] | {"positionIdx": 3 - idx, "side": "", "size": "0",
                                   "positionValue": "0", "positionIM": "0", "positionMM": "0",
                                   "unrealisedPnl": "0"})
            rows.sort(key=lambda row: row["positionIdx"])
    elif params.get("settleCoin") or params.get("baseCoin"):
        base = params.get("baseCoin")
        rows = [_position_row(state, account, s, now) for s, p in account.positions.items()
                if p.amount != 0 and base in (None, SYMBOLS[s].base)]
    else:
        raise params_error(NO_SCOPE)
    return ok({"category": "linear", "list": rows, "nextPageCursor": ""})


@signed
async def wallet_balance(request, state, account, params, now) -> web.Response:
    if params.get("accountType") != "UNIFIED":
        raise params_error("accountType only support UNIFIED")
    m = state.margin(account, now)
    equity = m.margin_balance
    initial = m.position_margin + m.order_margin
    coin = {"coin": "USDT", "equity": str(equity), "usdValue": str(equity),
            "walletBalance": str(m.wallet), "free": "", "locked": "0",
            "spotHedgingQty": "0", "borrowAmount": "0", "availableToWithdraw": "",
            "accruedInterest": "0", "totalOrderIM": str(m.order_margin),
            "totalPositionIM": str(m.position_margin), "totalPositionMM": "0",
            "unrealisedPnl": str(m.unrealized), "cumRealisedPnl": "0", "bonus": "0",
            "marginCollateral": True, "collateralSwitch": True}
    return ok({"list": [{
        "accountType": "UNIFIED", "accountIMRate": "0", "accountMMRate": "0",
        "accountLTV": "0", "totalEquity": str(equity), "totalWalletBalance": str(m.wallet),
        "totalMarginBalance": str(equity), "totalAvailableBalance": str(m.available),
        "totalPerpUPL": str(m.unrealized), "totalInitialMargin": str(initial),
        "totalMaintenanceMargin": "0", "coin": [coin]}]})


@signed
async def fee_rate(request, state, account, params, now) -> web.Response:
    """GET /v5/account/fee-rate: the fees this account is charged (fractions)."""
    require_category(params)
    symbols = [symbol_spec(params).symbol] if params.get("symbol") else list(SYMBOLS)
    return ok({"category": "linear", "list": [
        {"symbol": s, "baseCoin": SYMBOLS[s].base, "takerFeeRate": str(account.taker_fee),
         "makerFeeRate": str(account.maker_fee_bps * BPS)} for s in symbols]}, now)


@signed
async def set_leverage(request, state, account, params, now) -> web.Response:
    require_category(params)
    spec = symbol_spec(params)
    try:
        buy, sell = Decimal(str(params["buyLeverage"])), Decimal(str(params["sellLeverage"]))
    except (KeyError, ArithmeticError):
        raise params_error("buyLeverage and sellLeverage are required") from None
    if buy != sell or not 1 <= buy <= 100:
        raise BybitError(10001, "buy leverage invalid")
    if account.leverage_of(spec.symbol) == int(buy):
        raise BybitError(110043, "leverage not modified")
    account.leverage[spec.symbol] = int(buy)
    return ok({})


ROUTES = [("GET", "/v5/market/time", server_time),
          ("GET", "/v5/market/instruments-info", get_instruments),
          ("GET", "/v5/market/orderbook", orderbook), ("GET", "/v5/market/tickers", tickers),
          ("GET", "/v5/user/query-api", query_api), ("GET", "/v5/account/info", account_info),
          ("GET", "/v5/asset/coin/query-info", coin_info),
          ("POST", "/v5/order/create", create_order), ("POST", "/v5/order/cancel", cancel),
          ("GET", "/v5/order/realtime", orders_realtime),
          ("GET", "/v5/order/history", orders_history),
          ("GET", "/v5/position/list", position_list),
          ("GET", "/v5/account/wallet-balance", wallet_balance),
          ("POST", "/v5/position/set-leverage", set_leverage),
          ("GET", "/v5/account/fee-rate", fee_rate)]


def add_routes(app: web.Application) -> None:
    add_route_table(app, ROUTES)
    add_book_stream(app)


def build_app(prices: PriceProcess, faults: HedgeFaults, seed: int) -> web.Application:
    state = BybitVenueState(prices, faults, random.Random(f"{seed}:bybit"))
    return build_venue_app(state, map_error, add_routes)
