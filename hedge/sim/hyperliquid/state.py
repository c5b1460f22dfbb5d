"""State of the local Hyperliquid venue: the shared hedge-venue state with accounts keyed by
wallet address (lower case), which an agent (API wallet) may sign L1 actions for; user-signed
actions (builder approval) need the wallet itself. Orders and fills are the shared records, named
on the wire Hyperliquid's way (`order_wire`, `order_status`)."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from hedge.sim.hedge_venue.accounts import Account, Order
from hedge.sim.hedge_venue.book import SymbolSpec
from hedge.sim.hedge_venue.state import HedgeVenueState
from hedge.sim.hyperliquid.markets import PERPS, wire_decimal

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

    def spec(self, coin: str, at_ms: int) -> SymbolSpec:
        # The tick valid at the top of the book (levels and basis stay well within 1% of the
        # mid) is valid below it too, also where the levels straddle a power of ten.
        top = Decimal(repr(self.prices.mid(coin, at_ms))) * BOOK_TOP_MARGIN
        return PERPS[coin].book_spec(top)

    def register(self, wallet: str, balance: Decimal, agent_address: str | None = None,
                 **fees: Decimal) -> HlAccount:   # type: ignore[override]
        old = self.accounts.get(wallet)
        if isinstance(old, HlAccount) and old.agent:
            self.agents.pop(old.agent, None)
        account = HlAccount(wallet, "", balance, **fees,
                            agent=agent_address and agent_address.lower(),
                            leverage_cap={c: p.max_leverage for c, p in PERPS.items()})
        self.accounts[wallet] = account
        if account.agent:
            self.agents[account.agent] = wallet
        return account

    def account_of_signer(self, signer: str) -> HlAccount | None:
        """The account an L1 signer acts for: its own wallet, or the master of an agent."""
        wallet = signer if signer in self.accounts else self.agents.get(signer)
        return self.accounts.get(wallet) if wallet else None   # type: ignore[return-value]

    def account_snapshot(self, account: HlAccount) -> dict:   # type: ignore[override]
        return {"balance": str(account.wallet),
                "positions": {c: {"szi": str(p.amount), "entry_px": str(p.entry_price)}
                              for c, p in account.positions.items()},
                "builder_max_fee": {b: str(f) for b, f in account.builder_max_fee.items()}}

    def snapshot(self) -> dict:
        """The shared snapshot, fills in Hyperliquid's names (oid, cloid, coin, B/A, sz, px)."""
        snap = super().snapshot()
        for key, account in self.accounts.items():
            snap["accounts"][key]["fills"] = [
                {"oid": f.order_id, "cloid": f.client_order_id or None, "coin": f.symbol,
                 "side": "B" if f.side == "BUY" else "A", "sz": str(f.qty), "px": str(f.price),
                 "fee": str(f.fee), "time": f.time_ms} for f in account.fills]
        return snap
