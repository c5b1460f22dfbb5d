"""The venue's perp markets, their integer grids, and the wire shapes that describe them.

Prices and sizes live as integer ticks and lots everywhere in the venue; these helpers are
the only place they turn into the fixed-decimal strings Lighter puts on the wire.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

QUOTE_DECIMALS = 6


@dataclass(frozen=True)
class MarketSpec:
    """One perp market: id, symbol, decimals and per-order minimums."""

    market_id: int
    symbol: str
    price_decimals: int
    size_decimals: int
    min_base_amount: Decimal
    min_quote_amount: Decimal
    default_initial_margin_fraction: int = 500

    @property
    def min_base_lots(self) -> int:
        return int(self.min_base_amount.scaleb(self.size_decimals))

    def price_str(self, ticks: int) -> str:
        return f"{Decimal(ticks).scaleb(-self.price_decimals):.{self.price_decimals}f}"

    def size_str(self, lots: int) -> str:
        return f"{Decimal(lots).scaleb(-self.size_decimals):.{self.size_decimals}f}"

    def price(self, ticks: int) -> Decimal:
        return Decimal(ticks).scaleb(-self.price_decimals)

    def size(self, lots: int) -> Decimal:
        return Decimal(lots).scaleb(-self.size_decimals)

    def quote(self, lots: int, ticks: int) -> Decimal:
        """Exact notional of `lots` at `ticks`, in USDC."""
        return Decimal(lots * ticks).scaleb(-(self.size_decimals + self.price_decimals))

    def to_ticks(self, price: float) -> int:
        """Convert a float price (from the price process) to ticks, once."""
        return int(Decimal(repr(price)).scaleb(self.price_decimals).to_integral_value())


# Ids, decimals and minimums as Lighter's mainnet lists them (orderBooks / market_stats).
MARKETS: dict[int, MarketSpec] = {
    0: MarketSpec(0, "ETH", 2, 4, Decimal("0.0050"), Decimal("10.000000")),
    1: MarketSpec(1, "BTC", 1, 5, Decimal("0.00020"), Decimal("10.000000")),
    2: MarketSpec(2, "SOL", 3, 3, Decimal("0.050"), Decimal("10.000000")),
    3: MarketSpec(3, "DOGE", 6, 0, Decimal("10"), Decimal("10.000000")),
    4: MarketSpec(4, "1000PEPE", 6, 0, Decimal("500"), Decimal("10.000000")),
}


def quote_str(amount: Decimal) -> str:
    return f"{amount:.{QUOTE_DECIMALS}f}"


def order_book_entry(spec: MarketSpec, status: str = "active") -> dict:
    """`/api/v1/orderBooks` row (field set of the 2026 mainnet capture plus the SDK model's).

    `status` is the venue's view (active, inactive, frozen, reduce_only): on the wire a frozen
    market is `active` with `is_frozen`, a reduce-only one carries it in orderBookDetails'
    `market_config.force_reduce_only`.
    """
    return {
        "symbol": spec.symbol, "market_id": spec.market_id, "market_type": "perp",
        "base_asset_id": 0, "quote_asset_id": 0,
        "status": "inactive" if status == "inactive" else "active",
        "taker_fee": "0.0000", "is_taker_fee_enabled": True,
        "maker_fee": "0.0000", "is_maker_fee_enabled": True, "liquidation_fee": "1.0000",
        "min_base_amount": f"{spec.min_base_amount}", "min_quote_amount": f"{spec.min_quote_amount}",
        "order_quote_limit": "281474976.710655",
        "supported_size_decimals": spec.size_decimals,
        "supported_price_decimals": spec.price_decimals,
        "supported_quote_decimals": QUOTE_DECIMALS,
        "created_at": "0", "multiplier": "1", "start_timestamp": 0, "end_timestamp": 0,
        "settlement_type": 0, "settlement_price": 0, "settlement_cap": 0, "outcome": 0,
        "default_price": 0, "operator_account_index": 0, "is_frozen": status == "frozen",
        "open_interest": "0",
    }


def order_book_detail(spec: MarketSpec, last_trade_price: Decimal, mark_price: Decimal,
                      status: str = "active") -> dict:
    """`/api/v1/orderBookDetails` row, shaped like nautilus_http_order_book_details_mainnet."""
    row = order_book_entry(spec, status)
    row.update({
        "size_decimals": spec.size_decimals, "price_decimals": spec.price_decimals,
        "quote_multiplier": 1,
        "default_initial_margin_fraction": spec.default_initial_margin_fraction,
        "min_initial_margin_fraction": 200, "maintenance_margin_fraction": 120,
        "closeout_margin_fraction": 80,
        "last_trade_price": float(last_trade_price),
        "daily_trades_count": 0, "daily_base_token_volume": 0.0, "daily_quote_token_volume": 0.0,
        "daily_price_low": float(last_trade_price), "daily_price_high": float(last_trade_price),
        "daily_price_change": 0.0, "open_interest": 0.0, "daily_chart": {},
        "market_config": {
            "market_margin_mode": 0, "insurance_fund_account_index": 281474976710655,
            "liquidation_mode": 0, "force_reduce_only": status == "reduce_only", "trading_hours": "",
            "funding_fee_discounts_enabled": False, "hidden": False, "rfq_enabled": True,
        },
        "strategy_index": 2,
        "funding_clamp_small": "0.0500", "funding_clamp_big": "4.0000",
        "base_interest_rate": "0.0000", "mark_price": str(mark_price),
        "index_price": str(mark_price), "market_flags": 0, "funding_premium_multiplier": "1",
    })
    return row
