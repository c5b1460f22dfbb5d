"""State of the hedge venue: accounts, the order-id sequence, and the margin view of each account.

Tests read it through `HEDGE_STATE_KEY` on the app; `snapshot()` is what GET /sim/state returns.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from hedge.sim.binance.accounts import Account
from hedge.sim.binance.book import Book, book_at
from hedge.sim.binance.markets import SYMBOLS
from hedge.sim.faults import HedgeFaults
from hedge.sim.price import PriceProcess


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class MarginView:
    """What an account could lose and still trade: the fields of /fapi/v3/account."""

    wallet: Decimal
    unrealized: Decimal
    position_margin: Decimal
    order_margin: Decimal

    @property
    def margin_balance(self) -> Decimal:
        return self.wallet + self.unrealized

    @property
    def available(self) -> Decimal:
        return self.margin_balance - self.position_margin - self.order_margin


@dataclass
class HedgeVenueState:
    prices: PriceProcess
    faults: HedgeFaults
    rng: random.Random
    accounts: dict[str, Account] = field(default_factory=dict)
    next_order_id: int = 8_389_765_000_000_000_000
    executed_order_posts: int = 0   # order POSTs that reached matching and were recorded
    order_posts: int = 0            # every authenticated order POST, faulted or not
    depth_requests: int = 0         # REST book snapshots served (GET /fapi/v1/depth)
    refusing: bool = False          # the listener is closed because of `refuse_connections`

    def new_order_id(self) -> int:
        self.next_order_id += 1
        return self.next_order_id

    def book(self, symbol: str, at_ms: int | None = None) -> Book:
        return book_at(SYMBOLS[symbol], self.prices, now_ms() if at_ms is None else at_ms)

    def register(self, api_key: str, secret: str, balance: Decimal) -> Account:
        account = Account(api_key, secret, balance)
        self.accounts[api_key] = account
        return account

    def margin(self, account: Account, at_ms: int) -> MarginView:
        unrealized = position_margin = order_margin = Decimal(0)
        for symbol, pos in account.positions.items():
            if pos.amount:
                mark = self.book(symbol, at_ms).mid
                unrealized += pos.amount * (mark - pos.entry_price)
                position_margin += abs(pos.amount) * mark / account.leverage_of(symbol)
        for order in account.orders.values():
            if order.is_open:
                order_margin += ((order.orig_qty - order.executed_qty) * order.price
                                 / account.leverage_of(order.symbol))
        return MarginView(account.wallet, unrealized, position_margin, order_margin)

    def snapshot(self) -> dict:
        """GET /sim/state: per-account positions (Decimal strings), orders, fills, counters."""
        accounts = {}
        for key, account in self.accounts.items():
            accounts[key] = {
                "wallet": str(account.wallet),
                "positions": {s: {"amount": str(p.amount), "entry_price": str(p.entry_price)}
                              for s, p in account.positions.items()},
                "orders": len(account.orders),
                "open_orders": sum(1 for o in account.orders.values() if o.is_open),
                "fills": [f.to_json() for f in account.fills],
            }
        return {"accounts": accounts, "order_posts": self.order_posts,
                "depth_requests": self.depth_requests,
                "executed_order_posts": self.executed_order_posts,
                "refusing": self.refusing}
