"""The hedge venue as the strategy sees it: hedge a fill, look an order up, read positions."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Protocol


class HedgeStatus(enum.Enum):
    FILLED = "filled"          # the whole amount traded
    PARTIAL = "partial"        # some traded; attempts ran out or the book was too thin
    REJECTED = "rejected"      # the venue (or a pre-check) refused; nothing traded
    UNRESOLVED = "unresolved"  # outcome unknown after every lookup: the position backstop decides
    HALTED = "halted"          # credentials or setup broken; stop hedging


@dataclass(frozen=True)
class HedgeRequest:
    """Hedge `amount` (signed base: + buy, - sell) for the fill keyed `fill_key`."""

    symbol: str
    amount: Decimal
    fill_key: tuple[int, Decimal]
    fill_seen_ns: int = 0  # time.perf_counter_ns() when the frame carrying the fill was read
    reduce_only: bool = False  # shrinks the hedge position: exempt from the minimum notional
    #                            where the venue's rules verified it (pad_small_hedges_ok)
    first_attempt: int = 0     # > 0 when hedging again what an earlier hedge of this fill left
    # The hedge venue position the journal expects before this hedge: what proves a resend
    # safe (None: the venue reads it before the first send).
    position_before: Decimal | None = None
    # Called with each client id before its first send: the write-ahead journal hook.
    before_send: Callable[[str, Decimal], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class HedgeTiming:
    """perf_counter_ns stamps: the request handed to the HTTP client, the answer parsed."""

    submit_ns: int
    ack_ns: int


@dataclass(frozen=True)
class HedgeLeg:
    """What one IOC (one client id) of a hedge did."""

    client_id: str
    status: HedgeStatus
    filled: Decimal                     # signed
    average_price: Decimal | None


@dataclass(frozen=True)
class HedgeOutcome:
    request: HedgeRequest
    status: HedgeStatus
    filled: Decimal                     # signed base actually traded
    average_price: Decimal | None
    client_ids: tuple[str, ...]         # every client id sent, in order
    reason: str = ""
    lookups: int = 0                    # ambiguous answers resolved by looking the order up
    timings: tuple[HedgeTiming, ...] = field(default_factory=tuple)
    legs: tuple[HedgeLeg, ...] = field(default_factory=tuple)
    book_age_ms: float | None = None    # age of the hedge book the first IOC was priced on

    @property
    def unfilled(self) -> Decimal:
        return self.request.amount - self.filled

    @property
    def fill_to_submit_ms(self) -> float | None:
        """Fill frame read -> first hedge request handed to the HTTP client."""
        if not self.timings or not self.request.fill_seen_ns:
            return None
        return (self.timings[0].submit_ns - self.request.fill_seen_ns) / 1e6

    @property
    def fill_to_ack_ms(self) -> float | None:
        """Fill frame read -> the first hedge answer parsed."""
        if not self.timings or not self.request.fill_seen_ns:
            return None
        return (self.timings[0].ack_ns - self.request.fill_seen_ns) / 1e6


@dataclass(frozen=True)
class MarketRules:
    """What the venue accepts for one symbol."""

    symbol: str
    amount_step: Decimal
    price_tick: Decimal
    min_amount: Decimal
    min_notional: Decimal


@dataclass(frozen=True)
class OrderLookup:
    client_id: str
    status: str            # ccxt unified: open, closed, canceled, expired, rejected
    filled: Decimal        # signed
    average_price: Decimal | None


class HedgeVenue(Protocol):
    async def start(self) -> None: ...
    def rules(self, symbol: str) -> MarketRules: ...
    async def submit_hedge(self, request: HedgeRequest) -> HedgeOutcome: ...
    async def refresh_book(self, symbol: str) -> object: ...
    async def watch_book(self, symbol: str) -> None: ...
    def book_age_ms(self, symbol: str) -> float | None: ...
    def executable_price(self, symbol: str, amount: Decimal, is_buy: bool) -> Decimal | None: ...
    def depth_base(self, symbol: str, is_buy: bool, within_bps: Decimal) -> Decimal | None: ...
    async def taker_fee_bps(self, symbol: str) -> Decimal: ...
    async def find_order(self, symbol: str, client_id: str) -> OrderLookup | None: ...
    async def position(self, symbol: str) -> Decimal: ...
    async def balance(self, asset: str) -> Decimal: ...
    async def close(self) -> None: ...
