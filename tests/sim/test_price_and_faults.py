"""The shared price process and the fault knobs: determinism and refusals."""
from __future__ import annotations

import pytest

from hedge.sim.faults import (PROFILES, HedgeFaults, LighterFaults, UnknownFaultError, apply_knobs,
                              fault_profile)
from hedge.sim.price import STEP_MS, PriceProcess


def test_same_seed_same_path_whatever_the_query_order():
    a = PriceProcess(seed=11, origin_ms=0)
    b = PriceProcess(seed=11, origin_ms=0)
    late = a.mid("ETH", 500 * STEP_MS)
    early = a.mid("ETH", 10 * STEP_MS)
    assert b.mid("ETH", 10 * STEP_MS) == early
    assert b.mid("ETH", 500 * STEP_MS) == late


def test_seeds_differ_and_assets_are_independent():
    a = PriceProcess(seed=1, origin_ms=0)
    b = PriceProcess(seed=2, origin_ms=0)
    assert a.mid("ETH", 100 * STEP_MS) != b.mid("ETH", 100 * STEP_MS)
    assert a.mid("BTC", 100 * STEP_MS) > 10 * a.mid("ETH", 100 * STEP_MS)


def test_price_moves_but_stays_near_its_start_over_an_hour():
    p = PriceProcess(seed=5, origin_ms=0)
    hour_ms = 3_600_000
    prices = [p.mid("ETH", t) for t in range(0, hour_ms, 60_000)]
    assert len(set(prices)) > 50
    assert all(2400 < x < 3600 for x in prices)


def test_profile_copies_are_independent():
    chaos = fault_profile("chaos")
    chaos.hedge.next.append("drop")
    chaos.lighter.ws_disconnect_every_s = 1
    assert PROFILES["chaos"].hedge.next == []
    assert PROFILES["chaos"].lighter.ws_disconnect_every_s == 10.0


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(UnknownFaultError, match="known profiles: none, chaos"):
        fault_profile("meteor")


def test_knobs_are_type_checked_and_unknown_ones_refused():
    lighter = LighterFaults()
    apply_knobs(lighter, {"refuse_ws": True, "tx_latency_ms": 200})
    assert lighter.refuse_ws is True and lighter.tx_latency_ms == 200
    with pytest.raises(UnknownFaultError, match="unknown fault knob 'refuse_everything'"):
        apply_knobs(lighter, {"refuse_everything": True})
    with pytest.raises(UnknownFaultError, match="takes a bool"):
        apply_knobs(lighter, {"refuse_ws": "yes"})
    hedge = HedgeFaults()
    apply_knobs(hedge, {"next": ["502", "drop"], "http_429_prob": 0.5})
    assert hedge.next == ["502", "drop"] and hedge.http_429_prob == 0.5
