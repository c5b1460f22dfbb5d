"""The settings factory: every config value reaches the object that uses it, unchanged."""
from __future__ import annotations

from decimal import Decimal

from hedge.adapters.lighter.markets import MarketSpec
from hedge.app.settings import (engine_settings, hedge_venue_settings, lighter_request_budget,
                                lighter_tx_bucket)
from hedge.infra.config import parse_config
from hedge.infra.secret import Secret

SPEC = MarketSpec(symbol="ETH", market_id=0, size_decimals=4, price_decimals=2,
                  min_base=Decimal("0.005"), min_quote=Decimal(10))

CONFIG = parse_config({
    "lighter": {"dead_mans_switch_s": 900, "tx_rate_per_min": 120, "account_tier": "premium"},
    "hedge": {"symbol": "BTC/USDT:USDT", "max_slippage_bps": 7, "timeout_ms": 2500,
              "order_rate_per_s": 5, "order_burst": 2, "taker_fee_bps": "3.5",
              "exchange": "binanceusdm"},
    "strategy": {"pricing": "join", "order_size": "0.02", "min_profit_bps": "1.5",
                 "maker_fee_bps": "-0.2", "max_position": "0.3", "join_max_loss_bps": 11,
                 "sides": "ask"},
    "risk": {"max_unhedged_base": "0.07", "max_unhedged_age_ms": 4000, "max_hedge_failures": 5,
             "stale_stream_ms": 9000, "max_loss_quote": 40, "position_check_s": 3,
             "kill_on_mismatch": False},
})


def test_engine_settings_carry_each_value_from_config_and_market():
    s = engine_settings(CONFIG, SPEC, account_index=17)
    assert (s.spec, s.account_index, s.hedge_symbol) == (SPEC, 17, "BTC/USDT:USDT")
    q = s.quote
    assert (q.pricing, q.order_size, q.tick) == ("join", Decimal("0.02"), Decimal("0.01"))
    assert (q.min_profit_bps, q.maker_fee_bps, q.taker_fee_bps) == (
        Decimal("1.5"), Decimal("-0.2"), Decimal("3.5"))
    assert (q.max_position, q.join_max_loss_bps) == (Decimal("0.3"), Decimal(11))
    assert (q.quote_bid, q.quote_ask) == (False, True)
    r = s.risk
    assert (r.max_unhedged_base, r.max_unhedged_age_ms, r.max_hedge_failures) == (
        Decimal("0.07"), 4000, 5)
    assert (r.stale_stream_ms, r.max_loss_quote) == (9000, Decimal(40))
    assert (s.dead_mans_switch_s, s.taker_fee_bps) == (900, Decimal("3.5"))
    assert (s.position_check_s, s.kill_on_mismatch) == (3, False)


def test_hedge_venue_settings_take_the_burst_from_its_own_key():
    v = hedge_venue_settings(CONFIG, "http://127.0.0.1:9", Secret("k"), None)
    assert (v.exchange_id, v.base_url) == ("binanceusdm", "http://127.0.0.1:9")
    assert v.api_key.reveal() == "k" and v.api_secret.reveal() == ""
    assert (v.max_slippage_bps, v.timeout_ms) == (Decimal(7), 2500)
    assert (v.order_rate_per_s, v.order_burst) == (5, 2)


def test_lighter_tx_bucket_paces_at_the_configured_rate():
    bucket = lighter_tx_bucket(CONFIG)
    assert bucket.rate_per_s == 2 and bucket.burst == 4


def test_the_request_budget_follows_the_tier_and_the_tx_cap_is_optional():
    assert lighter_request_budget(CONFIG).tier == "premium"
    default = parse_config({})
    assert lighter_request_budget(default).tier == "standard"
    assert lighter_tx_bucket(default) is None
