"""The perpetuals the local Hyperliquid venue lists, and its price and size rules ("Tick and lot
size"): a size is a multiple of 10^-szDecimals; a price has at most 5 significant figures and
6 - szDecimals decimals, or is an integer. The tick follows the price, as ccxt derives it."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hedge.sim.hedge_venue.book import SymbolSpec

MAX_PERP_DECIMALS = 6
MAX_SIGNIFICANT_FIGURES = 5
MIN_ORDER_VALUE_USD = Decimal(10)


@dataclass(frozen=True)
class Perp:
    """One perpetual: Hyperliquid's meta fields, and the shape of the synthetic book."""

    name: str                  # the coin, also the PriceProcess asset
    asset: int                 # index in `meta.universe`, the `a` of an order
    sz_decimals: int
    max_leverage: int
    top_level_sz: Decimal      # size of the best level; deeper levels grow from it
    level_gap_bps: Decimal

    @property
    def lot(self) -> Decimal:
        return Decimal(1).scaleb(-self.sz_decimals)

    @property
    def max_price_decimals(self) -> int:
        return MAX_PERP_DECIMALS - self.sz_decimals

    def tick_at(self, price: Decimal) -> Decimal:
        """The finest valid price step near `price` (never finer than 1 for integer prices)."""
        five_figures = Decimal(1).scaleb(price.adjusted() - (MAX_SIGNIFICANT_FIGURES - 1))
        return min(Decimal(1), max(five_figures, Decimal(1).scaleb(-self.max_price_decimals)))

    def book_spec(self, mid: Decimal) -> SymbolSpec:
        """The shape the shared book builder needs, with the tick valid at `mid`."""
        return SymbolSpec(self.name, self.name, self.tick_at(mid), self.lot, self.lot,
                          Decimal(1_000_000), Decimal(1_000_000), MIN_ORDER_VALUE_USD,
                          self.max_price_decimals, self.sz_decimals, self.top_level_sz,
                          self.level_gap_bps)


# Asset indices as on Hyperliquid mainnet (BTC 0, ETH 1); szDecimals and max leverage likewise.
PERPS: dict[str, Perp] = {
    "BTC": Perp("BTC", 0, 5, 40, Decimal("0.05"), Decimal("0.3")),
    "ETH": Perp("ETH", 1, 4, 25, Decimal("0.8"), Decimal("0.5")),
}
BY_ASSET: dict[int, Perp] = {p.asset: p for p in PERPS.values()}


def price_is_valid(price: Decimal, perp: Perp) -> bool:
    if price <= 0:
        return False
    if price == price.to_integral_value():
        return True
    normalized = price.normalize()
    figures = len(normalized.as_tuple().digits)
    decimals = max(0, -normalized.as_tuple().exponent)   # type: ignore[operator]
    return figures <= MAX_SIGNIFICANT_FIGURES and decimals <= perp.max_price_decimals


def size_is_valid(size: Decimal, perp: Perp) -> bool:
    return size > 0 and size % perp.lot == 0


def wire_decimal(value: Decimal) -> str:
    """Hyperliquid's number strings: no exponent, at least one decimal ("0.0", "3000.5")."""
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"


def universe() -> list[dict]:
    """`meta.universe`, in asset-index order."""
    return [{"szDecimals": p.sz_decimals, "name": p.name, "maxLeverage": p.max_leverage,
             "marginTableId": p.max_leverage}
            for p in sorted(PERPS.values(), key=lambda p: p.asset)]
