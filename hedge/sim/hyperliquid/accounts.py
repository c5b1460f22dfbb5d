"""Hyperliquid's side of the shared account records: an account is its wallet address (lower
case), which an agent (API wallet) may sign L1 actions for; user-signed actions (builder
approval) need the wallet itself. Orders and fills are the shared records, named on the wire
Hyperliquid's way (`order_wire`, `order_status`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hedge.sim.hedge_venue.accounts import Account, Order
from hedge.sim.hyperliquid.markets import wire_decimal

BUILDER_FEE_UNIT = Decimal("0.00001")    # `f` of an order's builder is in tenths of a basis point
TIFS = {"Gtc": "GTC", "Ioc": "IOC", "Alo": "GTX"}
TIF_NAMES = {v: k for k, v in TIFS.items()}


@dataclass
class HlAccount(Account):
    agent: str | None = None
    builder_max_fee: dict[str, Decimal] = field(default_factory=dict)   # builder -> fraction
    referrer: str | None = None
    nonces: set[int] = field(default_factory=set)
    fee_quantum = Decimal("0.000001")        # USDC

    def by_cloid(self, cloid: str) -> Order | None:
        """The most recent order carrying `cloid` (cloids compare case-insensitively)."""
        return self.find_order(None, None, cloid.lower())


def order_status(order: Order) -> str:
    """open | filled | canceled | <reason>Rejected (a refused order is recorded with it)."""
    if order.is_open:
        return "open"
    if order.status == "REJECTED":
        return order.reject_reason
    if order.status == "FILLED":
        return "filled"
    return "iocCancelRejected" if order.executed_qty == 0 and order.time_in_force == "IOC" \
        else "canceled"


def order_wire(order: Order) -> dict:
    """The order document of frontendOpenOrders and orderStatus."""
    return {"coin": order.symbol, "side": "B" if order.side == "BUY" else "A",
            "limitPx": wire_decimal(order.price),
            "sz": wire_decimal(order.orig_qty - order.executed_qty), "oid": order.order_id,
            "timestamp": order.time_ms, "triggerCondition": "N/A", "isTrigger": False,
            "triggerPx": "0.0", "children": [], "isPositionTpsl": False,
            "reduceOnly": order.reduce_only, "orderType": "Limit",
            "origSz": wire_decimal(order.orig_qty),
            "tif": TIF_NAMES.get(order.time_in_force, order.time_in_force),
            "cloid": order.client_order_id or None}
