"""The perpetuals the binance venue lists (one per local Lighter market) and exchangeInfo: ccxt
turns tickSize/stepSize into precision (TICK_SIZE mode) and MIN_NOTIONAL into limits.cost.min."""
from __future__ import annotations

from decimal import Decimal

from hedge.sim.hedge_venue.book import SymbolSpec

ORDER_TYPES = ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
               "TRAILING_STOP_MARKET"]
TIME_IN_FORCE = ["GTC", "IOC", "FOK", "GTX"]


SYMBOLS: dict[str, SymbolSpec] = {
    "ETHUSDT": SymbolSpec("ETHUSDT", "ETH", Decimal("0.01"), Decimal("0.001"), Decimal("0.001"),
                          Decimal("10000"), Decimal("2000"), Decimal("20"), 2, 3,
                          Decimal("0.8"), Decimal("0.5")),
    "BTCUSDT": SymbolSpec("BTCUSDT", "BTC", Decimal("0.10"), Decimal("0.001"), Decimal("0.001"),
                          Decimal("1000"), Decimal("120"), Decimal("100"), 2, 3,
                          Decimal("0.05"), Decimal("0.3")),
    "SOLUSDT": SymbolSpec("SOLUSDT", "SOL", Decimal("0.010"), Decimal("1"), Decimal("1"),
                          Decimal("1000000"), Decimal("5000"), Decimal("5"), 4, 0,
                          Decimal("40"), Decimal("0.5")),
    "DOGEUSDT": SymbolSpec("DOGEUSDT", "DOGE", Decimal("0.000010"), Decimal("1"), Decimal("1"),
                           Decimal("50000000"), Decimal("30000000"), Decimal("5"), 6, 0,
                           Decimal("30000"), Decimal("0.5")),
    "1000PEPEUSDT": SymbolSpec("1000PEPEUSDT", "1000PEPE", Decimal("0.0000001"), Decimal("1"),
                               Decimal("1"), Decimal("80000000"), Decimal("30000000"),
                               Decimal("5"), 7, 0, Decimal("800000"), Decimal("0.5")),
}


SYMBOL_CONSTANTS = {
    "contractType": "PERPETUAL", "deliveryDate": 4133404800000, "onboardDate": 1569398400000,
    "status": "TRADING", "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000"}
SYMBOL_LIMITS = {
    "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN",
    "underlyingSubType": [], "triggerProtect": "0.0500", "liquidationFee": "0.012500",
    "marketTakeBound": "0.05", "maxMoveOrderLimit": 10000}


def _symbol_info(spec: SymbolSpec) -> dict:
    return {"symbol": spec.symbol, "pair": spec.symbol} | SYMBOL_CONSTANTS | {
        "baseAsset": spec.base, "quoteAsset": spec.quote, "marginAsset": spec.quote,
        "pricePrecision": spec.price_precision, "quantityPrecision": spec.qty_precision,
    } | SYMBOL_LIMITS | {"filters": [
        {"filterType": "PRICE_FILTER", "minPrice": str(spec.tick), "maxPrice": "1000000",
         "tickSize": str(spec.tick)},
        {"filterType": "LOT_SIZE", "minQty": str(spec.min_qty), "maxQty": str(spec.max_qty),
         "stepSize": str(spec.step)},
        {"filterType": "MARKET_LOT_SIZE", "minQty": str(spec.min_qty),
         "maxQty": str(spec.market_max_qty), "stepSize": str(spec.step)},
        {"filterType": "MAX_NUM_ORDERS", "limit": 200},
        {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
        {"filterType": "MIN_NOTIONAL", "notional": str(spec.min_notional)},
        {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500",
         "multiplierDecimal": "4"},
    ], "orderTypes": ORDER_TYPES, "timeInForce": TIME_IN_FORCE}


def exchange_info(now_ms: int) -> dict:
    """GET /fapi/v1/exchangeInfo."""
    return {
        "timezone": "UTC", "serverTime": now_ms, "futuresType": "U_MARGINED", "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
             "limit": 2400},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
        ],
        "exchangeFilters": [],
        "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
        "symbols": [_symbol_info(spec) for spec in SYMBOLS.values()],
    }


def leverage_brackets() -> list[dict]:
    """GET /fapi/v1/leverageBracket: one bracket per symbol is enough for ccxt's margin maths."""
    return [{"symbol": s, "brackets": [{"bracket": 1, "initialLeverage": 125,
                                        "notionalCap": 1000000, "notionalFloor": 0,
                                        "maintMarginRatio": 0.004, "cum": 0.0}]}
            for s in SYMBOLS]
