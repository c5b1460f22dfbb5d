"""REST routes under /api/v1 that the SDK, ccxt and the bot call; bodies parse with the
SDK's own models. Errors are JSON `{"code","message"}` with Lighter's codes."""
from __future__ import annotations

import json

from aiohttp import web

from hedge.sim.lighter.accounts import account_wire, order_wire
from hedge.sim.lighter.auth import token_problem
from hedge.sim.lighter.keys import LIGHTER_STATE
from hedge.sim.lighter.markets import order_book_detail, order_book_entry
from hedge.sim.lighter.tx import TxRejected, quota_fields, submit
from hedge.sim.lighter.venue import LighterVenue

routes = web.RouteTableDef()


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def fail(code: int, message: str, status: int = 400) -> web.Response:
    return web.json_response({"code": code, "message": message}, status=status)


def ok(body: dict) -> web.Response:
    return web.json_response({"code": 200, **body})


def venue_of(request: web.Request) -> LighterVenue:
    return request.app[LIGHTER_STATE]


def int_param(request: web.Request, name: str, default: int | None = None) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        if default is None:
            raise ApiError(20001, f"invalid param : {name} is required")
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(20001, f"invalid param : {name}") from None


def require_auth(request: web.Request, account: int | None) -> None:
    token = request.headers.get("authorization") or request.query.get("auth")
    if not token:
        raise ApiError(20001, "invalid param : auth is required")
    problem = token_problem(venue_of(request), token, account)
    if problem is not None:
        raise ApiError(20013, f"invalid auth: {problem}")


@web.middleware
async def json_errors(request: web.Request, handler):
    """Every failure leaves as Lighter-style JSON, never an HTML error page."""
    try:
        return await handler(request)
    except ApiError as e:
        return fail(e.code, e.message, e.status)
    except TxRejected as e:
        return web.json_response(e.body(), status=e.http_status)
    except web.HTTPException as e:
        if e.status < 400:
            raise
        return fail(29404 if e.status == 404 else 20001, e.reason or "error", e.status)


@routes.get("/")
async def status(request: web.Request) -> web.Response:
    """Lighter's root: its server time in whole seconds."""
    venue: LighterVenue = request.app[LIGHTER_STATE]
    return web.json_response({"status": 200, "network_id": 304, "timestamp": venue.now_ms() // 1000})


@routes.get("/info")
async def info(request: web.Request) -> web.Response:
    return web.json_response({"contract_address": "0x3B4D794a66304F130a4Db8F2551B0070dfCf5ca7"})


def _markets(request: web.Request) -> list[int]:
    venue = venue_of(request)
    market = int_param(request, "market_id", 255)
    if market != 255 and market not in venue.markets:
        raise ApiError(21602, "invalid market index")
    return sorted(venue.markets) if market == 255 else [market]


@routes.get("/api/v1/orderBooks")
async def order_books(request: web.Request) -> web.Response:
    venue = venue_of(request)
    return ok({"order_books": [order_book_entry(venue.markets[m], venue.market_status(m))
                               for m in _markets(request)]})


@routes.get("/api/v1/orderBookDetails")
async def order_book_details(request: web.Request) -> web.Response:
    venue = venue_of(request)
    rows = [order_book_detail(venue.markets[m], venue.last_trade_price.get(m, venue.mark(m)), venue.mark(m),
                              venue.market_status(m))
            for m in _markets(request)]
    return ok({"order_book_details": rows, "spot_order_book_details": []})


@routes.get("/api/v1/orderBookOrders")
async def order_book_orders(request: web.Request) -> web.Response:
    venue = venue_of(request)
    market, limit = int_param(request, "market_id"), int_param(request, "limit")
    if market not in venue.markets:
        raise ApiError(21602, "invalid market index")
    if not 1 <= limit <= 250:
        raise ApiError(20001, "invalid param : limit")
    spec, book = venue.markets[market], venue.books[market]

    def rows(is_ask: bool) -> list[dict]:
        return [{"order_index": o.order_index, "order_id": str(o.order_index),
                 "owner_account_index": o.owner_account_index,
                 "initial_base_amount": spec.size_str(o.initial),
                 "remaining_base_amount": spec.size_str(o.remaining), "price": spec.price_str(o.price),
                 "order_expiry": o.order_expiry, "transaction_time": o.created_us}
                for o in book.sorted_orders(is_ask)[:limit]]

    asks, bids = rows(True), rows(False)
    return ok({"total_asks": len(asks), "asks": asks, "total_bids": len(bids), "bids": bids})


@routes.get("/api/v1/recentTrades")
async def recent_trades(request: web.Request) -> web.Response:
    venue = venue_of(request)
    market, limit = int_param(request, "market_id"), int_param(request, "limit")
    if market not in venue.markets:
        raise ApiError(21602, "invalid market index")
    return ok({"trades": list(reversed(venue.recent_trades[market]))[:max(1, min(limit, 100))]})


@routes.get("/api/v1/account")
async def account(request: web.Request) -> web.Response:
    venue = venue_of(request)
    by, value = request.query.get("by"), request.query.get("value")
    if by not in ("index", "l1_address") or not value:
        raise ApiError(20001, "invalid param : by/value")
    acct = None
    if by == "index" and value.isdigit():
        acct = venue.accounts.get(int(value))
    elif by == "l1_address":
        acct = next((a for a in venue.accounts.values() if f"0x{a.index:040x}" == value.lower()), None)
    if acct is None:
        raise ApiError(21100, "account not found")
    marks = {m: venue.mark(m) for m in venue.markets}
    return ok({"total": 1, "accounts": [account_wire(acct, marks)], "next_cursor": ""})


@routes.get("/api/v1/trades")
async def account_trades(request: web.Request) -> web.Response:
    """An account's own trades, newest first (weight 600: 40 a window even on standard)."""
    venue = venue_of(request)
    if not request.query.get("sort_by"):
        raise ApiError(20001, "invalid param : sort_by is required")
    index, limit = int_param(request, "account_index"), int_param(request, "limit")
    market = int_param(request, "market_id", 255)
    require_auth(request, index)
    acct = venue.accounts.get(index)
    if acct is None:
        raise ApiError(21100, "account not found")
    mine = [t for t in reversed(acct.trades) if market in (255, t["market_id"])]
    return ok({"trades": mine[:max(1, min(limit, 100))], "next_cursor": ""})


@routes.get("/api/v1/accountLimits")
async def account_limits(request: web.Request) -> web.Response:
    """The account's tier (`user_tier`) and fee ticks, as the SDK's AccountLimits model."""
    venue = venue_of(request)
    index = int_param(request, "account_index")
    require_auth(request, index)
    acct = venue.accounts.get(index)
    if acct is None:
        raise ApiError(21100, "account not found")
    tier = venue.tier_of(index)
    return ok({"max_llp_percentage": 0, "user_tier": tier.name, "can_create_public_pool": False,
               "max_llp_amount": "0", "current_maker_fee_tick": tier.maker_fee_ppm,
               "current_taker_fee_tick": tier.taker_fee_ppm, "effective_lit_stakes": "0",
               "leased_lit": "0", "user_tier_name": tier.name, "bo_user_tier_name": "",
               "bo_fee_rate": 1})


@routes.get("/api/v1/apikeys")
async def apikeys(request: web.Request) -> web.Response:
    venue = venue_of(request)
    acct = venue.accounts.get(int_param(request, "account_index"))
    which = int_param(request, "api_key_index", 255)
    if acct is None:
        raise ApiError(21100, "account not found")
    keys = [k.wire() for i, k in sorted(acct.api_keys.items()) if which in (255, i)]
    if not keys:
        raise ApiError(21109, "api key not found")
    return ok({"api_keys": keys})


@routes.get("/api/v1/nextNonce")
async def next_nonce(request: web.Request) -> web.Response:
    venue = venue_of(request)
    acct = venue.accounts.get(int_param(request, "account_index"))
    key = acct.api_keys.get(int_param(request, "api_key_index")) if acct else None
    if key is None:
        raise ApiError(21109, "api key not found")
    return ok({"nonce": key.next_nonce})


def _orders_response(orders) -> web.Response:
    return ok({"orders": [order_wire(o) for o in orders], "next_cursor": ""})


@routes.get("/api/v1/accountActiveOrders")
async def account_active_orders(request: web.Request) -> web.Response:
    venue = venue_of(request)
    index = int_param(request, "account_index")
    market = int_param(request, "market_id", 255)
    require_auth(request, index)
    acct = venue.accounts[index]
    return _orders_response(acct.live_orders(None if market == 255 else market))


@routes.get("/api/v1/accountInactiveOrders")
async def account_inactive_orders(request: web.Request) -> web.Response:
    venue = venue_of(request)
    index, limit = int_param(request, "account_index"), int_param(request, "limit")
    market = int_param(request, "market_id", 255)
    require_auth(request, index)
    done = [o for o in venue.accounts[index].orders.values()
            if not o.live and market in (255, o.market_index)]
    done.sort(key=lambda o: o.updated_us, reverse=True)
    return _orders_response(done[:max(1, min(limit, 100))])


@routes.get("/api/v1/accountOrders")
async def account_orders(request: web.Request) -> web.Response:
    venue = venue_of(request)
    raw = request.query.get("client_order_indexes", "")
    try:
        wanted = {int(x) for x in raw.split(",") if x.strip()}
    except ValueError:
        raise ApiError(20001, "invalid param : client_order_indexes") from None
    if not wanted:
        raise ApiError(20001, "invalid param : client_order_indexes is required")
    token = request.headers.get("authorization") or request.query.get("auth") or ""
    index = int_param(request, "account_index", int(token.split(":")[1]) if token.count(":") == 3 else -1)
    require_auth(request, index)
    found = [o for o in venue.accounts[index].orders.values() if o.client_order_index in wanted]
    found.sort(key=lambda o: (not o.live, -o.created_us))
    return _orders_response(found)


@routes.post("/api/v1/sendTx")
async def send_tx(request: web.Request) -> web.Response:
    form = await request.post()
    if "tx_type" not in form or "tx_info" not in form:
        raise ApiError(20001, "invalid param : tx_type and tx_info are required")
    venue = venue_of(request)
    rec = submit(venue, [(form["tx_type"], form["tx_info"])])[0]
    return ok({"tx_hash": rec.hash, "predicted_execution_time_ms": rec.due_ms,
               **quota_fields(venue, [rec])})


@routes.post("/api/v1/sendTxBatch")
async def send_tx_batch(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        types = json.loads(str(form.get("tx_types", "")))
        infos = json.loads(str(form.get("tx_infos", "")))
    except ValueError:
        raise ApiError(20001, "invalid param : tx_types and tx_infos must be JSON lists") from None
    if not isinstance(types, list) or not isinstance(infos, list) or not types:
        raise ApiError(20001, "invalid param : tx_types and tx_infos must be JSON lists")
    if len(types) != len(infos):
        raise ApiError(21513, "tx_types and tx_infos length mismatch")
    venue = venue_of(request)
    recs = submit(venue, list(zip(types, infos)))
    return ok({"tx_hash": [r.hash for r in recs],
               "predicted_execution_time_ms": max(r.due_ms for r in recs), **quota_fields(venue, recs)})


@routes.get("/api/v1/tx")
async def tx(request: web.Request) -> web.Response:
    venue = venue_of(request)
    by, value = request.query.get("by"), request.query.get("value", "")
    rec = None
    if by == "hash":
        rec = venue.txs.get(value)
    elif by == "sequence_index" and value.isdigit():
        rec = next((r for r in venue.txs.values() if r.sequence == int(value)), None)
    else:
        raise ApiError(20001, "invalid param : by")
    if rec is None:
        raise ApiError(21500, "transaction not found")
    info = rec.info
    return ok({"hash": rec.hash, "type": rec.tx_type, "info": json.dumps(info),
               "event_info": json.dumps(rec.event_info), "status": rec.status,
               "transaction_index": rec.sequence % 1000, "l1_address": f"0x{info['AccountIndex']:040x}",
               "account_index": info["AccountIndex"], "nonce": info["Nonce"],
               "expire_at": info["ExpiredAt"], "block_height": venue.block_height,
               "queued_at": rec.queued_ms, "executed_at": rec.executed_ms,
               "sequence_index": rec.sequence, "parent_hash": "", "api_key_index": info["ApiKeyIndex"],
               "transaction_time": rec.executed_ms * 1000, "committed_at": 0, "verified_at": 0})


async def not_found(request: web.Request) -> web.Response:
    return fail(29404, f"not found: {request.method} {request.path}", 404)


@routes.get("/api/v1/assetDetails")
async def asset_details(request: web.Request) -> web.Response:
    """Only USDC, the collateral (ccxt's load_markets asks for currencies)."""
    usdc = {"asset_id": 3, "symbol": "USDC", "l1_decimals": 6, "decimals": 6,
            "min_transfer_amount": "1.000000", "min_withdrawal_amount": "1.000000",
            "margin_mode": "enabled", "index_price": "1.000000", "l1_address": "0x" + "0" * 40,
            "global_supply_cap": "0", "liquidation_fee": "0", "liquidation_threshold": "0",
            "loan_to_value": "0", "price_decimals": 6, "total_supplied": "0",
            "user_supply_cap": "0", "liquidation_factor": "0", "multiplier": "1"}
    return ok({"asset_details": [usdc]})
