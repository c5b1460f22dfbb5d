"""The USDT perpetuals the bybit venue lists (bybit's real filters, 5 USDT `minNotionalValue`,
which ccxt leaves out of limits.cost) and the instruments-info rows ccxt parses."""
from __future__ import annotations

from decimal import Decimal

from hedge.sim.hedge_venue.book import SymbolSpec

CATEGORY = "linear"
CATEGORIES = ("spot", "linear", "inverse", "option")

SYMBOLS: dict[str, SymbolSpec] = {
    "ETHUSDT": SymbolSpec("ETHUSDT", "ETH", tick=Decimal("0.01"), step=Decimal("0.01"),
                          min_qty=Decimal("0.01"), max_qty=Decimal("7240"),
                          market_max_qty=Decimal("724"), min_notional=Decimal("5"),
                          price_precision=2, qty_precision=2,
                          top_level_qty=Decimal("0.8"), level_gap_bps=Decimal("0.5")),
    "BTCUSDT": SymbolSpec("BTCUSDT", "BTC", tick=Decimal("0.10"), step=Decimal("0.001"),
                          min_qty=Decimal("0.001"), max_qty=Decimal("1190"),
                          market_max_qty=Decimal("119"), min_notional=Decimal("5"),
                          price_precision=2, qty_precision=3,
                          top_level_qty=Decimal("0.05"), level_gap_bps=Decimal("0.3")),
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
