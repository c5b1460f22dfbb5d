"""Accounts of the hedge venue: keys, USDT wallet, one-way positions and orders.

clientOrderId is unique among OPEN orders only, as on Binance: once an order is filled,
expired or canceled its id may be sent again and trades again. A stricter venue would hide the
double fill that a blind resend causes in production.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")
DEFAULT_LEVERAGE = 20
TAKER_FEE = Decimal("0.0004")


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

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else Decimal(0)

    def to_json(self) -> dict:
        """The order document Binance returns from POST/GET/DELETE /fapi/v1/order."""
        return {
            "orderId": self.order_id,
            "clientOrderId": self.client_order_id,
            "symbol": self.symbol,
            "status": self.status,
            "type": self.type,
            "origType": self.type,
            "side": self.side,
            "positionSide": "BOTH",
            "price": str(self.price),
            "avgPrice": str(self.avg_price.quantize(Decimal("0.00001"))
                            if self.executed_qty else "0"),
            "origQty": str(self.orig_qty),
            "executedQty": str(self.executed_qty),
            "cumQty": str(self.executed_qty),
            "cumQuote": str(self.cum_quote),
            "timeInForce": self.time_in_force,
            "reduceOnly": self.reduce_only,
            "closePosition": False,
            "stopPrice": "0",
            "workingType": "CONTRACT_PRICE",
            "priceProtect": False,
            "priceMatch": "NONE",
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "goodTillDate": 0,
            "time": self.time_ms,
            "updateTime": self.update_ms or self.time_ms,
        }


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
    positions: dict[str, Position] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    leverage: dict[str, int] = field(default_factory=dict)

    def position(self, symbol: str) -> Position:
        return self.positions.setdefault(symbol, Position())

    def leverage_of(self, symbol: str) -> int:
        return self.leverage.get(symbol, DEFAULT_LEVERAGE)

    def open_order_by_client_id(self, symbol: str, client_order_id: str) -> Order | None:
        for order in self.orders.values():
            if (order.is_open and order.symbol == symbol
                    and order.client_order_id == client_order_id):
                return order
        return None

    def find_order(self, symbol: str, order_id: int | None,
                   client_order_id: str | None) -> Order | None:
        """By orderId, else the most recent order carrying `client_order_id`."""
        if order_id is not None:
            order = self.orders.get(order_id)
            return order if order is not None and order.symbol == symbol else None
        for order in reversed(list(self.orders.values())):
            if order.symbol == symbol and order.client_order_id == client_order_id:
                return order
        return None

    def apply_fill(self, order: Order, price: Decimal, qty: Decimal, now_ms: int) -> None:
        """Book one taker fill: order totals, position, realized PnL and fee into the wallet."""
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
        fee = (price * qty * TAKER_FEE).quantize(Decimal("0.00000001"))
        self.wallet -= fee
        order.executed_qty += qty
        order.cum_quote += price * qty
        order.update_ms = now_ms
        self.fills.append(Fill(order.order_id, order.client_order_id, order.symbol, order.side,
                               qty, price, fee, now_ms))
