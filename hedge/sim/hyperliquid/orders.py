"""The `order` and `cancel` actions: Hyperliquid's per-order checks, then matching.

Each order of an action gets its own status ({"filled"}, {"resting"} or {"error"}), as on the
real venue. A refused order is still recorded with its `<reason>Rejected` status, so a lookup by
cloid after a lost answer finds it rejected rather than unknown. The $10 minimum is applied to
reduce-only orders too: Hyperliquid documents no exemption (API docs, "Error responses":
MinTradeNtl), and reports that reduce-only closes below $10 are accepted are unconfirmed
(`state.reduce_only_exempt_from_min_value = True` models them).
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from hedge.sim.hyperliquid.accounts import BUILDER_FEE_UNIT, Account, Order
from hedge.sim.hyperliquid.markets import (BY_ASSET, MIN_ORDER_VALUE_USD, Perp, price_is_valid,
                                           size_is_valid, wire_decimal)
from hedge.sim.hyperliquid.state import HyperliquidState

CLOID = re.compile(r"0x[0-9a-fA-F]{32}")
TIFS = ("Gtc", "Ioc", "Alo")
MAX_PRICE_DISTANCE = Decimal("0.8")


class WireError(ValueError):
    """The body does not deserialize: Hyperliquid answers HTTP 422 in plain text."""


class ActionError(ValueError):
    """The whole action is refused: {"status": "err", "response": message}."""


class OrderRejected(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _decimal(raw: object) -> Decimal:
    if not isinstance(raw, str):
        raise WireError("Failed to deserialize the JSON body into the target type")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise WireError("Failed to deserialize the JSON body into the target type") from None
    if not value.is_finite():
        raise WireError("Failed to deserialize the JSON body into the target type")
    return value


def parse_wire(wire: object) -> tuple[Perp | None, Order]:
    """One order of the action, checked for shape only (a bad shape fails the whole request)."""
    if not isinstance(wire, dict) or not all(k in wire for k in "abpsrt"):
        raise WireError("Failed to deserialize the JSON body into the target type")
    asset, is_buy, reduce_only, kind = wire["a"], wire["b"], wire["r"], wire["t"]
    cloid = wire.get("c")
    if (not isinstance(asset, int) or not isinstance(is_buy, bool)
            or not isinstance(reduce_only, bool) or not isinstance(kind, dict)
            or (cloid is not None and not (isinstance(cloid, str) and CLOID.fullmatch(cloid)))):
        raise WireError("Failed to deserialize the JSON body into the target type")
    limit = kind.get("limit")
    tif = limit.get("tif") if isinstance(limit, dict) else None
    if "trigger" not in kind and tif not in TIFS:
        raise WireError("Failed to deserialize the JSON body into the target type")
    perp = BY_ASSET.get(asset)
    order = Order(0, cloid.lower() if cloid else None, perp.name if perp else str(asset),
                  is_buy, _decimal(wire["p"]), _decimal(wire["s"]), reduce_only,
                  tif or "Trigger", 0)
    return perp, order


def _reject(status: str, message: str, perp: Perp) -> OrderRejected:
    return OrderRejected(status, f"{message} asset={perp.asset}")


def _check(state: HyperliquidState, account: Account, perp: Perp, order: Order,
           builder_fee: Decimal, now: int) -> Decimal:
    """Refuse the order as Hyperliquid would; return the size it may fill."""
    if order.tif == "Trigger":
        raise OrderRejected("rejected", "Trigger orders are not served by the local venue.")
    if not size_is_valid(order.orig_sz, perp):
        raise _reject("rejected", "Order has invalid size." if order.orig_sz > 0
                      else "Order has zero size.", perp)
    if not price_is_valid(order.limit_px, perp):
        raise _reject("tickRejected", "Price must be divisible by tick size.", perp)
    book = state.book(perp.name, now)
    if abs(order.limit_px - book.mid) > MAX_PRICE_DISTANCE * book.mid:
        raise _reject("rejected", "Order price cannot be more than 80% away from the reference "
                                  "price", perp)
    if order.cloid and any(o.cloid == order.cloid for o in account.open_orders()):
        raise _reject("rejected", "Order has a duplicate cloid.", perp)
    exempt = order.reduce_only and state.reduce_only_exempt_from_min_value
    if order.orig_sz * order.limit_px < MIN_ORDER_VALUE_USD and not exempt:
        raise _reject("minTradeNtlRejected", "Order must have minimum value of $10.", perp)
    position = account.position(perp.name).szi
    fill_cap = order.orig_sz
    if order.reduce_only:
        if position == 0 or (position > 0) == order.is_buy:
            raise _reject("reduceOnlyRejected", "Reduce only order would increase position.",
                          perp)
        fill_cap = min(order.orig_sz, abs(position))
    side = "BUY" if order.is_buy else "SELL"
    if order.tif == "Alo" and book.crosses(side, order.limit_px):
        raise _reject("badAloPxRejected", "Post only order would have immediately matched, "
                      f"bbo was {book.bids[0].price}@{book.asks[0].price}.", perp)
    increasing = order.orig_sz
    if position and (position > 0) != order.is_buy:
        increasing = max(Decimal(0), order.orig_sz - abs(position))
    leverage = account.leverage_of(perp.name, perp.max_leverage)
    needed = increasing * order.limit_px / leverage * (1 + account.taker_fee + builder_fee)
    if state.faults.reject_hedges or perp.name in state.faults.reject_hedge_symbols or (
            not order.reduce_only and increasing
                                      and needed > state.margin(account, now).available):
        raise _reject("perpMarginRejected", "Insufficient margin to place order.", perp)
    return fill_cap


def _match(state: HyperliquidState, account: Account, perp: Perp, order: Order,
           fill_cap: Decimal, builder_fee: Decimal, now: int) -> dict:
    side = "BUY" if order.is_buy else "SELL"
    if order.tif != "Alo":
        for px, sz in state.book(perp.name, now).walk(side, fill_cap, order.limit_px):
            account.apply_fill(order, px, sz, builder_fee, now)
    ids = {"oid": order.oid} | ({"cloid": order.cloid} if order.cloid else {})
    if order.filled_sz == order.orig_sz:
        order.status = "filled"
    elif order.tif == "Ioc" or (order.reduce_only and order.filled_sz == fill_cap):
        if order.filled_sz == 0:
            order.status = "iocCancelRejected"
            return {"error": f"Order could not immediately match against any resting orders. "
                             f"asset={perp.asset}"}
        order.status = "canceled"
    else:
        return {"resting": ids}
    avg = order.avg_px.quantize(Decimal("0.000001"))
    return {"filled": {"totalSz": wire_decimal(order.filled_sz), "avgPx": wire_decimal(avg)}
            | ids}


def place_orders(state: HyperliquidState, account: Account, action: dict, now: int) -> list:
    """The statuses of one `order` action, in request order."""
    wires = action.get("orders")
    if not isinstance(wires, list) or not wires:
        raise WireError("Failed to deserialize the JSON body into the target type")
    parsed = [parse_wire(w) for w in wires]
    builder_fee = _builder_fee(account, action.get("builder"))
    statuses: list = []
    for perp, order in parsed:
        if perp is None:
            statuses.append({"error": f"Asset {order.coin} does not exist."})
            continue
        order.oid, order.timestamp_ms, order.status_ms = state.new_oid(), now, now
        try:
            fill_cap = _check(state, account, perp, order, builder_fee, now)
        except OrderRejected as rejected:
            order.status = rejected.status
            account.orders[order.oid] = order
            statuses.append({"error": rejected.message})
            continue
        account.orders[order.oid] = order
        statuses.append(_match(state, account, perp, order, fill_cap, builder_fee, now))
    return statuses


def _builder_fee(account: Account, builder: object) -> Decimal:
    """The builder fee fraction an order action carries; refused unless the user approved it."""
    if builder is None:
        return Decimal(0)
    if not isinstance(builder, dict) or not isinstance(builder.get("b"), str) \
            or not isinstance(builder.get("f"), int):
        raise WireError("Failed to deserialize the JSON body into the target type")
    fee = builder["f"] * BUILDER_FEE_UNIT
    approved = account.builder_max_fee.get(builder["b"].lower())
    if approved is None or fee > approved:
        raise ActionError("Builder fee has not been approved.")
    return fee


NOT_CANCELABLE = "Order was never placed, already canceled, or filled."


def cancel_orders(account: Account, action: dict, now: int) -> list:
    """`cancel` ({"a", "o"}) or `cancelByCloid` ({"asset", "cloid"}): "success" or an error."""
    cancels = action.get("cancels")
    if not isinstance(cancels, list) or not cancels:
        raise WireError("Failed to deserialize the JSON body into the target type")
    by_cloid = action["type"] == "cancelByCloid"
    statuses: list = []
    for item in cancels:
        if not isinstance(item, dict):
            raise WireError("Failed to deserialize the JSON body into the target type")
        asset = item.get("asset" if by_cloid else "a")
        if by_cloid:
            cloid = item.get("cloid")
            if not isinstance(cloid, str) or not CLOID.fullmatch(cloid):
                raise WireError("Failed to deserialize the JSON body into the target type")
            order = account.by_cloid(cloid)
        else:
            oid = item.get("o")
            if not isinstance(oid, int):
                raise WireError("Failed to deserialize the JSON body into the target type")
            order = account.orders.get(oid)
        perp = BY_ASSET.get(asset) if isinstance(asset, int) else None
        if order is None or perp is None or order.coin != perp.name or not order.is_open:
            statuses.append({"error": f"{NOT_CANCELABLE} asset={asset}"})
            continue
        order.status, order.status_ms = "canceled", now
        statuses.append("success")
    return statuses
