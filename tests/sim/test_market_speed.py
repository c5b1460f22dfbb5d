"""The local market's speed knob: price steps run `speed` times the wall clock."""
from __future__ import annotations

import pytest

from hedge.sim.price import STEP_MS, PriceProcess


def test_a_faster_market_takes_more_price_steps_on_the_same_path():
    normal = PriceProcess(seed=3, origin_ms=0)
    fast = PriceProcess(seed=3, origin_ms=0, speed=20)
    assert normal.step_index(10 * STEP_MS) == 10 and fast.step_index(10 * STEP_MS) == 200
    assert fast.mid("ETH", 10 * STEP_MS) == normal.mid("ETH", 200 * STEP_MS)   # same path, sooner


def test_speed_must_be_positive():
    with pytest.raises(ValueError, match="speed must be > 0"):
        PriceProcess(seed=1, speed=0)
