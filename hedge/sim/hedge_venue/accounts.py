"""Accounts of the hedge venues: keys, wallet, net positions, orders and fills. Statuses are kept
as NEW / PARTIALLY_FILLED / FILLED / CANCELED / EXPIRED / REJECTED and each venue names them its
own way; fee rates and position mode are per account."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")
DEFAULT_LEVERAGE = 20
BPS = Decimal("0.0001")
POSITION_MODES = ("one_way", "hedge")


@dataclass
class Order:
    order_id: int
    client_order_id: str
    symbol: str
    side: str                      # BUY | SELL
    type: str                      # MARKET | LIMIT
    time_in_force: str
    orig_qty: Decimal
    price: Decimal                 # 0 for MARKET
    reduce_only: bool
    time_ms: int
    status: str = "NEW"
    executed_qty: Decimal = Decimal(0)
    cum_quote: Decimal = Decimal(0)
    update_ms: int = 0
    fee: Decimal = Decimal(0)
    position_side: str = ""        # the venue's side field as sent ("" = not sent)
    reject_reason: str = ""        # why it ended without trading: a recorded refusal (hyperliquid),
                                   # or a post-only/FOK the engine canceled (bybit, okx)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else Decimal(0)


@dataclass
class Position:
    """One-way position: signed amount, average entry of the open amount."""

    amount: Decimal = Decimal(0)
    entry_price: Decimal = Decimal(0)
    update_ms: int = 0


@dataclass
class Fill:
    order_id: int
    client_order_id: str
    symbol: str
    side: str
    qty: Decimal
    price: Decimal
    fee: Decimal
    time_ms: int

    def to_json(self) -> dict:
        return {"orderId": self.order_id, "clientOrderId": self.client_order_id,
                "symbol": self.symbol, "side": self.side, "qty": str(self.qty),
                "price": str(self.price), "fee": str(self.fee), "time": self.time_ms}


@dataclass
class Account:
    api_key: str
    secret: str
    wallet: Decimal
    passphrase: str = ""
    position_mode: str = "one_way"
    taker_fee_bps: Decimal = Decimal(4)
    maker_fee_bps: Decimal = Decimal(2)
    leverage_cap: dict[str, int] = field(default_factory=dict)   # symbol -> default leverage
    positions: dict[str, Position] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    leverage: dict[str, int] = field(default_factory=dict)

    fee_quantum = Decimal("0.00000001")      # the settlement asset's precision

    def position(self, symbol: str) -> Position:
        return self.positions.setdefault(symbol, Position())

    @property
    def taker_fee(self) -> Decimal:
        return self.taker_fee_bps * BPS

    def leverage_of(self, symbol: str) -> int:
        return self.leverage.get(symbol, min(DEFAULT_LEVERAGE,
                                             self.leverage_cap.get(symbol, DEFAULT_LEVERAGE)))

    def open_orders(self) -> list[Order]:
        return [o for o in self.orders.values() if o.is_open]

    def find_order(self, symbol: str | None, order_id: int | None,
                   client_order_id: str | None) -> Order | None:
        """By orderId, else the most recent order carrying `client_order_id` (any symbol when
        `symbol` is None)."""
        if order_id is not None:
            order = self.orders.get(order_id)
            return order if order is not None and symbol in (None, order.symbol) else None
        for order in reversed(list(self.orders.values())):
            if symbol in (None, order.symbol) and order.client_order_id == client_order_id:
                return order
        return None

    def apply_fill(self, order: Order, price: Decimal, qty: Decimal, now_ms: int,
                   extra_fee: Decimal = Decimal(0)) -> None:
        """Book one taker fill: order totals, position, realized PnL and the account's taker fee
        (plus `extra_fee`, a builder's share) into the wallet."""
        signed = qty if order.side == "BUY" else -qty
        pos = self.position(order.symbol)
        old = pos.amount
        new = old + signed
        if old == 0 or (old > 0) == (signed > 0):
            pos.entry_price = (abs(old) * pos.entry_price + qty * price) / abs(new)
        else:
            closed = min(abs(old), qty)
            direction = 1 if old > 0 else -1
            self.wallet += (price - pos.entry_price) * closed * direction
            if new == 0:
                pos.entry_price = Decimal(0)
            elif (new > 0) != (old > 0):
                pos.entry_price = price
        pos.amount = new
        pos.update_ms = now_ms
        fee = (price * qty * (self.taker_fee + extra_fee)).quantize(self.fee_quantum)
        self.wallet -= fee
        order.fee += fee
        order.executed_qty += qty
        order.cum_quote += price * qty
        order.update_ms = now_ms
        self.fills.append(Fill(order.order_id, order.client_order_id, order.symbol, order.side,
                               qty, price, fee, now_ms))
