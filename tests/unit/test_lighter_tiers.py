"""What each Lighter account tier is owed by the venue, as the local venue and the lab read it:
latencies per lane, endpoint weights, the per-endpoint caps of an unweighted tier, fees."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from hedge.core.lighter_tiers import (TIERS, UnknownTierError, endpoint_cap, endpoint_weight,
                                      fee_usdc, tier_named)

STANDARD, PREMIUM = TIERS["standard"], TIERS["premium"]


def test_each_lane_has_its_own_latency_per_tier():
    assert [STANDARD.latency_ms(lane) for lane in ("maker", "cancel", "taker")] == [200, 200, 300]
    assert [PREMIUM.latency_ms(lane) for lane in ("maker", "cancel", "taker")] == [0, 0, 200]
    fast_cancel = replace(STANDARD, cancel_latency_ms=7)
    assert fast_cancel.latency_ms("cancel") == 7 and fast_cancel.latency_ms("maker") == 200


def test_a_tier_is_found_by_name_and_an_unknown_name_lists_the_allowed_ones():
    assert tier_named("premium") is PREMIUM
    assert tier_named("standard") is STANDARD
    with pytest.raises(UnknownTierError) as caught:
        tier_named("gold")
    assert str(caught.value) == "unknown tier 'gold'; allowed tiers: standard, premium"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_endpoint_weights_follow_the_table_and_the_heavy_prefixes():
    assert endpoint_weight("sendTx") == 6
    assert endpoint_weight("trades") == 600
    assert endpoint_weight("changeAccountTier") == 3000
    assert endpoint_weight("tokens/ETH") == 3000
    assert endpoint_weight("referral/code") == 3000
    assert endpoint_weight("account") == 300          # not listed: the default weight


def test_an_unweighted_tier_is_capped_per_endpoint_only_below_its_own_cap():
    assert endpoint_cap(PREMIUM, "changeAccountTier") is None     # weighted: no such cap
    assert endpoint_cap(STANDARD, "sendTx") is None               # 24000 / 6 = 4000 > 60
    assert endpoint_cap(STANDARD, "changeAccountTier") == 8       # 24000 / 3000
    assert endpoint_cap(STANDARD, "trades") == 40                 # 24000 / 600
    assert type(endpoint_cap(STANDARD, "transferFeeInfo")) is int  # a count of requests: 48
    at_cap = replace(STANDARD, requests_per_window=80)             # 24000 / 300 = 80
    assert endpoint_cap(at_cap, "account") is None
    assert endpoint_cap(replace(STANDARD, requests_per_window=81), "account") == 80


def test_a_fee_in_parts_per_million_of_the_notional():
    assert fee_usdc(D("1000"), 40) == D("0.04")
    assert fee_usdc(D("2500"), 280) == D("0.7")
    assert fee_usdc(D("1000"), 0) == 0
