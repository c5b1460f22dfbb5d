"""Typed Lighter WebSocket frames, as produced by `parse.parse_frame`.

One frozen dataclass per frame kind. Every message keeps the venue's `type` and
`channel` strings and the `recv_ns` the socket reader stamped, so that logs and
latency figures can be tied back to the raw frame. Data frames say whether they
were the subscription snapshot (`subscribed/...`) or an update.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hedge.core.types import BookLevel, OrderUpdate, Position, Trade

# Lighter's refusals of an account channel's auth (also seen on authenticated REST calls):
# 20001 the auth field is missing or malformed, 20013 the token is invalid or expired.
AUTH_MISSING_CODE = 20001
AUTH_INVALID_CODE = 20013
AUTH_ERROR_CODES = (AUTH_INVALID_CODE, AUTH_MISSING_CODE)


@dataclass(frozen=True, kw_only=True)
class Message:
    type: str = ""
    channel: str = ""
    recv_ns: int = 0


@dataclass(frozen=True, kw_only=True)
class Connected(Message):
    session_id: str = ""


@dataclass(frozen=True, kw_only=True)
class Ping(Message):
    """Server app-level ping: answer with {"type":"pong"} or be closed 1008."""


@dataclass(frozen=True, kw_only=True)
class Pong(Message):
    pass


@dataclass(frozen=True, kw_only=True)
class SubscriptionAck(Message):
    """A bare `subscribed` / `unsubscribed` reply (data snapshots are typed below)."""

    subscribed: bool = True


@dataclass(frozen=True, kw_only=True)
class OrderBookFrame(Message):
    market_id: int = 0
    asks: tuple[BookLevel, ...] = ()
    bids: tuple[BookLevel, ...] = ()
    nonce: int | None = None
    begin_nonce: int | None = None
    offset: int | None = None
    timestamp_ms: int | None = None
    malformed: tuple[str, ...] = ()      # levels that could not be read (the book resyncs)


@dataclass(frozen=True, kw_only=True)
class OrderBookSnapshot(OrderBookFrame):
    """`subscribed/order_book`: the whole book."""


@dataclass(frozen=True, kw_only=True)
class OrderBookUpdate(OrderBookFrame):
    """`update/order_book`: changed levels, absolute sizes, zero deletes."""


@dataclass(frozen=True, kw_only=True)
class AccountOrders(Message):
    """`account_orders` / `account_all_orders`: full state of changed orders.

    `orders` maps the market id string (as sent) to the orders of that market.
    `malformed` lists orders that could not be read, so one bad entry neither
    hides the good ones nor passes silently.
    """

    is_snapshot: bool = False
    account: int | None = None
    market_id: int | None = None
    orders: dict[str, tuple[OrderUpdate, ...]] = field(default_factory=dict)
    malformed: tuple[str, ...] = ()

    def all_orders(self) -> list[OrderUpdate]:
        return [order for orders in self.orders.values() for order in orders]


@dataclass(frozen=True, kw_only=True)
class AccountAll(Message):
    """`account_all`: positions (signed) and own trades; they arrive in separate frames."""

    is_snapshot: bool = False
    account: int | None = None
    positions: dict[int, Position] = field(default_factory=dict)
    trades: tuple[Trade, ...] = ()
    malformed: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class AccountPositions(Message):
    """`account_all_positions`: the account's positions (signed), by market."""

    is_snapshot: bool = False
    account: int | None = None
    positions: dict[int, Position] = field(default_factory=dict)
    malformed: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Height(Message):
    """`height`: the chain's block height (the bot only notes that it arrived)."""

    height: int | None = None


@dataclass(frozen=True, kw_only=True)
class AccountTrades(Message):
    """`account_all_trades`: own trades only."""

    is_snapshot: bool = False
    account: int | None = None
    trades: tuple[Trade, ...] = ()
    malformed: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Trades(Message):
    """Public `trade` channel; the snapshot holds the last 50 trades."""

    is_snapshot: bool = False
    market_id: int = 0
    trades: tuple[Trade, ...] = ()
    liquidation_trades: tuple[Trade, ...] = ()
    nonce: int | None = None
    malformed: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class MarketStat:
    market_id: int
    mark_price: Decimal | None = None
    index_price: Decimal | None = None
    last_trade_price: Decimal | None = None
    funding_rate: Decimal | None = None
    current_funding_rate: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class MarketStats(Message):
    is_snapshot: bool = False
    stats: dict[int, MarketStat] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Ticker(Message):
    """`ticker`: best bid/ask on every nonce that moves the book."""

    market_id: int = 0
    best_bid: BookLevel | None = None
    best_ask: BookLevel | None = None
    nonce: int | None = None


@dataclass(frozen=True, kw_only=True)
class UserStats(Message):
    is_snapshot: bool = False
    collateral: Decimal | None = None
    available_balance: Decimal | None = None
    portfolio_value: Decimal | None = None
    margin_usage: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class AccountTx(Message):
    """One executed tx of `account_tx`; `event_info` stays a JSON string (rarely needed)."""

    tx_hash: str = ""
    tx_type: int = 0
    status: int = 0
    event_info: str = ""


@dataclass(frozen=True, kw_only=True)
class AccountTxs(Message):
    is_snapshot: bool = False
    txs: tuple[AccountTx, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ErrorFrame(Message):
    """Any error shape: {"error":{code,message}}, top-level code/message, or a rejected sendtx."""

    code: int | None = None
    message: str = ""
    request_id: str = ""

    @property
    def is_auth_refusal(self) -> bool:
        """The venue refused the auth token of an account channel."""
        return self.code in AUTH_ERROR_CODES


@dataclass(frozen=True, kw_only=True)
class TxAck(Message):
    """jsonapi/sendtx(batch) accepted for sequencing (code 200); not yet executed."""

    request_id: str = ""
    tx_hashes: tuple[str, ...] = ()
    predicted_execution_time_ms: int | None = None
    volume_quota_remaining: int | None = None


@dataclass(frozen=True, kw_only=True)
class Noted(Message):
    """A channel the venue sends that the bot has no use for (pools, notifications, spot
    stats): known, so it is not reported as unexpected."""

    raw: Any = None


def dropped_entries(msg: Message) -> tuple[str, ...]:
    """The entries (orders, trades, positions, levels) of a frame that could not be read; the
    rest of the frame was."""
    return getattr(msg, "malformed", ()) or ()


@dataclass(frozen=True, kw_only=True)
class Unknown(Message):
    """A frame we do not understand; `raw` is what arrived, for the log."""

    raw: Any = None
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class Malformed(Unknown):
    """A known frame type whose payload could not be read; `reason` says why."""
