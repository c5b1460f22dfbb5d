"""State of the local Hyperliquid venue: the shared hedge-venue state (faults, clock, counters,
lookup lag) with Hyperliquid's accounts by wallet, agents, the oid sequence and margin.

The book is the shared builder's (levels around the shared mid plus a basis, not depleted by
fills), with the tick Hyperliquid's price rule allows at that mid.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from hedge.sim.hedge_venue.book import SymbolSpec
from hedge.sim.hedge_venue.state import HedgeVenueState, MarginView
from hedge.sim.hyperliquid.accounts import Account, Order
from hedge.sim.hyperliquid.markets import PERPS

BOOK_TOP_MARGIN = Decimal("1.01")


@dataclass
class HyperliquidState(HedgeVenueState):
    fee_bps: tuple[Decimal, Decimal] = (Decimal("4.5"), Decimal("1.5"))
    agents: dict[str, str] = field(default_factory=dict)      # agent address -> wallet
    next_order_id: int = 38_000_000_000
    posts_name: str = "order_actions"
    executed_name: str = "executed_order_actions"
    # Hyperliquid documents no reduce-only exemption from the $10 minimum; True models the
    # unconfirmed reports that reduce-only orders below it are accepted.
    reduce_only_exempt_from_min_value: bool = False
    requests: deque = field(default_factory=lambda: deque(maxlen=1000))  # "info:<type>"…

    @property
    def order_actions(self) -> int:
        return self.order_posts

    @property
    def executed_order_actions(self) -> int:
        return self.executed_order_posts

    def new_oid(self) -> int:
        return self.new_order_id()

    def spec(self, coin: str, at_ms: int) -> SymbolSpec:
        # The tick valid at the top of the book (levels and basis stay well within 1% of the
        # mid) is valid below it too, also where the levels straddle a power of ten.
        top = Decimal(repr(self.prices.mid(coin, at_ms))) * BOOK_TOP_MARGIN
        return PERPS[coin].book_spec(top)

    def visible(self, order: Order, now: int) -> bool:   # type: ignore[override]
        return now >= order.timestamp_ms + self.faults.lookup_lag_ms

    def register(self, wallet: str, balance: Decimal, agent_address: str | None = None,
                 taker_fee_bps: Decimal | None = None,
                 maker_fee_bps: Decimal | None = None) -> Account:   # type: ignore[override]
        old = self.accounts.get(wallet)
        if old is not None and old.agent:
            self.agents.pop(old.agent, None)
        account = Account(wallet, balance, agent_address.lower() if agent_address else None,
                          taker_fee_bps=taker_fee_bps or self.fee_bps[0],
                          maker_fee_bps=maker_fee_bps or self.fee_bps[1])
        self.accounts[wallet] = account   # type: ignore[assignment]
        if account.agent:
            self.agents[account.agent] = wallet
        return account

    def account_of_signer(self, signer: str) -> Account | None:
        """The account an L1 signer acts for: its own wallet, or the master of an agent."""
        wallet = signer if signer in self.accounts else self.agents.get(signer)
        return self.accounts.get(wallet) if wallet else None   # type: ignore[return-value]

    def margin(self, account: Account, at_ms: int) -> MarginView:   # type: ignore[override]
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

    def account_snapshot(self, account: Account) -> dict:   # type: ignore[override]
        return {"balance": str(account.balance),
                "positions": {c: {"szi": str(p.szi), "entry_px": str(p.entry_px)}
                              for c, p in account.positions.items()},
                "builder_max_fee": {b: str(f) for b, f in account.builder_max_fee.items()}}
