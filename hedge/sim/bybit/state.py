"""State of the bybit venue: the shared hedge-venue state on bybit's markets.

Order ids are bybit-style UUID strings, derived one-to-one from the shared integer sequence.
orderLinkId uniqueness follows bybit's create-order docs for perpetuals ("always unique"): an id
used once, whatever became of that order, is refused with 110072. `link_ids_reusable_after_close`
switches to the weaker rule (unique among live orders only) that older bybit docs described.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from hedge.sim.bybit.markets import SYMBOLS
from hedge.sim.hedge_venue.accounts import Order
from hedge.sim.hedge_venue.state import HedgeVenueState

ORDER_ID_BASE = 0x5BB1_0000_0000_0000_0000_0000_0000_0000


def order_id_text(order_id: int) -> str:
    return str(uuid.UUID(int=ORDER_ID_BASE + order_id))


def order_id_from_text(text: str) -> int | None:
    try:
        value = uuid.UUID(text).int - ORDER_ID_BASE
    except ValueError:
        return None
    return value if value > 0 else None


@dataclass
class BybitVenueState(HedgeVenueState):
    symbols: dict = field(default_factory=lambda: dict(SYMBOLS))
    link_ids_reusable_after_close: bool = False
    # /v5/order/realtime keeps this many closed orders; 0 is bybit just after a restart, when
    # closed orders are only in /v5/order/history.
    realtime_closed_kept: int = 500

    def snapshot(self) -> dict:
        """GET /sim/state: the binance venue's snapshot plus each account's orders."""
        snap = super().snapshot()
        for key, account in self.accounts.items():
            snap["accounts"][key]["order_list"] = [_order_summary(o)
                                                   for o in account.orders.values()]
        return snap


def _order_summary(order: Order) -> dict:
    return {"orderId": order_id_text(order.order_id), "orderLinkId": order.client_order_id,
            "symbol": order.symbol, "side": order.side, "status": order.status,
            "qty": str(order.orig_qty), "filled": str(order.executed_qty),
            "reduceOnly": order.reduce_only}
