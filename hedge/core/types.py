"""Domain values shared by the pure core and the venue adapters.

Frozen dataclasses, Decimal for prices and sizes, units in field names. Order
statuses stay plain strings on the wire objects so that a status the venue adds
tomorrow never breaks parsing; the helpers below classify them.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from hedge.core.units import decimal_text

ZERO = Decimal(0)


class Side(enum.Enum):
    """Order side. Lighter says `is_ask`; everything above the wire says Side."""

    BUY = "buy"
    SELL = "sell"

    @classmethod
    def from_is_ask(cls, is_ask: bool) -> Side:
        return cls.SELL if is_ask else cls.BUY

    @property
    def is_ask(self) -> bool:
        return self is Side.SELL

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell: position change per unit filled."""
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderStatus(enum.StrEnum):
    """The 17 Lighter order statuses, in the venue's numeric order (0..16)."""

    IN_PROGRESS = "in-progress"
    PENDING = "pending"
    OPEN = "open"
    FILLED = "filled"
    CANCELED = "canceled"
    CANCELED_POST_ONLY = "canceled-post-only"
    CANCELED_REDUCE_ONLY = "canceled-reduce-only"
    CANCELED_POSITION_NOT_ALLOWED = "canceled-position-not-allowed"
    CANCELED_MARGIN_NOT_ALLOWED = "canceled-margin-not-allowed"
    CANCELED_TOO_MUCH_SLIPPAGE = "canceled-too-much-slippage"
    CANCELED_NOT_ENOUGH_LIQUIDITY = "canceled-not-enough-liquidity"
    CANCELED_SELF_TRADE = "canceled-self-trade"
    CANCELED_EXPIRED = "canceled-expired"
    CANCELED_OCO = "canceled-oco"
    CANCELED_CHILD = "canceled-child"
    CANCELED_LIQUIDATION = "canceled-liquidation"
    CANCELED_INVALID_BALANCE = "canceled-invalid-balance"


ORDER_STATUSES: tuple[str, ...] = tuple(s.value for s in OrderStatus)


def is_terminal(status: str) -> bool:
    """True for `filled` and every `canceled*`, including canceled variants not listed yet.

    Treating only `canceled` as final is a known bug in other bots: a post-only
    reject (`canceled-post-only`) or an expiry would otherwise look live forever.
    """
    if not isinstance(status, str):
        return False
    s = status.strip().lower()
    return s == "filled" or s.startswith("canceled") or s.startswith("cancelled")


def is_live(status: str) -> bool:
    """True while the order can still fill: in-progress, pending, open."""
    return status in ("in-progress", "pending", "open")


@dataclass(frozen=True, slots=True)
class BookLevel:
    price: Decimal
    size: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderUpdate:
    """One order as reported by an account orders frame: full state, cumulative fills.

    `timestamp` is kept as the venue sent it (seconds in 2025 captures, ms in 2026
    docs); `timestamp_ms` is the same instant normalised to milliseconds.
    """

    order_index: int
    client_order_index: int
    market_id: int
    status: str
    is_ask: bool
    initial_base: Decimal
    remaining_base: Decimal
    filled_base: Decimal
    filled_quote: Decimal
    price: Decimal
    timestamp: int = 0
    timestamp_ms: int = 0
    order_type: str = ""
    time_in_force: str = ""
    reduce_only: bool = False

    @property
    def side(self) -> Side:
        return Side.from_is_ask(self.is_ask)

    @property
    def is_terminal(self) -> bool:
        return is_terminal(self.status)


@dataclass(frozen=True, slots=True, kw_only=True)
class FillDelta:
    """One rise of an order's cumulative filled size: the unit the bot hedges.

    `key` = (order_index, cumulative filled base after this fill) identifies it
    exactly once however often the venue repeats the frame.
    """

    order_index: int
    client_order_index: int
    market_id: int
    is_ask: bool
    size: Decimal
    price: Decimal
    cum_filled_base: Decimal
    cum_filled_quote: Decimal
    status: str
    timestamp_ms: int = 0

    @property
    def key(self) -> tuple[int, Decimal]:
        return (self.order_index, self.cum_filled_base)

    @property
    def fill_id(self) -> str:
        """Stable text form of `key`, e.g. '7036874567915800-1' (trailing zeros dropped)."""
        return fill_key_text(self.order_index, self.cum_filled_base)

    @property
    def side(self) -> Side:
        return Side.from_is_ask(self.is_ask)


@dataclass(frozen=True, slots=True, kw_only=True)
class Trade:
    """One executed trade (public or account channel). `timestamp_ms` is ms.

    Fees are the venue's integers in ppm of notional (20 = 0.2 bp); absent = 0.
    """

    trade_id: int
    market_id: int
    size: Decimal
    price: Decimal
    usd_amount: Decimal
    ask_id: int
    bid_id: int
    ask_account_id: int
    bid_account_id: int
    is_maker_ask: bool
    timestamp_ms: int = 0
    trade_type: str = "trade"
    ask_client_id: int = 0
    bid_client_id: int = 0
    maker_fee_ppm: int = 0
    taker_fee_ppm: int = 0

    @property
    def taker_side(self) -> Side:
        """The aggressor: maker was the ask => taker bought."""
        return Side.BUY if self.is_maker_ask else Side.SELL

    def own_order_indexes(self, account_index: int) -> tuple[int, ...]:
        """Order indexes of `account_index` in this trade (two on a self-trade)."""
        out: list[int] = []
        if self.ask_account_id == account_index:
            out.append(self.ask_id)
        if self.bid_account_id == account_index:
            out.append(self.bid_id)
        return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Position:
    """A perp position; `size` is signed (venue sends magnitude plus `sign`)."""

    market_id: int
    size: Decimal
    avg_entry_price: Decimal = ZERO
    symbol: str = ""
    unrealized_pnl: Decimal = ZERO
    realized_pnl: Decimal = ZERO


def fill_key_text(order_index: int, cum_filled_base: Decimal) -> str:
    """The text of a fill key (order index, cumulative filled): '12-1.5' for (12, 1.50).

    Journal rows, trades.csv, the log lines and FillDelta.fill_id all use this one form.
    """
    return f"{order_index}-{decimal_text(cum_filled_base)}"
