"""Accounts of the local Hyperliquid venue: a USDC perp balance, one-way positions, orders.

An account is its wallet address (lower case). An optional agent (API wallet) may sign L1
actions for it, as on Hyperliquid; user-signed actions (builder approval) need the wallet itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hedge.sim.hyperliquid.markets import wire_decimal

DEFAULT_LEVERAGE = 20
BPS = Decimal("0.0001")
BUILDER_FEE_UNIT = Decimal("0.00001")    # `f` of an order's builder is in tenths of a basis point
OPEN = "open"


@dataclass
class Order:
    oid: int
    cloid: str | None
    coin: str
    is_buy: bool
    limit_px: Decimal
    orig_sz: Decimal
    reduce_only: bool
    tif: str                       # Gtc | Ioc | Alo
    timestamp_ms: int
    status: str = OPEN             # open | filled | canceled | <reason>Rejected
    filled_sz: Decimal = Decimal(0)
    filled_ntl: Decimal = Decimal(0)
    status_ms: int = 0

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def remaining(self) -> Decimal:
        return self.orig_sz - self.filled_sz

    @property
    def avg_px(self) -> Decimal:
        return self.filled_ntl / self.filled_sz if self.filled_sz else Decimal(0)

    def to_wire(self) -> dict:
        """The order document of frontendOpenOrders and orderStatus."""
        return {"coin": self.coin, "side": "B" if self.is_buy else "A",
                "limitPx": wire_decimal(self.limit_px), "sz": wire_decimal(self.remaining),
                "oid": self.oid, "timestamp": self.timestamp_ms, "triggerCondition": "N/A",
                "isTrigger": False, "triggerPx": "0.0", "children": [],
                "isPositionTpsl": False, "reduceOnly": self.reduce_only, "orderType": "Limit",
                "origSz": wire_decimal(self.orig_sz), "tif": self.tif, "cloid": self.cloid}


@dataclass
class Position:
    szi: Decimal = Decimal(0)          # signed size
    entry_px: Decimal = Decimal(0)


@dataclass
class Fill:
    oid: int
    cloid: str | None
    coin: str
    is_buy: bool
    sz: Decimal
    px: Decimal
    fee: Decimal
    time_ms: int

    def to_json(self) -> dict:
        return {"oid": self.oid, "cloid": self.cloid, "coin": self.coin,
                "side": "B" if self.is_buy else "A", "sz": str(self.sz), "px": str(self.px),
                "fee": str(self.fee), "time": self.time_ms}


@dataclass
class Account:
    wallet: str
    balance: Decimal                           # USDC: deposits + realized PnL - fees
    agent: str | None = None
    taker_fee_bps: Decimal = Decimal("4.5")
    maker_fee_bps: Decimal = Decimal("1.5")
    positions: dict[str, Position] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    leverage: dict[str, int] = field(default_factory=dict)
    builder_max_fee: dict[str, Decimal] = field(default_factory=dict)   # builder -> fraction
    referrer: str | None = None
    nonces: set[int] = field(default_factory=set)

    position_mode = "one_way"     # Hyperliquid has no position modes

    @property
    def taker_fee(self) -> Decimal:
        return self.taker_fee_bps * BPS

    def position(self, coin: str) -> Position:
        return self.positions.setdefault(coin, Position())

    def leverage_of(self, coin: str, max_leverage: int) -> int:
        return self.leverage.get(coin, min(DEFAULT_LEVERAGE, max_leverage))

    def by_cloid(self, cloid: str) -> Order | None:
        """The most recent order carrying `cloid` (cloids compare case-insensitively)."""
        wanted = cloid.lower()
        for order in reversed(list(self.orders.values())):
            if order.cloid is not None and order.cloid.lower() == wanted:
                return order
        return None

    def open_orders(self) -> list[Order]:
        return [o for o in self.orders.values() if o.is_open]

    def apply_fill(self, order: Order, px: Decimal, sz: Decimal, builder_fee: Decimal,
                   now_ms: int) -> None:
        """Book one taker fill: order totals, position, realized PnL, taker and builder fees."""
        signed = sz if order.is_buy else -sz
        pos = self.position(order.coin)
        old, new = pos.szi, pos.szi + signed
        if old == 0 or (old > 0) == (signed > 0):
            pos.entry_px = (abs(old) * pos.entry_px + sz * px) / abs(new)
        else:
            closed = min(abs(old), sz)
            self.balance += (px - pos.entry_px) * closed * (1 if old > 0 else -1)
            if new == 0:
                pos.entry_px = Decimal(0)
            elif (new > 0) != (old > 0):
                pos.entry_px = px
        pos.szi = new
        fee = (px * sz * (self.taker_fee + builder_fee)).quantize(Decimal("0.000001"))
        self.balance -= fee
        order.filled_sz += sz
        order.filled_ntl += px * sz
        order.status_ms = now_ms
        self.fills.append(Fill(order.oid, order.cloid, order.coin, order.is_buy, sz, px, fee,
                               now_ms))
