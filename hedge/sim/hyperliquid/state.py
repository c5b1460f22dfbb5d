"""State of the local Hyperliquid venue: accounts by wallet, agents, the oid sequence, margin.

The book comes from the shared builder of the binance venue (levels around the shared mid plus a
basis, not depleted by fills), with the tick Hyperliquid's price rule allows at that mid.
"""
from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from hedge.sim.binance.book import Book, book_at
from hedge.sim.faults import HedgeFaults
from hedge.sim.hyperliquid.accounts import Account
from hedge.sim.hyperliquid.markets import PERPS
from hedge.sim.price import PriceProcess


BOOK_TOP_MARGIN = Decimal("1.01")


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class MarginView:
    """The numbers of clearinghouseState.marginSummary."""

    balance: Decimal
    unrealized: Decimal
    position_margin: Decimal
    order_margin: Decimal
    notional: Decimal

    @property
    def account_value(self) -> Decimal:
        return self.balance + self.unrealized

    @property
    def available(self) -> Decimal:
        return self.account_value - self.position_margin - self.order_margin


@dataclass
class HyperliquidState:
    prices: PriceProcess
    faults: HedgeFaults
    rng: random.Random
    accounts: dict[str, Account] = field(default_factory=dict)
    agents: dict[str, str] = field(default_factory=dict)      # agent address -> wallet
    next_oid: int = 38_000_000_000
    order_actions: int = 0             # every signed order action, faulted or not
    executed_order_actions: int = 0    # order actions that reached matching
    refusing: bool = False
    # Hyperliquid documents no reduce-only exemption from the $10 minimum; True models the
    # unconfirmed reports that reduce-only orders below it are accepted.
    reduce_only_exempt_from_min_value: bool = False
    requests: deque = field(default_factory=lambda: deque(maxlen=1000))  # "info:<type>"…

    def new_oid(self) -> int:
        self.next_oid += 1
        return self.next_oid

    def book(self, coin: str, at_ms: int | None = None) -> Book:
        at = now_ms() if at_ms is None else at_ms
        perp = PERPS[coin]
        # The tick valid at the top of the book (levels and basis stay well within 1% of the
        # mid) is valid below it too, also where the levels straddle a power of ten.
        top = Decimal(repr(self.prices.mid(coin, at))) * BOOK_TOP_MARGIN
        return book_at(perp.book_spec(top), self.prices, at)

    def register(self, wallet: str, balance: Decimal, agent: str | None = None) -> Account:
        wallet = wallet.lower()
        old = self.accounts.get(wallet)
        if old is not None and old.agent:
            self.agents.pop(old.agent, None)
        account = Account(wallet, balance, agent.lower() if agent else None)
        self.accounts[wallet] = account
        if account.agent:
            self.agents[account.agent] = wallet
        return account

    def account_of_signer(self, signer: str) -> Account | None:
        """The account an L1 signer acts for: its own wallet, or the master of an agent."""
        wallet = signer if signer in self.accounts else self.agents.get(signer)
        return self.accounts.get(wallet) if wallet else None

    def margin(self, account: Account, at_ms: int) -> MarginView:
        unrealized = position_margin = order_margin = notional = Decimal(0)
        for coin, pos in account.positions.items():
            if pos.szi:
                mark = self.book(coin, at_ms).mid
                unrealized += pos.szi * (mark - pos.entry_px)
                notional += abs(pos.szi) * mark
                position_margin += (abs(pos.szi) * mark
                                    / account.leverage_of(coin, PERPS[coin].max_leverage))
        for order in account.open_orders():
            order_margin += (order.remaining * order.limit_px
                             / account.leverage_of(order.coin, PERPS[order.coin].max_leverage))
        return MarginView(account.balance, unrealized, position_margin, order_margin, notional)

    def snapshot(self) -> dict:
        """GET /sim/state: per-wallet positions (Decimal strings), orders, fills, counters."""
        accounts = {}
        for wallet, account in self.accounts.items():
            accounts[wallet] = {
                "balance": str(account.balance),
                "positions": {c: {"szi": str(p.szi), "entry_px": str(p.entry_px)}
                              for c, p in account.positions.items()},
                "orders": len(account.orders),
                "open_orders": len(account.open_orders()),
                "fills": [f.to_json() for f in account.fills],
                "builder_max_fee": {b: str(f) for b, f in account.builder_max_fee.items()},
            }
        return {"accounts": accounts, "order_actions": self.order_actions,
                "executed_order_actions": self.executed_order_actions,
                "refusing": self.refusing}
