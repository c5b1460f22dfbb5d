"""`/sim/` routes (not Lighter's): register accounts and keys, set faults, read the state."""
from __future__ import annotations

import asyncio
from dataclasses import asdict
from decimal import Decimal, InvalidOperation

from aiohttp import web

from hedge.sim.faults import UnknownFaultError, apply_knobs, fault_profile, restore_defaults
from hedge.sim.lighter.keys import LIGHTER_HUB, LIGHTER_STATE
from hedge.sim.lighter.tiers import UnknownTierError, tier_named
from hedge.sim.lighter.venue import LighterVenue

routes = web.RouteTableDef()
ALL_MARKETS = 255          # Lighter's market index meaning "every market"
RESET_DRAIN_STEPS = 300    # 10 ms each: the longest tier latency plus tx_latency_ms faults


def _bad(message: str) -> web.Response:
    return web.json_response({"code": 400, "message": message}, status=400)


@routes.post("/sim/accounts")
async def register_account(request: web.Request) -> web.Response:
    venue: LighterVenue = request.app[LIGHTER_STATE]
    try:
        body = await request.json()
        tier = body.get("tier")
        if tier is not None:
            tier_named(tier)
    except UnknownTierError as e:
        return _bad(str(e))
    except (ValueError, AttributeError) as e:
        return _bad(f"body must be a JSON object: {e}")
    try:
        acct = venue.register(int(body["account_index"]), int(body["api_key_index"]),
                              str(body["public_key"]), Decimal(str(body.get("collateral", "10000"))),
                              tier)
    except (ValueError, KeyError, TypeError, InvalidOperation) as e:
        return _bad(f"need account_index, api_key_index, public_key[, collateral, tier]: {e}")
    return web.json_response({"code": 200, "account_index": acct.index, "tier": acct.tier,
                              "api_key_indexes": sorted(acct.api_keys)})


@routes.post("/sim/faults")
async def set_faults(request: web.Request) -> web.Response:
    venue: LighterVenue = request.app[LIGHTER_STATE]
    try:
        body = await request.json()
        if not isinstance(body, dict):
            raise UnknownFaultError("body must be a JSON object")
        if "profile" in body:
            fresh = fault_profile(str(body["profile"])).lighter
            for key, value in asdict(fresh).items():
                setattr(venue.faults, key, value)
        else:
            apply_knobs(venue.faults, body)
    except (UnknownFaultError, ValueError) as e:
        return _bad(str(e))
    return web.json_response({"code": 200, "faults": asdict(venue.faults)})


@routes.post("/sim/reset")
async def reset(request: web.Request) -> web.Response:
    """Faults, market status and the rate window back to defaults, every resting order
    canceled, the request counts cleared; accounts, keys and positions kept. Tests that share
    one venue call it after each test."""
    venue: LighterVenue = request.app[LIGHTER_STATE]
    restore_defaults(venue.faults)
    for _ in range(RESET_DRAIN_STEPS):     # a create still on its way would land after us
        if not venue.pending:
            break
        await asyncio.sleep(0.01)
    for acct in venue.accounts.values():
        venue.cancel_all(acct, ALL_MARKETS)
        acct.cancel_all_time, acct.cancel_all_market = 0, ALL_MARKETS
    limiter = venue.limiter
    for table in (limiter.by_account, limiter.by_ip, limiter.ws_messages, limiter.ws_connections):
        table.clear()
    return web.json_response({"code": 200, "faults": asdict(venue.faults)})


@routes.get("/sim/faults")
async def get_faults(request: web.Request) -> web.Response:
    return web.json_response({"code": 200, "faults": asdict(request.app[LIGHTER_STATE].faults)})


def state_summary(venue: LighterVenue) -> dict:
    """Accounts, positions, resting orders and fill totals, as JSON-friendly values."""
    accounts = {}
    for index, acct in venue.accounts.items():
        fills: dict[str, dict] = {}
        for f in venue.fills:
            if f.account != index:
                continue
            row = fills.setdefault(str(f.market), {"count": 0, "filled_base": Decimal(0), "fees": Decimal(0)})
            row["count"] += 1
            row["filled_base"] += venue.markets[f.market].size(f.lots)
            row["fees"] += f.fee
        requests, weight = venue.limiter.requests_last_window(index)
        tier = venue.tier_of(index)
        accounts[str(index)] = {
            "collateral": str(acct.collateral),
            "api_keys": {str(k): {"next_nonce": v.next_nonce} for k, v in acct.api_keys.items()},
            "cancel_all_time": acct.cancel_all_time,
            "tier": tier.name, "requests_last_window": requests, "weight_last_window": weight,
            "rate_limited": acct.rate_limited,
            "volume_quota_remaining": venue.quota_remaining(acct) if tier.volume_quota else None,
            "queued_cancel_all": acct.cancel_all_time or None,
            "positions": {str(m): str(venue.markets[m].size(p.lots)) for m, p in acct.positions.items()},
            "resting_orders": [{"order_index": o.order_index, "client_order_index": o.client_order_index,
                                "market_index": o.market_index, "is_ask": o.is_ask,
                                "price": venue.markets[o.market_index].price_str(o.price),
                                "remaining": venue.markets[o.market_index].size_str(o.remaining)}
                               for o in acct.live_orders()],
            "fills": {m: {"count": r["count"], "filled_base": str(r["filled_base"]), "fees": str(r["fees"])}
                      for m, r in fills.items()},
        }
    return {"code": 200, "accounts": accounts, "fills_total": len(venue.fills),
            "default_tier": venue.default_tier, "ips": venue.limiter.ip_summary()}


@routes.get("/sim/state")
async def get_state(request: web.Request) -> web.Response:
    return web.json_response(state_summary(request.app[LIGHTER_STATE]))


@routes.post("/sim/frames/account_orders")
async def push_account_orders(request: web.Request) -> web.Response:
    """Send one account_orders update frame as given (benchmarks: several fills in one frame).

    The orders are sent as they are, on the account's subscribed channels, `delay_ms` after the
    answer (so a caller on the same event loop as the subscriber has read the answer before the
    frame comes); the venue's own state is not changed.
    """
    venue: LighterVenue = request.app[LIGHTER_STATE]
    try:
        body = await request.json()
        account, market, orders = int(body["account"]), int(body["market"]), list(body["orders"])
        delay_s = float(body.get("delay_ms", 0)) / 1000
        if market not in venue.markets or not all(isinstance(o, dict) for o in orders):
            raise ValueError("unknown market or an order that is not an object")
    except (ValueError, KeyError, TypeError) as e:
        return _bad(f"need account, market, orders[]: {e}")
    hub = request.app[LIGHTER_HUB]
    if delay_s > 0:
        asyncio.get_running_loop().call_later(delay_s, hub.account_orders, account, market, orders)
    else:
        hub.account_orders(account, market, orders)
    return web.json_response({"code": 200, "orders": len(orders)})
