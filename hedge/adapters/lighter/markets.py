"""Lighter market metadata and the one place Decimal <-> venue integer conversion happens.

Signed orders carry integers: `BaseAmount = size * 10**size_decimals` and
`Price = price * 10**price_decimals`. An off-grid value cannot be signed, so the
exact converters refuse it loudly; callers that want to snap a value to the grid
use the rounding helpers, which say in which direction they round.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hedge.core.types import Side
from hedge.core.units import round_to_step

MAX_PRICE_INT = 2**32 - 1  # Price is a uint32 in the signer
MAX_SIZE_INT = 2**48 - 1


class UnknownMarketError(LookupError):
    """A symbol or market id the venue did not list."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketSpec:
    symbol: str
    market_id: int
    size_decimals: int
    price_decimals: int
    min_base: Decimal
    min_quote: Decimal
    market_type: str = "perp"
    status: str = "active"
    is_frozen: bool = False
    force_reduce_only: bool = False        # market_config.force_reduce_only

    @classmethod
    def from_details(cls, d: dict[str, Any]) -> MarketSpec:
        """Build from one `orderBookDetails` entry; ValueError names what is wrong."""
        if not isinstance(d, dict):
            raise ValueError(f"market details must be an object, got {type(d).__name__}")
        try:
            size_decimals = d.get("supported_size_decimals", d.get("size_decimals"))
            price_decimals = d.get("supported_price_decimals", d.get("price_decimals"))
            spec = cls(
                symbol=str(d["symbol"]),
                market_id=int(d["market_id"]),
                size_decimals=int(size_decimals),
                price_decimals=int(price_decimals),
                min_base=Decimal(str(d.get("min_base_amount", "0"))),
                min_quote=Decimal(str(d.get("min_quote_amount", "0"))),
                market_type=str(d.get("market_type", "perp")),
                status=str(d.get("status", "active")),
                is_frozen=bool(d.get("is_frozen") or False),
                force_reduce_only=bool((d.get("market_config") or {}).get("force_reduce_only")
                                       if isinstance(d.get("market_config"), dict) else False),
            )
        except (KeyError, TypeError, ArithmeticError, ValueError) as exc:
            raise ValueError(f"bad market details for {d.get('symbol', '?')!r}: {exc!r}") from None
        if not (0 <= spec.size_decimals <= 18 and 0 <= spec.price_decimals <= 18):
            raise ValueError(f"market {spec.symbol}: decimals out of range")
        return spec

    def why_not_quotable(self) -> str | None:
        """Why the venue would not take our quotes on this market (None: it would)."""
        if self.status != "active":
            return f"market {self.symbol} is {self.status} on Lighter"
        if self.is_frozen:
            return f"market {self.symbol} is frozen on Lighter"
        if self.force_reduce_only:
            return f"market {self.symbol} is reduce-only on Lighter (market_config.force_reduce_only)"
        return None

    @property
    def tick_size(self) -> Decimal:
        return Decimal(1).scaleb(-self.price_decimals)

    @property
    def lot_size(self) -> Decimal:
        return Decimal(1).scaleb(-self.size_decimals)

    # -- exact conversion ---------------------------------------------------------

    def price_to_int(self, price: Decimal) -> int:
        """Exact price ticks; ValueError if `price` is off the tick grid or out of range."""
        ticks = self._exact(price, self.price_decimals, "price", self.tick_size)
        if not 1 <= ticks <= MAX_PRICE_INT:
            raise ValueError(f"{self.symbol}: price {price} is outside 1..{MAX_PRICE_INT} ticks")
        return ticks

    def size_to_int(self, size: Decimal) -> int:
        """Exact size lots; ValueError if `size` is off the lot grid or out of range."""
        lots = self._exact(size, self.size_decimals, "size", self.lot_size)
        if not 1 <= lots <= MAX_SIZE_INT:
            raise ValueError(f"{self.symbol}: size {size} is outside 1..{MAX_SIZE_INT} lots")
        return lots

    def int_to_price(self, ticks: int) -> Decimal:
        return Decimal(_venue_int(ticks)).scaleb(-self.price_decimals)

    def int_to_size(self, lots: int) -> Decimal:
        return Decimal(_venue_int(lots)).scaleb(-self.size_decimals)

    def _exact(self, value: Decimal, decimals: int, what: str, step: Decimal) -> int:
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError(f"{self.symbol}: {what} must be a finite Decimal, got {value!r}")
        scaled = value.scaleb(decimals)
        if scaled != scaled.to_integral_value():
            raise ValueError(
                f"{self.symbol} (market {self.market_id}): {what} {value} is not a multiple of {step}; "
                f"round it first (round_price / floor_size)"
            )
        return int(scaled)

    # -- snapping to the grid -------------------------------------------------------

    def round_price(self, price: Decimal, side: Side, *, aggressive: bool = False) -> Decimal:
        """Snap a price to the tick grid for an order on `side`.

        Default (passive) rounds away from the touch: bids down, asks up, so
        rounding never makes a post-only order cross. `aggressive=True` rounds
        toward the touch (bids up, asks down), e.g. for an IOC limit.
        """
        return round_to_step(price, self.tick_size, up=(side is Side.SELL) != aggressive)

    def floor_size(self, size: Decimal) -> Decimal:
        """Largest lot multiple not above `size` (never trade more than asked)."""
        return round_to_step(size, self.lot_size, up=False)

    def meets_minimums(self, size: Decimal, price: Decimal) -> bool:
        """Venue per-order minimums: base size and quote notional."""
        return size >= self.min_base and size * price >= self.min_quote


def _venue_int(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"venue integer expected, got {value!r}")
    return value


class MarketCatalog:
    """Symbol <-> market id lookup over the venue's listed markets."""

    def __init__(self, specs: Iterable[MarketSpec]) -> None:
        self._by_id: dict[int, MarketSpec] = {}
        self._by_symbol: dict[str, MarketSpec] = {}
        for spec in specs:
            self._by_id[spec.market_id] = spec
            self._by_symbol[spec.symbol.upper()] = spec

    @classmethod
    def from_order_book_details(cls, response: dict[str, Any]) -> MarketCatalog:
        """From a whole `GET /api/v1/orderBookDetails` reply (perp and spot lists)."""
        if not isinstance(response, dict):
            raise ValueError("orderBookDetails reply must be an object")
        entries = list(response.get("order_book_details") or []) + list(
            response.get("spot_order_book_details") or []
        )
        return cls(MarketSpec.from_details(d) for d in entries)

    def by_symbol(self, symbol: str) -> MarketSpec:
        spec = self._by_symbol.get(symbol.upper())
        if spec is None:
            raise UnknownMarketError(f"unknown Lighter market {symbol!r}; known: {self._known()}")
        return spec

    def by_id(self, market_id: int) -> MarketSpec:
        spec = self._by_id.get(market_id)
        if spec is None:
            raise UnknownMarketError(f"unknown Lighter market id {market_id}; known: {self._known()}")
        return spec

    def symbols(self) -> list[str]:
        return sorted(spec.symbol for spec in self._by_id.values())

    def __contains__(self, symbol: object) -> bool:
        return isinstance(symbol, str) and symbol.upper() in self._by_symbol

    def __len__(self) -> int:
        return len(self._by_id)

    def _known(self) -> str:
        if not self._by_id:
            return "(none loaded)"
        return ", ".join(f"{s.symbol}={s.market_id}" for s in sorted(self._by_id.values(), key=lambda s: s.market_id))
