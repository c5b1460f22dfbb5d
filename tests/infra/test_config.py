"""Config loading: defaults, every kind of refusal, the shipped files, overrides."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from hedge.infra.config import ConfigError, load_config, parse_config
from hedge.infra.config_schema import FAULT_PROFILES

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


def refusal(raw, overrides=None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, overrides)
    return caught.value


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(text)
    return path


def test_minimal_file_gives_documented_defaults(tmp_path):
    config = load_config(write(tmp_path, "mode: paper\n"))
    assert (config.mode, config.duration_s) == ("paper", 60.0)
    assert config.lighter.url == "sim" and config.lighter.market == "ETH"
    assert config.lighter.account_index is None and config.lighter.api_key_index is None
    assert (config.lighter.auth_token_lifetime_s, config.lighter.dead_mans_switch_s) == (600, 300)
    assert (config.lighter.ws_keepalive_s, config.lighter.ws_silence_timeout_s) == (20, 30)
    assert config.lighter.tx_rate_per_min is None
    assert config.lighter.account_tier == "standard"
    assert (config.hedge.exchange, config.hedge.url, config.hedge.symbol) == (
        "binanceusdm", "sim", "ETH/USDT:USDT")
    assert config.hedge.max_slippage_bps == Decimal(10) and config.hedge.timeout_ms == 3000
    assert config.hedge.taker_fee_bps == Decimal("4.0") and config.hedge.order_rate_per_s == 10
    assert config.strategy.pricing == "profit" and config.strategy.sides == "both"
    assert config.strategy.min_quote_lifetime_ms == 500
    assert config.risk.kill_on_mismatch is True and config.risk.max_hedge_failures == 3
    assert (config.sim.seed, config.sim.faults) == (1, "none")
    assert (config.logging.level, config.logging.dir, config.logging.retention_runs) == (
        "INFO", "logs", 20)


def test_empty_file_is_the_paper_default(tmp_path):
    assert load_config(write(tmp_path, "")) == parse_config({})


def test_config_is_frozen():
    config = parse_config({})
    with pytest.raises(AttributeError):
        config.mode = "live"  # type: ignore[misc]


def test_decimals_from_strings_and_numbers_are_exact():
    config = parse_config({"strategy": {"order_size": 0.1, "max_position": "0.30"},
                           "risk": {"max_unhedged_base": 0.1}})
    assert config.strategy.order_size == Decimal("0.1")
    assert str(config.strategy.max_position) == "0.30"


def test_shipped_paper_config_loads():
    config = load_config(CONFIG_DIR / "paper.yaml")
    assert config.mode == "paper" and config.lighter.is_sim and config.hedge.is_sim


def test_shipped_live_example_validates_as_live():
    config = load_config(CONFIG_DIR / "live.example.yaml")
    assert config.is_live
    assert config.lighter.base_url == "https://mainnet.zklighter.elliot.ai"
    assert config.hedge.url == "real" and config.hedge.base_url is None
    assert config.hedge.exchange == "binanceusdm"


def test_unknown_key_names_path_and_closest_valid_key():
    error = refusal({"strategy": {"order_sise": "1"}})
    assert error.problems == ["strategy.order_sise: unknown key; did you mean 'strategy.order_size'?"]


def test_unknown_key_without_close_match_lists_valid_keys():
    error = refusal({"zzz": 1})
    assert "zzz: unknown key; valid keys here: mode, duration_s, lighter" in str(error)


def test_credential_pasted_into_config_is_refused_without_echoing_it():
    error = refusal({"lighter": {"private_key": "0xPLANTEDSECRET"}})
    assert "lighter.private_key: unknown key" in str(error)
    assert "LIGHTER_API_PRIVATE_KEY" in str(error)
    assert "PLANTEDSECRET" not in str(error) and "PLANTEDSECRET" not in repr(error)


@pytest.mark.parametrize("raw, expected", [
    ({"strategy": {"order_size": "abc"}},
     "strategy.order_size: got 'abc' (text); allowed: a decimal > 0"),
    ({"strategy": {"order_size": True}},
     "strategy.order_size: got True (a boolean); allowed: a decimal > 0"),
    ({"hedge": {"timeout_ms": "fast"}},
     "hedge.timeout_ms: got 'fast' (text); allowed: an integer from 100 to 60000"),
    ({"risk": {"kill_on_mismatch": "yes please"}},
     "risk.kill_on_mismatch: got 'yes please' (text); allowed: true or false"),
    ({"lighter": {"account_index": 1.5}},
     "lighter.account_index: got 1.5 (a number); allowed: an integer >= 0 or null"),
    ({"lighter": "mainnet"},
     "lighter: got 'mainnet' (text); allowed: a mapping of lighter settings"),
])
def test_wrong_type_names_path_value_and_allowed(raw, expected):
    assert expected in str(refusal(raw))


@pytest.mark.parametrize("raw, expected", [
    ({"strategy": {"order_size": "0"}}, "strategy.order_size: got '0' (text); allowed: a decimal > 0"),
    ({"duration_s": -1}, "duration_s: got -1 (an integer); allowed: a number of seconds >= 0"),
    ({"lighter": {"auth_token_lifetime_s": 30}},
     "lighter.auth_token_lifetime_s: got 30 (an integer); allowed: an integer from 60 to 28800"),
    ({"lighter": {"dead_mans_switch_s": 120}},
     "lighter.dead_mans_switch_s: got 120 (an integer); allowed: an integer from 300 to 1296000 "
     "(Lighter's scheduled cancel-all needs at least 5 minutes)"),
    ({"hedge": {"max_slippage_bps": 501}},
     "hedge.max_slippage_bps: got 501 (an integer); allowed: a decimal from 0 to 500"),
    ({"mode": "lve"}, "mode: got 'lve' (text); allowed: one of paper, live (did you mean 'live'?)"),
    ({"strategy": {"sides": "bids"}}, "allowed: one of both, bid, ask (did you mean 'bids'"[:40]),
])
def test_out_of_range_names_path_value_and_allowed(raw, expected):
    assert expected in str(refusal(raw))


@pytest.mark.parametrize("section, url", [
    ("lighter", "ftp://example.com"), ("lighter", "mainnet.zklighter.elliot.ai"),
    ("hedge", "nowhere"), ("lighter", "real"),
])
def test_bad_url_is_refused(section, url):
    error = refusal({section: {"url": url}})
    assert f"{section}.url: got {url!r} (text); allowed:" in str(error)


def test_live_mode_refuses_sim_on_both_venues_and_says_how():
    error = refusal({"mode": "live"})
    assert len(error.problems) == 2
    assert error.problems[0].startswith("lighter.url: 'sim' is the local simulator")
    assert "set lighter.url to mainnet, testnet or a base URL" in error.problems[0]
    assert "set hedge.url: real" in error.problems[1]


@pytest.mark.parametrize("section, url", [
    ("lighter", "mainnet"), ("lighter", "testnet"), ("lighter", "https://example.com"),
    ("hedge", "real"), ("hedge", "http://10.0.0.5:8080"),
])
def test_paper_mode_refuses_non_loopback_urls(section, url):
    error = refusal({section: {"url": url}})
    assert error.problems[0].startswith(f"{section}.url: got ")
    assert "paper config can never send traffic to a real venue" in error.problems[0]


@pytest.mark.parametrize("url", ["http://127.0.0.1:9000", "http://localhost:1", "http://[::1]:5"])
def test_paper_mode_accepts_loopback_urls(url):
    config = parse_config({"lighter": {"url": url}, "hedge": {"url": url + "/"}})
    assert config.lighter.base_url == url and config.hedge.base_url == url


def test_max_position_below_order_size_is_refused():
    error = refusal({"strategy": {"order_size": "1", "max_position": "0.5"},
                     "risk": {"max_unhedged_base": "2"}})
    assert error.problems == ["strategy.max_position: got 0.5; allowed: >= strategy.order_size "
                              "(1), or no order could be placed"]


def test_unhedged_limit_below_order_size_is_refused():
    error = refusal({"strategy": {"order_size": "0.1"}, "risk": {"max_unhedged_base": "0.05"}})
    assert error.problems[0].startswith("risk.max_unhedged_base: got 0.05; allowed: >= ")


def test_silence_timeout_must_exceed_keepalive():
    error = refusal({"lighter": {"ws_keepalive_s": 30, "ws_silence_timeout_s": 30}})
    assert error.problems[0].startswith("lighter.ws_silence_timeout_s: got 30.0; allowed: > ")


def test_several_problems_are_reported_together():
    error = refusal({"mode": "live", "duration_s": "long", "strategy": {"ordr_size": 1},
                     "risk": {"max_hedge_failures": 0}, "lighter": {"market": ""}})
    paths = sorted(problem.split(":")[0] for problem in error.problems)
    assert paths == ["duration_s", "hedge.url", "lighter.market", "risk.max_hedge_failures",
                     "strategy.ordr_size"]
    assert str(error).startswith("config: 5 problems\n  - ")


def test_overrides_are_validated_like_the_file(tmp_path):
    path = write(tmp_path, "duration_s: 60\nsim:\n  faults: none\n")
    config = load_config(path, {"duration_s": 0, "sim.faults": "chaos", "logging.level": None})
    assert (config.duration_s, config.sim.faults, config.logging.level) == (0.0, "chaos", "INFO")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {"duration_s": -5, "sim.faults": "chas", "sim.fault": "x"})
    text = str(caught.value)
    assert "duration_s (override): got -5" in text
    assert "sim.faults (override): got 'chas' (text)" in text and "did you mean 'chaos'?" in text
    assert "sim.fault (override): unknown key; did you mean 'sim.faults'?" in text


def test_missing_file_says_how_to_fix(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    assert "nope.yaml: 1 problem" in str(caught.value)
    assert "file not found; pass --config PATH" in str(caught.value)


def test_invalid_yaml_names_the_line(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "mode: paper\nlighter:\n  url: [sim\n"))
    assert "not valid YAML at line" in str(caught.value)


def test_non_mapping_file_is_refused(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "- mode\n- paper\n"))
    assert "must be a YAML mapping of keys to values" in str(caught.value)
    assert "got a list" in str(caught.value)


def test_fault_profile_names_match_the_sim():
    from hedge.sim.faults import PROFILES
    assert set(FAULT_PROFILES) == set(PROFILES)


def test_account_tier_defaults_to_standard_and_refuses_unknown_tiers():
    assert "lighter.account_tier: got 'gold' (text); allowed: one of standard, premium" in str(
        refusal({"lighter": {"account_tier": "gold"}}))


def test_tx_rate_must_fit_under_the_tier_budget():
    error = refusal({"lighter": {"tx_rate_per_min": 55}})
    assert error.problems == ["lighter.tx_rate_per_min: got 55; allowed: <= 50 on a standard "
                              "account (its request budget, reads included); lower it, remove "
                              "it, or set lighter.account_tier"]
    assert parse_config({"lighter": {"tx_rate_per_min": 55, "account_tier": "premium"}}) \
        .lighter.tx_rate_per_min == 55


def test_rate_window_is_for_paper_tests_only_and_shapes_the_budget():
    from hedge.app.settings import lighter_request_budget, lighter_tx_bucket
    config = parse_config({"lighter": {"rate_window_s": 6, "tx_rate_per_min": 30}})
    assert lighter_request_budget(config).window_s == 6
    assert lighter_tx_bucket(config).rate_per_s == 5    # 30 per (shortened) minute of 6 s
    assert lighter_request_budget(parse_config({})).window_s == 60
    error = refusal({"mode": "live", "lighter": {"url": "mainnet", "rate_window_s": 6},
                     "hedge": {"url": "real"}})
    assert error.problems == ["lighter.rate_window_s: got 6; it shortens the request budget's "
                              "minute for tests against the local venue and is refused outside "
                              "paper mode (a real venue counts a whole minute); remove it"]
