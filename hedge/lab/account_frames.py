"""Lighter's account_orders frames as the venue sends them, built from our own order state.

The lab's Lighter double feeds them to the production parser, and the harness builds its test
frames with the same two functions, so the frame shape lives in one place.
"""
from __future__ import annotations

from typing import Any


def order_entry(*, order_index: int, client_order_index: int, market: int, account: int,
                is_ask: bool, price: str, initial: str, filled: str, remaining: str,
                filled_quote: str, status: str, timestamp_ms: int) -> dict[str, Any]:
    """One entry of an `orders` list: amounts as decimal strings, as the venue writes them."""
    return {
        "order_index": order_index, "client_order_index": client_order_index,
        "order_id": str(order_index), "client_order_id": str(client_order_index),
        "market_index": market, "owner_account_index": account,
        "initial_base_amount": initial, "price": price,
        "remaining_base_amount": remaining, "is_ask": is_ask,
        "side": "sell" if is_ask else "buy", "type": "limit",
        "time_in_force": "post-only", "reduce_only": False,
        "filled_base_amount": filled, "filled_quote_amount": filled_quote,
        "status": status, "timestamp": timestamp_ms,
    }


def account_all_orders(orders: list[dict[str, Any]], *, account: int,
                       snapshot: bool = False) -> dict[str, Any]:
    """`account_all_orders` frame: orders grouped by the market id string, as sent."""
    grouped: dict[str, list] = {}
    for entry in orders:
        grouped.setdefault(str(entry["market_index"]), []).append(entry)
    kind = "subscribed" if snapshot else "update"
    return {"type": f"{kind}/account_all_orders", "channel": f"account_all_orders:{account}",
            "account": account, "orders": grouped}
