"""The edges of two decisions: what a broken limit does to its market, and where the volume
quota's thresholds fall (a threshold is the first value on its own side)."""
from __future__ import annotations

import pytest

from hedge.core.quoting import QuotaPacing, quota_state
from hedge.core.risk import PAUSE_FOR_GOOD, PAUSE_UNTIL_CLEAR, STOP_ALL, limit_action


@pytest.mark.parametrize("reason, action", [
    ("hedge_halted (AuthenticationError)", STOP_ALL),
    ("unhedged_age (5001 ms > 5000 ms)", STOP_ALL),
    ("unhedged_size (0.11 > 0.1)", STOP_ALL),
    ("stale_stream (10001 ms without a frame)", PAUSE_UNTIL_CLEAR),
    ("hedge_failures (3 in a row)", PAUSE_UNTIL_CLEAR),
    ("loss (-50.01 < -50)", PAUSE_FOR_GOOD),
    ("position_mismatch (Lighter 0.01, fills seen 0)", PAUSE_FOR_GOOD),
])
def test_exposure_stops_the_run_a_lost_feed_pauses_until_clear_the_rest_for_good(reason, action):
    assert limit_action(reason) == action


def test_the_quota_thresholds_are_the_first_value_on_their_side():
    pacing = QuotaPacing(slow_below=300, pause_below=50)
    assert quota_state(300, pacing) == "ok"
    assert quota_state(299, pacing) == "slow"
    assert quota_state(50, pacing) == "slow"
    assert quota_state(49, pacing) == "paused"
    assert quota_state(0, QuotaPacing(slow_below=10, pause_below=1)) == "paused"
    assert quota_state(1, QuotaPacing(slow_below=10, pause_below=1)) == "slow"
