"""The binanceusdm-compatible hedge venue: the hedge-venue simulator with Binance USD-M's /fapi
routes and the fields ccxt's parsers read."""
from __future__ import annotations

import random
from decimal import Decimal

from aiohttp import web

from hedge.sim.binance.depth_stream import add_depth_stream
from hedge.sim.binance.markets import SYMBOLS, exchange_info, leverage_brackets
from hedge.sim.binance.wire import (VenueError, account_for_key, authenticate, bad_param,
                                    cancel_order, error_response, lookup, map_error,
                                    missing_param, order_json, place_order, symbol_spec)
from hedge.sim.faults import HedgeFaults
from hedge.sim.hedge_venue.accounts import BPS, Account
from hedge.sim.hedge_venue.app import add_route_table, build_venue_app, now_ms, signed_by
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY, LISTENER_KEY
from hedge.sim.hedge_venue.order_faults import FaultAnswers, gated_order
from hedge.sim.hedge_venue.state import HedgeVenueState
from hedge.sim.hedge_venue.streams import levels_json
from hedge.sim.price import PriceProcess

__all__ = ["build_hedge_app", "LISTENER_KEY", "HEDGE_STATE_KEY", "HedgeVenueState"]
DAY_MS = 86_400_000
signed = signed_by(authenticate)


def _rows(request: web.Request, row) -> web.Response:
    """`row(state, symbol, now)` per symbol: a list without `symbol` (ccxt's fetch_bids_asks
    relies on that), one object with it."""
    state, now = request.app[HEDGE_STATE_KEY], now_ms(request)
    symbol = request.query.get("symbol")
    if symbol is not None:
        symbol_spec({"symbol": symbol})
    rows = [row(state, s, now) for s in ([symbol] if symbol is not None else SYMBOLS)]
    return web.json_response(rows if symbol is None else rows[0])


async def ping(request: web.Request) -> web.Response:
    return web.json_response({})


async def server_time(request: web.Request) -> web.Response:
    return web.json_response({"serverTime": now_ms(request)})


async def get_exchange_info(request: web.Request) -> web.Response:
    return web.json_response(exchange_info(now_ms(request)))


async def depth(request: web.Request) -> web.Response:
    spec = symbol_spec(dict(request.query))
    try:
        limit = int(request.query.get("limit", "500"))
    except ValueError:
        raise bad_param("limit") from None
    now, state = now_ms(request), request.app[HEDGE_STATE_KEY]
    state.depth_requests += 1
    book = state.book(spec.symbol, now)
    return web.json_response({
        "lastUpdateId": book.nonce, "E": now, "T": now,
        "bids": levels_json(book.bids, limit), "asks": levels_json(book.asks, limit)})


def _book_ticker(state: HedgeVenueState, symbol: str, now: int) -> dict:
    book = state.book(symbol, now)
    return {"symbol": symbol, "bidPrice": str(book.bids[0].price),
            "bidQty": str(book.bids[0].qty), "askPrice": str(book.asks[0].price),
            "askQty": str(book.asks[0].qty), "time": now, "lastUpdateId": book.nonce}


def _ticker_24hr(state: HedgeVenueState, symbol: str, now: int) -> dict:
    mid = state.book(symbol, now).mid
    open_mid = state.book(symbol, max(state.prices.origin_ms, now - DAY_MS)).mid
    change = mid - open_mid
    return {"symbol": symbol, "priceChange": str(change),
            "priceChangePercent": str((change / open_mid * 100).quantize(Decimal("0.001"))),
            "weightedAvgPrice": str(mid), "lastPrice": str(mid), "lastQty": "0.001",
            "openPrice": str(open_mid), "highPrice": str(max(mid, open_mid)),
            "lowPrice": str(min(mid, open_mid)), "volume": "0", "quoteVolume": "0",
            "openTime": now - DAY_MS, "closeTime": now, "firstId": 0, "lastId": 0, "count": 0}


def _premium_index(state: HedgeVenueState, symbol: str, now: int) -> dict:
    mid = str(state.book(symbol, now).mid)
    return {"symbol": symbol, "markPrice": mid, "indexPrice": mid, "estimatedSettlePrice": "0",
            "lastFundingRate": "0.00010000", "interestRate": "0.00010000",
            "nextFundingTime": now - now % 28_800_000 + 28_800_000, "time": now}


async def book_ticker(request: web.Request) -> web.Response:
    return _rows(request, _book_ticker)


async def ticker_24hr(request: web.Request) -> web.Response:
    return _rows(request, _ticker_24hr)


async def premium_index(request: web.Request) -> web.Response:
    return _rows(request, _premium_index)


@signed
async def get_leverage_brackets(request, state, account, params, now) -> web.Response:
    return web.json_response(leverage_brackets())


def _fault_answer(kind: str, now: int) -> web.Response | None:
    if kind == "429":
        return error_response(-1003, "Too many requests; current limit of IP(127.0.0.1) is 2400 "
                                     "requests per minute. Please use the websocket for live "
                                     "updates to avoid polling the API.", status=429)
    if kind == "418":
        return error_response(-1003, f"Way too many requests; IP(127.0.0.1) banned until "
                                     f"{now + 120_000}. Please use the websocket for live "
                                     "updates to avoid bans.", status=418)
    if kind == "-1001":
        return error_response(-1001, "Internal error; unable to process your request. "
                                     "Please try again.")
    return None


FAULT_ANSWERS = FaultAnswers(_fault_answer, lambda: error_response(
    -1007, "Timeout waiting for response from backend server. Send status unknown; execution "
           "status unknown.", status=503))


@signed
async def post_order(request, state, account, params, now) -> web.StreamResponse:
    def execute() -> web.Response:
        try:
            return web.json_response(order_json(place_order(state, account, params, now)))
        except VenueError as exc:
            return exc.response()
    return await gated_order(request, FAULT_ANSWERS, execute)


@signed
async def get_order(request, state, account, params, now) -> web.Response:
    return web.json_response(order_json(lookup(state, account, params, now)))


@signed
async def delete_order(request, state, account, params, now) -> web.Response:
    return web.json_response(order_json(cancel_order(state, account, params, now)))


@signed
async def open_orders(request, state, account, params, now) -> web.Response:
    symbol = symbol_spec(params).symbol if "symbol" in params else None
    return web.json_response([order_json(o) for o in account.open_orders()
                              if symbol in (None, o.symbol) and state.visible(o, now)])


def _position_rows(state: HedgeVenueState, account: Account, now: int,
                   symbol: str | None) -> list[dict]:
    """In hedge mode the net position shows on its side's row (LONG/SHORT), else BOTH."""
    rows = []
    for sym, pos in account.positions.items():
        if pos.amount == 0 or symbol not in (None, sym):
            continue
        mark = state.book(sym, now).mid
        notional = pos.amount * mark
        initial = abs(notional) / account.leverage_of(sym)
        side = "BOTH" if account.position_mode != "hedge" else \
            ("LONG" if pos.amount > 0 else "SHORT")
        rows.append({
            "symbol": sym, "positionSide": side, "positionAmt": str(pos.amount),
            "entryPrice": str(pos.entry_price), "breakEvenPrice": str(pos.entry_price),
            "markPrice": str(mark), "unRealizedProfit": str(pos.amount * (mark - pos.entry_price)),
            "liquidationPrice": "0", "isolatedMargin": "0", "notional": str(notional),
            "marginAsset": "USDT", "isolatedWallet": "0", "initialMargin": str(initial),
            "maintMargin": str(abs(notional) * Decimal("0.004")),
            "positionInitialMargin": str(initial), "openOrderInitialMargin": "0", "adl": 0,
            "bidNotional": "0", "askNotional": "0", "updateTime": pos.update_ms,
            "leverage": str(account.leverage_of(sym)), "marginType": "cross"})
    return rows


@signed
async def position_risk(request, state, account, params, now) -> web.Response:
    symbol = symbol_spec(params).symbol if "symbol" in params else None
    return web.json_response(_position_rows(state, account, now, symbol))


ACCOUNT_POSITION_FIELDS = ("symbol", "positionSide", "positionAmt", "isolatedMargin", "notional",
                           "isolatedWallet", "initialMargin", "maintMargin", "updateTime")


@signed
async def get_account(request, state, account, params, now) -> web.Response:
    m = state.margin(account, now)
    initial = m.position_margin + m.order_margin
    free = str(max(m.available, Decimal(0)))
    asset = {"asset": "USDT", "walletBalance": str(m.wallet),
             "unrealizedProfit": str(m.unrealized), "marginBalance": str(m.margin_balance),
             "maintMargin": "0", "initialMargin": str(initial),
             "positionInitialMargin": str(m.position_margin),
             "openOrderInitialMargin": str(m.order_margin), "crossWalletBalance": str(m.wallet),
             "crossUnPnl": str(m.unrealized), "availableBalance": str(m.available),
             "maxWithdrawAmount": free, "marginAvailable": True, "updateTime": now}
    positions = [{k: row[k] for k in ACCOUNT_POSITION_FIELDS}
                 | {"unrealizedProfit": row["unRealizedProfit"]}
                 for row in _position_rows(state, account, now, None)]
    return web.json_response({
        "totalInitialMargin": str(initial), "totalMaintMargin": "0",
        "totalWalletBalance": str(m.wallet), "totalUnrealizedProfit": str(m.unrealized),
        "totalMarginBalance": str(m.margin_balance),
        "totalPositionInitialMargin": str(m.position_margin),
        "totalOpenOrderInitialMargin": str(m.order_margin),
        "totalCrossWalletBalance": str(m.wallet), "totalCrossUnPnl": str(m.unrealized),
        "availableBalance": str(m.available), "maxWithdrawAmount": free,
        "assets": [asset], "positions": positions})


@signed
async def set_leverage(request, state, account, params, now) -> web.Response:
    spec = symbol_spec(params)
    try:
        leverage = int(params.get("leverage", ""))
    except ValueError:
        raise missing_param("leverage") from None
    if not 1 <= leverage <= 125:
        raise VenueError(-4028, f"Leverage {leverage} is not valid")
    account.leverage[spec.symbol] = leverage
    return web.json_response({"leverage": leverage, "maxNotionalValue": "1000000",
                              "symbol": spec.symbol})


@signed
async def position_side_dual(request, state, account, params, now) -> web.Response:
    return web.json_response({"dualSidePosition": account.position_mode == "hedge"})


@signed
async def commission_rate(request, state, account, params, now) -> web.Response:
    return web.json_response({"symbol": symbol_spec(params).symbol,
                              "makerCommissionRate": str(account.maker_fee_bps * BPS),
                              "takerCommissionRate": str(account.taker_fee)})


async def listen_key(request: web.Request) -> web.Response:
    """POST/PUT/DELETE: API key only; no user stream is served yet."""
    account = account_for_key(request.app[HEDGE_STATE_KEY], request)
    if request.method == "DELETE":
        return web.json_response({})
    return web.json_response({"listenKey": f"sim-{account.api_key[:8]}-listen-key"})


ROUTES = [("GET", "/fapi/v1/ping", ping), ("GET", "/fapi/v1/time", server_time),
          ("GET", "/fapi/v1/exchangeInfo", get_exchange_info), ("GET", "/fapi/v1/depth", depth),
          ("GET", "/fapi/v1/ticker/bookTicker", book_ticker),
          ("GET", "/fapi/v1/ticker/24hr", ticker_24hr),
          ("GET", "/fapi/v1/premiumIndex", premium_index),
          ("GET", "/fapi/v1/leverageBracket", get_leverage_brackets),
          ("POST", "/fapi/v1/order", post_order), ("GET", "/fapi/v1/order", get_order),
          ("DELETE", "/fapi/v1/order", delete_order),
          ("GET", "/fapi/v1/openOrders", open_orders),
          ("GET", "/fapi/v2/positionRisk", position_risk),
          ("GET", "/fapi/v3/positionRisk", position_risk),
          ("GET", "/fapi/v2/account", get_account), ("GET", "/fapi/v3/account", get_account),
          ("POST", "/fapi/v1/leverage", set_leverage),
          ("GET", "/fapi/v1/positionSide/dual", position_side_dual),
          ("GET", "/fapi/v1/commissionRate", commission_rate),
          ("POST", "/fapi/v1/listenKey", listen_key), ("PUT", "/fapi/v1/listenKey", listen_key),
          ("DELETE", "/fapi/v1/listenKey", listen_key)]


def add_routes(app: web.Application) -> None:
    add_route_table(app, ROUTES)
    add_depth_stream(app)


def build_hedge_app(prices: PriceProcess, faults: HedgeFaults, seed: int) -> web.Application:
    state = HedgeVenueState(prices, faults, random.Random(f"{seed}:hedge"), SYMBOLS)
    return build_venue_app(state, map_error, add_routes)
