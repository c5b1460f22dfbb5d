"""MarketSpec conversions: exact round-trips, off-grid refusal, directional rounding."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from hedge.adapters.lighter.markets import MarketCatalog, MarketSpec, UnknownMarketError
from hedge.core.types import Side
from tests.conftest import load_sample


@pytest.fixture
def eth() -> MarketSpec:
    return MarketCatalog.from_order_book_details(
        load_sample("nautilus_http_order_book_details_mainnet.json")).by_symbol("ETH")


def test_spec_from_real_details(eth):
    assert (eth.market_id, eth.size_decimals, eth.price_decimals) == (0, 4, 2)
    assert eth.min_base == D("0.0050") and eth.min_quote == D("10")
    assert eth.tick_size == D("0.01") and eth.lot_size == D("0.0001")


def test_round_trips(eth):
    assert eth.price_to_int(D("4050")) == 405000 and eth.size_to_int(D("0.1")) == 1000
    for price in (D("0.01"), D("2361.31"), D("4050.00"), D("99999.99")):
        assert eth.int_to_price(eth.price_to_int(price)) == price
    for size in (D("0.0001"), D("0.005"), D("12.3456")):
        assert eth.int_to_size(eth.size_to_int(size)) == size
    for ticks in (1, 236131, 2**32 - 1):
        assert eth.price_to_int(eth.int_to_price(ticks)) == ticks


@pytest.mark.parametrize("bad", [D("4050.001"), D("0.005"), D("0"), D("-1"), D("NaN"), D("Infinity"),
                                 D(2**32) / 100])
def test_price_off_grid_or_out_of_range_refused(eth, bad):
    with pytest.raises(ValueError, match="ETH"):
        eth.price_to_int(bad)


@pytest.mark.parametrize("bad", [D("0.00001"), D("0.12345"), D("0"), D("-0.1")])
def test_size_off_grid_refused(eth, bad):
    with pytest.raises(ValueError, match="ETH"):
        eth.size_to_int(bad)


def test_float_refused(eth):
    with pytest.raises(ValueError):
        eth.price_to_int(4050.0)
    with pytest.raises(ValueError):
        eth.int_to_price(True)


def test_rounding_direction(eth):
    p = D("4050.005")
    assert eth.round_price(p, Side.BUY) == D("4050.00")  # passive bid: down, away from the touch
    assert eth.round_price(p, Side.SELL) == D("4050.01")  # passive ask: up
    assert eth.round_price(p, Side.BUY, aggressive=True) == D("4050.01")
    assert eth.round_price(p, Side.SELL, aggressive=True) == D("4050.00")
    assert eth.round_price(D("4050.01"), Side.BUY) == D("4050.01")
    assert eth.floor_size(D("0.12349")) == D("0.1234")
    assert eth.size_to_int(eth.floor_size(D("0.12349"))) == 1234
    assert eth.meets_minimums(D("0.005"), D("2000")) and not eth.meets_minimums(D("0.004"), D("3000"))
    assert not eth.meets_minimums(D("0.005"), D("1000"))


def test_catalog_lookup_errors_list_known_markets():
    catalog = MarketCatalog([
        MarketSpec(symbol="ETH", market_id=0, size_decimals=4, price_decimals=2, min_base=D("0.005"), min_quote=D(10)),
        MarketSpec(symbol="BTC", market_id=1, size_decimals=5, price_decimals=1, min_base=D("0.0002"), min_quote=D(10)),
    ])
    assert catalog.by_symbol("btc").market_id == 1 and catalog.by_id(0).symbol == "ETH"
    assert "ETH" in catalog and len(catalog) == 2 and catalog.symbols() == ["BTC", "ETH"]
    with pytest.raises(UnknownMarketError, match="ETH=0, BTC=1"):
        catalog.by_symbol("DOGE")
    with pytest.raises(UnknownMarketError, match="known"):
        catalog.by_id(7)


def test_bad_details_raise_value_error():
    with pytest.raises(ValueError, match="SOL"):
        MarketSpec.from_details({"symbol": "SOL", "market_id": 2})
    with pytest.raises(ValueError):
        MarketSpec.from_details([])
