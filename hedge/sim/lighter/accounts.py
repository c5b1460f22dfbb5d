"""Accounts as the venue keeps them: API keys with their nonces, orders, positions, fills.

Order sizes and prices are integer lots and ticks; the `*_wire` functions render them in
Lighter's field set (research §3.1, the account_all_orders / account_all captures).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

from hedge.sim.lighter.markets import MARKETS, MarketSpec, quote_str

ORDER_TYPES = {0: "limit", 1: "market", 2: "stop-loss", 3: "stop-loss-limit",
               4: "take-profit", 5: "take-profit-limit", 6: "twap"}
TIME_IN_FORCE = {0: "immediate-or-cancel", 1: "good-till-time", 2: "post-only"}
LIVE_STATUSES = ("in-progress", "pending", "open")


@dataclass
class ApiKey:
    """A registered API key; `next_nonce` is the only nonce sendTx accepts next."""

    account_index: int
    api_key_index: int
    public_key: str
    next_nonce: int = 0

    def wire(self) -> dict:
        return {"account_index": self.account_index, "api_key_index": self.api_key_index,
                "nonce": self.next_nonce, "public_key": self.public_key, "transaction_time": 0}


@dataclass
class Order:
    """One order of a registered account; the book holds the same object while it rests."""

    order_index: int
    client_order_index: int
    market_index: int
    owner_account_index: int
    is_ask: bool
    price: int                 # ticks
    initial: int               # lots
    remaining: int             # lots
    order_type: int
    time_in_force: int
    reduce_only: bool
    order_expiry: int          # ms
    nonce: int
    created_us: int
    filled: int = 0            # lots
    filled_quote: Decimal = Decimal(0)
    status: str = "in-progress"
    updated_us: int = 0
    block_height: int = 0
    synthetic: bool = False

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATUSES


@dataclass
class Position:
    """Signed position in lots with its cost basis; wire form is unsigned + sign."""

    market_id: int
    lots: int = 0
    entry_quote: Decimal = Decimal(0)   # cost of the open position, always >= 0
    realized: Decimal = Decimal(0)

    def apply(self, spec: MarketSpec, is_buy: bool, lots: int, ticks: int) -> None:
        """Add one fill: extend the position, or close part of it and book the pnl."""
        if self.lots == 0 or (self.lots > 0) == is_buy:
            self.entry_quote += spec.quote(lots, ticks)
            self.lots += lots if is_buy else -lots
            return
        closing = min(lots, abs(self.lots))
        cost = self.entry_quote * closing / abs(self.lots)
        close_quote = spec.quote(closing, ticks)
        self.realized += (close_quote - cost) if self.lots > 0 else (cost - close_quote)
        self.entry_quote -= cost
        self.lots += closing if is_buy else -closing
        if self.lots == 0:
            self.entry_quote = Decimal(0)
        rest = lots - closing
        if rest:
            self.lots = rest if is_buy else -rest
            self.entry_quote = spec.quote(rest, ticks)


@dataclass
class Account:
    """A registered account and everything the venue knows about it."""

    index: int
    collateral: Decimal
    api_keys: dict[int, ApiKey] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)        # by order_index, all ever
    positions: dict[int, Position] = field(default_factory=dict)
    trades: list[dict] = field(default_factory=list)
    cancel_all_time: int = 0
    cancel_all_market: int = 255
    cancel_all_queued: bool = False     # a scheduled cancel-all accepted and not aborted or fired
    tier: str = "standard"
    rate_limited: int = 0               # requests answered 429
    volume_quota: int = 0               # premium: creates/modifies left (before free refills)
    quota_counted_s: float = 0.0        # when the free refills were last added

    def quota_remaining(self, refill_s: float, now_s: float) -> int:
        """The quota after adding one free transaction per `refill_s` since last counted."""
        if refill_s > 0 and now_s > self.quota_counted_s:
            earned = int((now_s - self.quota_counted_s) // refill_s)
            self.volume_quota += earned
            self.quota_counted_s += earned * refill_s
        return self.volume_quota

    def live_orders(self, market: int | None = None) -> list[Order]:
        return [o for o in self.orders.values()
                if o.live and (market is None or o.market_index == market)]

    def find_live(self, market: int, index: int) -> Order | None:
        """Cancel/modify `Index`: a venue order_index or a client_order_index."""
        for o in self.orders.values():
            if o.live and o.market_index == market and index in (o.order_index, o.client_order_index):
                return o
        return None

    def position(self, market: int) -> Position:
        return self.positions.setdefault(market, Position(market))


def now_us() -> int:
    return time.time_ns() // 1000


def order_wire(o: Order) -> dict:
    spec = MARKETS[o.market_index]
    secs = o.created_us // 1_000_000
    return {
        "order_index": o.order_index, "client_order_index": o.client_order_index,
        "order_id": str(o.order_index), "client_order_id": str(o.client_order_index),
        "market_index": o.market_index, "owner_account_index": o.owner_account_index,
        "initial_base_amount": spec.size_str(o.initial), "price": spec.price_str(o.price),
        "nonce": o.nonce, "remaining_base_amount": spec.size_str(o.remaining if o.live else 0),
        "is_ask": o.is_ask, "base_size": o.initial if o.live else 0, "base_price": o.price,
        "filled_base_amount": spec.size_str(o.filled),
        "filled_quote_amount": quote_str(o.filled_quote), "side": "",
        "type": ORDER_TYPES.get(o.order_type, "limit"),
        "time_in_force": TIME_IN_FORCE.get(o.time_in_force, "Unknown"),
        "reduce_only": o.reduce_only, "trigger_price": spec.price_str(0),
        "order_expiry": o.order_expiry, "status": o.status, "trigger_status": "na",
        "trigger_time": 0, "parent_order_index": 0, "parent_order_id": "0",
        "to_trigger_order_id_0": "0", "to_trigger_order_id_1": "0", "to_cancel_order_id_0": "0",
        "integrator_fee_collector_index": "0", "integrator_taker_fee": "0",
        "integrator_maker_fee": "0", "block_height": o.block_height,
        "timestamp": (o.updated_us or o.created_us) // 1_000_000, "created_at": secs,
        "updated_at": (o.updated_us or o.created_us) // 1_000_000,
        "transaction_time": o.updated_us or o.created_us,
        "order_flags": 0, "order_version": 0, "market_symbol": spec.symbol, "market_kind": "perps",
    }


def position_wire(p: Position, mark: Decimal, live_orders: int = 0) -> dict:
    spec = MARKETS[p.market_id]
    size = spec.size(abs(p.lots))
    avg = (p.entry_quote / size) if p.lots else Decimal(0)
    value = size * mark
    upnl = (value - p.entry_quote) if p.lots > 0 else (p.entry_quote - value) if p.lots else Decimal(0)
    return {
        "market_id": p.market_id, "symbol": spec.symbol,
        "initial_margin_fraction": f"{Decimal(spec.default_initial_margin_fraction) / 100:.2f}",
        "open_order_count": live_orders, "pending_order_count": 0, "position_tied_order_count": 0,
        "sign": -1 if p.lots < 0 else 1, "position": spec.size_str(abs(p.lots)),
        "avg_entry_price": f"{avg:.{spec.price_decimals}f}", "position_value": quote_str(value),
        "unrealized_pnl": quote_str(upnl), "realized_pnl": quote_str(p.realized),
        "liquidation_price": "", "margin_mode": 0, "allocated_margin": "0.000000",
        "total_discount": "0.000000", "margin_set_flag": 0,
    }


def account_wire(a: Account, marks: dict[int, Decimal]) -> dict:
    """`/api/v1/account` row (DetailedAccount)."""
    positions = [position_wire(p, marks[m], len(a.live_orders(m))) for m, p in sorted(a.positions.items())]
    return {
        "code": 200, "account_type": 0, "index": a.index, "account_index": a.index,
        "l1_address": f"0x{a.index:040x}", "cancel_all_time": a.cancel_all_time,
        "total_order_count": len(a.live_orders()), "total_isolated_order_count": 0,
        "pending_order_count": 0, "available_balance": quote_str(a.collateral), "status": 1,
        "collateral": quote_str(a.collateral), "name": "", "description": "",
        "can_invite": False, "referral_points_percentage": "0", "positions": positions,
        "assets": [{"symbol": "USDC", "asset_id": 3, "balance": quote_str(a.collateral),
                    "locked_balance": "0.000000", "margin_balance": quote_str(a.collateral),
                    "margin_mode": "enabled", "multiplier": "1"}],
        "total_asset_value": quote_str(a.collateral),
        "cross_asset_value": quote_str(a.collateral),
        "pool_info": {}, "shares": [], "created_at": 0, "transaction_time": 0, "can_rfq": False,
        "cross_initial_margin_requirement": "0.000000",
        "cross_maintenance_margin_requirement": "0.000000", "can_rfq_market_ids": [],
        "metadata": {}, "agent_enabled": False,
    }
