"""The USDT perpetuals the bybit venue lists (bybit's real filters, 5 USDT `minNotionalValue`,
which ccxt leaves out of limits.cost) and the instruments-info rows ccxt parses."""
from __future__ import annotations

from decimal import Decimal

from hedge.sim.hedge_venue.book import SymbolSpec

CATEGORY = "linear"
CATEGORIES = ("spot", "linear", "inverse", "option")

# symbol, base, tick, step, min qty, max qty, market max qty, min notional, price and qty
# decimals, top level qty, level gap bps
SYMBOLS: dict[str, SymbolSpec] = {
    "ETHUSDT": SymbolSpec("ETHUSDT", "ETH", Decimal("0.01"), Decimal("0.01"), Decimal("0.01"),
                          Decimal("7240"), Decimal("724"), Decimal("5"), 2, 2,
                          Decimal("0.8"), Decimal("0.5")),
    "BTCUSDT": SymbolSpec("BTCUSDT", "BTC", Decimal("0.10"), Decimal("0.001"), Decimal("0.001"),
                          Decimal("1190"), Decimal("119"), Decimal("5"), 2, 3,
                          Decimal("0.05"), Decimal("0.3")),
}


def instrument_row(spec: SymbolSpec) -> dict:
    return {
        "symbol": spec.symbol, "contractType": "LinearPerpetual", "status": "Trading",
        "baseCoin": spec.base, "quoteCoin": spec.quote, "launchTime": "1585526400000",
        "deliveryTime": "0", "deliveryFeeRate": "", "priceScale": str(spec.price_precision),
        "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
        "priceFilter": {"minPrice": str(spec.tick), "maxPrice": "1999999.80",
                        "tickSize": str(spec.tick)},
        "lotSizeFilter": {"maxOrderQty": str(spec.max_qty), "minOrderQty": str(spec.min_qty),
                          "qtyStep": str(spec.step), "postOnlyMaxOrderQty": str(spec.max_qty),
                          "maxMktOrderQty": str(spec.market_max_qty),
                          "minNotionalValue": str(spec.min_notional)},
        "unifiedMarginTrade": True, "fundingInterval": 480, "settleCoin": spec.quote,
        "copyTrading": "both", "upperFundingRate": "0.005", "lowerFundingRate": "-0.005",
        "isPreListing": False, "preListingInfo": None,
        "riskParameters": {"priceLimitRatioX": "0.05", "priceLimitRatioY": "0.1"},
        "displayName": ""}


def instruments_info(category: str, symbol: str | None, status: str | None) -> dict:
    """GET /v5/market/instruments-info: linear rows; other categories and PreLaunch are empty."""
    rows = []
    if category == CATEGORY and status in (None, "Trading"):
        rows = [instrument_row(spec) for spec in SYMBOLS.values()
                if symbol in (None, spec.symbol)]
    return {"category": category, "list": rows, "nextPageCursor": ""}


def coin_rows() -> list[dict]:
    """GET /v5/asset/coin/query-info: ccxt's fetch_currencies reads coin, name and chains."""
    return [{"name": coin, "coin": coin, "remainAmount": "1000000", "chains": []}
            for coin in ("USDT", "ETH", "BTC")]
