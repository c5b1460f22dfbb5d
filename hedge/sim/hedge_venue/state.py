"""State of one hedge venue: accounts, the order-id sequence, the venue's clock, margin views.

Every exchange's venue is this state plus its wire format. Tests read it through
`HEDGE_STATE_KEY` on the app; `snapshot()` is what GET /sim/state returns. The venue's clock is
the wall clock shifted by the `clock_offset_ms` knob; books are read on the wall clock (the
market does not move because a venue's clock is wrong).
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from hedge.sim.faults import HedgeFaults
from hedge.sim.hedge_venue.accounts import Account, Order
from hedge.sim.hedge_venue.book import Book, SymbolSpec, book_at
from hedge.sim.price import PriceProcess


def wall_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class MarginView:
    """What an account could lose and still trade."""

    wallet: Decimal
    unrealized: Decimal
    position_margin: Decimal
    order_margin: Decimal
    notional: Decimal = Decimal(0)

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
    symbols: dict[str, SymbolSpec] = field(default_factory=dict)
    fee_bps: tuple[Decimal, Decimal] = (Decimal(4), Decimal(2))   # default (taker, maker)
    accounts: dict[str, Account] = field(default_factory=dict)
    next_order_id: int = 8_389_765_000_000_000_000
    executed_order_posts: int = 0   # order requests that reached matching
    order_posts: int = 0            # every authenticated order request, faulted or not
    depth_requests: int = 0         # REST book snapshots served
    refusing: bool = False          # the listener is closed because of `refuse_connections`
    posts_name: str = "order_posts"                 # what /sim/state calls the two counters
    executed_name: str = "executed_order_posts"

    def now_ms(self) -> int:
        """The venue's clock: what it stamps and checks deadlines against."""
        return wall_ms() + self.faults.clock_offset_ms

    def new_order_id(self) -> int:
        self.next_order_id += 1
        return self.next_order_id

    def spec(self, symbol: str, at_ms: int) -> SymbolSpec:
        return self.symbols[symbol]

    def book(self, symbol: str, at_ms: int | None = None) -> Book:
        wall = wall_ms() if at_ms is None else at_ms - self.faults.clock_offset_ms
        return book_at(self.spec(symbol, wall), self.prices, wall)

    def visible(self, order: Order, now: int) -> bool:
        """Order lookups see an order only `lookup_lag_ms` after it was placed."""
        return now >= order.time_ms + self.faults.lookup_lag_ms

    def register(self, key: str, balance: Decimal, **fields) -> Account:
        """A fresh account under `key` (replacing any), with this venue's default fees."""
        taker, maker = self.fee_bps
        account = Account(key, fields.pop("secret", ""), balance, **(
            {"taker_fee_bps": taker, "maker_fee_bps": maker} | fields))
        self.accounts[key] = account
        return account

    def margin(self, account: Account, at_ms: int) -> MarginView:
        unrealized = position_margin = order_margin = notional = Decimal(0)
        for symbol, pos in account.positions.items():
            if pos.amount:
                mark = self.book(symbol, at_ms).mid
                unrealized += pos.amount * (mark - pos.entry_price)
                notional += abs(pos.amount) * mark
                position_margin += abs(pos.amount) * mark / account.leverage_of(symbol)
        for order in account.open_orders():
            order_margin += ((order.orig_qty - order.executed_qty) * order.price
                             / account.leverage_of(order.symbol))
        return MarginView(account.wallet, unrealized, position_margin, order_margin, notional)

    def account_snapshot(self, account: Account) -> dict:
        return {"wallet": str(account.wallet),
                "positions": {s: {"amount": str(p.amount), "entry_price": str(p.entry_price)}
                              for s, p in account.positions.items()}}

    def snapshot(self) -> dict:
        """GET /sim/state: per-account positions (Decimal strings), orders, fills, counters."""
        accounts = {}
        for key, account in self.accounts.items():
            accounts[key] = self.account_snapshot(account) | {
                "orders": len(account.orders), "open_orders": len(account.open_orders()),
                "fills": [f.to_json() for f in account.fills],
                "position_mode": account.position_mode,
                "taker_fee_bps": str(account.taker_fee_bps),
                "maker_fee_bps": str(account.maker_fee_bps)}
        return {"accounts": accounts, self.posts_name: self.order_posts,
                "depth_requests": self.depth_requests,
                self.executed_name: self.executed_order_posts, "refusing": self.refusing}
