"""Kill-switch decisions."""
from decimal import Decimal as D

import pytest

from hedge.core.risk import RiskLimits, RiskSnapshot, kill_reason

LIMITS = RiskLimits(max_unhedged_base=D("0.1"), max_unhedged_age_ms=5000, max_hedge_failures=3,
                    stale_stream_ms=10_000, max_loss_quote=D("50"))
CALM = RiskSnapshot(unhedged_base=D("0.05"), oldest_unhedged_age_ms=20, consecutive_hedge_failures=0,
                    stream_silent_ms=100, pnl_quote=D("-1"))


def test_calm_state_keeps_running():
    assert kill_reason(CALM, LIMITS) is None


@pytest.mark.parametrize("change,reason", [
    ({"oldest_unhedged_age_ms": 5001}, "unhedged_age (5001 ms > 5000 ms)"),
    ({"unhedged_base": D("0.11")}, "unhedged_size (0.11 > 0.1)"),
    ({"consecutive_hedge_failures": 3}, "hedge_failures (3 in a row)"),
    ({"stream_silent_ms": 10_001}, "stale_stream (10001 ms without a frame)"),
    ({"pnl_quote": D("-50.01")}, "loss (-50.01 < -50)"),
    ({"halted_reason": "AuthenticationError"}, "hedge_halted (AuthenticationError)"),
])
def test_each_limit_trips_with_its_reason(change, reason):
    assert kill_reason(RiskSnapshot(**{**CALM.__dict__, **change}), LIMITS) == reason


def test_limits_are_not_tripped_at_their_edge():
    edge = RiskSnapshot(unhedged_base=D("0.1"), oldest_unhedged_age_ms=5000, consecutive_hedge_failures=2,
                        stream_silent_ms=10_000, pnl_quote=D("-50"))
    assert kill_reason(edge, LIMITS) is None
