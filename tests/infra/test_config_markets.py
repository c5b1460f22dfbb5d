"""`markets:` in the config: the single-market keys as a one-item list, every problem named by
item and key, per-market risk on top of the global limits."""
from __future__ import annotations

from decimal import Decimal

import pytest

from hedge.adapters.lighter.markets import MarketSpec
from hedge.app.settings import engine_settings
from hedge.infra.config import ConfigError, parse_config

ETH = {"lighter_market": "ETH", "hedge_symbol": "ETH/USDT:USDT"}
BTC = {"lighter_market": "BTC", "hedge_symbol": "BTC/USDT:USDT", "order_size": "0.002",
       "max_position": "0.02", "risk": {"max_unhedged_base": "0.01", "max_loss_quote": "5"}}


def problems(raw: dict) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse_config(raw)
    return err.value.problems


def test_the_single_market_keys_are_a_one_item_list():
    config = parse_config({"lighter": {"market": "SOL"}, "hedge": {"symbol": "SOL/USDT:USDT"},
                           "strategy": {"order_size": "1", "max_position": "5"},
                           "risk": {"max_unhedged_base": "2"}})
    (only,) = config.trading_markets
    assert (only.lighter_market, only.hedge_symbol, only.order_size, only.max_position) == (
        "SOL", "SOL/USDT:USDT", Decimal("1"), Decimal("5"))


def test_items_take_strategy_sizes_and_global_risk_unless_given():
    config = parse_config({"markets": [ETH, BTC], "strategy": {"order_size": "0.02"},
                           "risk": {"max_unhedged_age_ms": 4000}})
    eth, btc = config.trading_markets
    assert (eth.order_size, btc.order_size, btc.max_position) == (
        Decimal("0.02"), Decimal("0.002"), Decimal("0.02"))
    spec = MarketSpec(symbol="BTC", market_id=1, size_decimals=5, price_decimals=1,
                      min_base=Decimal("0.0002"), min_quote=Decimal(10))
    settings = engine_settings(config, spec, 7, btc)
    assert settings.hedge_symbol == "BTC/USDT:USDT"
    assert settings.quote.order_size == Decimal("0.002")
    assert settings.risk.max_unhedged_base == Decimal("0.01")      # its own
    assert settings.risk.max_loss_quote == Decimal("5")            # its own
    assert settings.risk.max_unhedged_age_ms == 4000               # the global one


def test_problems_name_the_item_and_the_key():
    found = problems({"markets": [ETH, {"lighter_market": "BTC", "order_size": "-1",
                                        "risk": {"max_loss_quote": 0, "max_unhedged": 1}}]})
    assert any(p.startswith("markets[1].hedge_symbol: missing") for p in found), found
    assert any(p.startswith("markets[1].order_size: got '-1'") for p in found), found
    assert any(p.startswith("markets[1].risk.max_loss_quote: got 0") for p in found), found
    assert any(p.startswith("markets[1].risk.max_unhedged: unknown key") for p in found), found
    assert not any(p.startswith("markets[0]") for p in found), found


def test_a_market_listed_twice_and_the_single_keys_beside_markets_are_refused():
    found = problems({"markets": [ETH, dict(ETH, hedge_symbol="ETH/USDC:USDC")]})
    assert any(p.startswith("markets[1].lighter_market: 'ETH' is already markets[0]'s")
               for p in found), found
    found = problems({"lighter": {"market": "ETH"}, "markets": [ETH]})
    assert any(p.startswith("lighter.market: given together with markets:") for p in found), found


def test_an_item_whose_limits_cannot_hold_its_order_size_is_refused():
    found = problems({"markets": [dict(BTC, order_size="0.05")]})
    assert any(p.startswith("markets[0].max_position: got 0.02") for p in found), found
    assert any(p.startswith("markets[0].risk.max_unhedged_base: got 0.01") for p in found), found


def test_markets_must_be_a_non_empty_list():
    assert problems({"markets": []})[0].startswith("markets: got [] (a list)")
    assert problems({"markets": {"ETH": 1}})[0].startswith("markets: got {'ETH': 1}")


def test_the_paper_multi_config_quotes_three_markets():
    from pathlib import Path

    from hedge.infra.config import load_config
    config = load_config(Path(__file__).resolve().parents[2] / "config" / "paper-multi.yaml")
    assert [m.lighter_market for m in config.trading_markets] == ["ETH", "BTC", "SOL"]
    assert [m.hedge_symbol for m in config.trading_markets] == [
        "ETH/USDT:USDT", "BTC/USDT:USDT", "SOL/USDT:USDT"]
