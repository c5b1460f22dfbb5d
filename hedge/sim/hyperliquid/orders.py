"""The `order` and `cancel` actions: per-order checks, then matching, a status per order.
A refused order is recorded with its `<reason>Rejected` status, so a lookup by cloid after a lost
answer finds it rejected rather than unknown. The $10 minimum applies to reduce-only orders too
(no documented exemption; `state.reduce_only_exempt_from_min_value` models the reports of one)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from hedge.sim.hedge_venue.accounts import Order
from hedge.sim.hedge_venue.matching import MatchRules, OrderRequest, Refusal, execute
from hedge.sim.hyperliquid.state import BUILDER_FEE_UNIT, TIFS, HlAccount, HyperliquidState
from hedge.sim.hyperliquid.markets import (BY_ASSET, Perp, price_is_valid, size_is_valid,
                                           wire_decimal)

CLOID = re.compile(r"0x[0-9a-fA-F]{32}")
MAX_PRICE_DISTANCE = Decimal("0.8")
DESERIALIZE_FAILED = "Failed to deserialize the JSON body into the target type"
# shared refusal reason -> (status the order is recorded with, Hyperliquid's message)
REDUCE_ONLY = ("reduceOnlyRejected", "Reduce only order would increase position.")
REFUSALS = {"duplicate_id": ("rejected", "Order has a duplicate cloid."),
            "min_notional": ("minTradeNtlRejected", "Order must have minimum value of $10."),
            "reduce_only_flat": REDUCE_ONLY, "reduce_only_side": REDUCE_ONLY,
            "margin": ("perpMarginRejected", "Insufficient margin to place order.")}


class WireError(ValueError):
    """The body does not deserialize: Hyperliquid answers HTTP 422 in plain text."""


class ActionError(ValueError):
    """The whole action is refused: {"status": "err", "response": message}."""


def _decimal(raw: object) -> Decimal:
    try:
        value = Decimal(raw) if isinstance(raw, str) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise WireError(DESERIALIZE_FAILED)
    return value


def parse_wire(wire: object) -> tuple[Perp | None, OrderRequest, int]:
    """One order of the action, checked for shape only (a bad shape fails the whole request);
    the asset index comes back as sent."""
    if not isinstance(wire, dict) or not all(k in wire for k in "abpsrt"):
        raise WireError(DESERIALIZE_FAILED)
    asset, is_buy, reduce_only, kind = wire["a"], wire["b"], wire["r"], wire["t"]
    cloid = wire.get("c")
    if (not isinstance(asset, int) or not isinstance(is_buy, bool)
            or not isinstance(reduce_only, bool) or not isinstance(kind, dict)
            or (cloid is not None and not (isinstance(cloid, str) and CLOID.fullmatch(cloid)))):
        raise WireError(DESERIALIZE_FAILED)
    limit = kind.get("limit")
    tif = limit.get("tif") if isinstance(limit, dict) else None
    if "trigger" not in kind and tif not in TIFS:
        raise WireError(DESERIALIZE_FAILED)
    perp = BY_ASSET.get(asset)
    req = OrderRequest(perp.name if perp else str(asset), "BUY" if is_buy else "SELL", "LIMIT",
                       TIFS.get(tif, "TRIGGER"), _decimal(wire["s"]), _decimal(wire["p"]),
                       reduce_only, cloid.lower() if cloid else "")
    return perp, req, asset


def _precheck(state: HyperliquidState, perp: Perp, req: OrderRequest, now: int) -> tuple | None:
    """Hyperliquid's wire-level refusals, before the shared matching: (status, message)."""
    if req.tif == "TRIGGER":
        return "rejected", "Trigger orders are not served by the local venue."
    if not size_is_valid(req.qty, perp):
        return "rejected", "Order has invalid size." if req.qty > 0 else "Order has zero size."
    if not price_is_valid(req.price, perp):
        return "tickRejected", "Price must be divisible by tick size."
    book = state.book(perp.name, now)
    if abs(req.price - book.mid) > MAX_PRICE_DISTANCE * book.mid:
        return "rejected", "Order price cannot be more than 80% away from the reference price"
    if req.tif == "GTX" and book.crosses(req.side, req.price):
        return "badAloPxRejected", ("Post only order would have immediately matched, bbo was "
                                    f"{book.bids[0].price}@{book.asks[0].price}.")
    return None


def _place(state: HyperliquidState, account: HlAccount, perp: Perp, req: OrderRequest,
           now: int) -> dict:
    rules = MatchRules(min_notional_reduce_only=not state.reduce_only_exempt_from_min_value)
    refused = _precheck(state, perp, req, now)
    if refused is None:
        try:
            order = execute(state, account, req, now, rules)
        except Refusal as refusal:
            refused = REFUSALS[refusal.reason]
    if refused is not None:      # recorded, so a lookup by cloid finds it rejected
        order = Order(state.new_order_id(), req.client_id, req.symbol, req.side, req.type,
                      req.tif, req.qty, req.price, req.reduce_only, now, "REJECTED",
                      update_ms=now, reject_reason=refused[0])
        account.orders[order.order_id] = order
        return {"error": f"{refused[1]} asset={perp.asset}"}
    ids = {"oid": order.order_id} | ({"cloid": order.client_order_id} if req.client_id else {})
    if order.is_open:
        return {"resting": ids}
    if order.executed_qty == 0:
        return {"error": f"Order could not immediately match against any resting orders. "
                         f"asset={perp.asset}"}
    avg = order.avg_price.quantize(Decimal("0.000001"))
    return {"filled": {"totalSz": wire_decimal(order.executed_qty), "avgPx": wire_decimal(avg)}
            | ids}


def place_orders(state: HyperliquidState, account: HlAccount, action: dict, now: int) -> list:
    """The statuses of one `order` action, in request order."""
    wires = action.get("orders")
    if not isinstance(wires, list) or not wires:
        raise WireError(DESERIALIZE_FAILED)
    parsed = [parse_wire(w) for w in wires]
    builder_fee = _builder_fee(account, action.get("builder"))
    statuses: list = []
    for perp, req, asset in parsed:
        if perp is None:
            statuses.append({"error": f"Asset {asset} does not exist."})
            continue
        req.extra_fee = builder_fee
        statuses.append(_place(state, account, perp, req, now))
    return statuses


def _builder_fee(account: HlAccount, builder: object) -> Decimal:
    """The builder fee fraction an order action carries; refused unless the user approved it."""
    if builder is None:
        return Decimal(0)
    if not isinstance(builder, dict) or not isinstance(builder.get("b"), str) \
            or not isinstance(builder.get("f"), int):
        raise WireError(DESERIALIZE_FAILED)
    fee = builder["f"] * BUILDER_FEE_UNIT
    approved = account.builder_max_fee.get(builder["b"].lower())
    if approved is None or fee > approved:
        raise ActionError("Builder fee has not been approved.")
    return fee


NOT_CANCELABLE = "Order was never placed, already canceled, or filled."


def cancel_orders(account: HlAccount, action: dict, now: int) -> list:
    """`cancel` ({"a", "o"}) or `cancelByCloid` ({"asset", "cloid"}): "success" or an error."""
    cancels = action.get("cancels")
    if not isinstance(cancels, list) or not cancels:
        raise WireError(DESERIALIZE_FAILED)
    by_cloid = action["type"] == "cancelByCloid"
    statuses: list = []
    for item in cancels:
        if not isinstance(item, dict):
            raise WireError(DESERIALIZE_FAILED)
        asset = item.get("asset" if by_cloid else "a")
        if by_cloid:
            cloid = item.get("cloid")
            if not isinstance(cloid, str) or not CLOID.fullmatch(cloid):
                raise WireError(DESERIALIZE_FAILED)
            order = account.by_cloid(cloid)
        else:
            oid = item.get("o")
            if not isinstance(oid, int):
                raise WireError(DESERIALIZE_FAILED)
            order = account.orders.get(oid)
        perp = BY_ASSET.get(asset) if isinstance(asset, int) else None
        if order is None or perp is None or order.symbol != perp.name or not order.is_open:
            statuses.append({"error": f"{NOT_CANCELABLE} asset={asset}"})
            continue
        order.status, order.update_ms = "CANCELED", now
        statuses.append("success")
    return statuses
