"""Raw Lighter stream frames, shaped like tests/fixtures' captures, built small.

Every builder returns the decoded JSON the venue sends; `parse` turns it into the typed message
through the production parser, so a harness test also runs the real frame reading.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from hedge.adapters.lighter import messages as m
from hedge.adapters.lighter.parse import parse_frame
from hedge.lab.account_frames import account_all_orders, order_entry

ACCOUNT = 1234
MARKET = 0


def order(order_index: int, *, coi: int = 0, is_ask: bool = False, price: str = "2000.00",
          initial: str = "0.0100", filled: str = "0", status: str = "open",
          market: int = MARKET, filled_quote: str | None = None) -> dict[str, Any]:
    """One entry of an `orders` list, as in the venue's account_orders frames."""
    quote = filled_quote if filled_quote is not None else str(Decimal(filled) * Decimal(price))
    return order_entry(order_index=order_index, client_order_index=coi, market=market,
                       account=ACCOUNT, is_ask=is_ask, price=price, initial=initial,
                       filled=filled, remaining=str(Decimal(initial) - Decimal(filled)),
                       filled_quote=quote, status=status, timestamp_ms=1777941383576)


def account_orders(*orders: dict[str, Any], snapshot: bool = False,
                   account: int = ACCOUNT) -> dict[str, Any]:
    """`account_all_orders` frame: orders grouped by the market id string, as sent."""
    return account_all_orders(list(orders), account=account, snapshot=snapshot)


def market_orders(market: int, *orders: dict[str, Any], snapshot: bool = False,
                  account: int = ACCOUNT) -> dict[str, Any]:
    """`account_orders` frame of one market's channel (the bot subscribes one per market)."""
    kind = "subscribed" if snapshot else "update"
    return {"type": f"{kind}/account_orders", "channel": f"account_orders:{market}:{account}",
            "account": account, "orders": {str(market): list(orders)} if orders else {}}


def book(bids: list[tuple[str, str]], asks: list[tuple[str, str]], *, market: int = MARKET,
         snapshot: bool = True, nonce: int = 1, begin_nonce: int = 0,
         offset: int = 1) -> dict[str, Any]:
    """`order_book` snapshot or update; levels are (price, size) strings."""
    kind = "subscribed" if snapshot else "update"
    return {"type": f"{kind}/order_book", "channel": f"order_book:{market}", "offset": offset,
            "order_book": {"code": 0, "offset": offset, "nonce": nonce, "begin_nonce": begin_nonce,
                           "asks": [{"price": p, "size": s} for p, s in asks],
                           "bids": [{"price": p, "size": s} for p, s in bids]},
            "timestamp": 1778138582602}


def connected() -> dict[str, Any]:
    return {"type": "connected", "session_id": "harness"}


def error(code: int, message: str = "invalid auth") -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def parse(raw: dict[str, Any], recv_ns: int = 1) -> m.Message:
    return parse_frame(raw, recv_ns)


def trade(trade_id: int, *, bid_id: int, ask_id: int = 9_999, size: str = "0.0100",
          price: str = "2000.00", market: int = MARKET, bid_account: int = ACCOUNT,
          ask_account: int = 91_249) -> dict[str, Any]:
    """One own trade, as in `account_all` frames (our bid met by someone's ask by default)."""
    return {"trade_id": trade_id, "type": "trade", "market_id": market, "size": size,
            "price": price, "usd_amount": str(Decimal(size) * Decimal(price)),
            "ask_id": ask_id, "bid_id": bid_id, "ask_account_id": ask_account,
            "bid_account_id": bid_account, "is_maker_ask": False, "timestamp": 1777941384181}


def account_all(*trades: dict[str, Any], account: int = ACCOUNT) -> dict[str, Any]:
    """`account_all` update carrying own trades, grouped by market id string."""
    grouped: dict[str, list] = {}
    for entry in trades:
        grouped.setdefault(str(entry["market_id"]), []).append(entry)
    return {"type": "update/account_all", "channel": f"account_all:{account}",
            "account": account, "trades": grouped}
