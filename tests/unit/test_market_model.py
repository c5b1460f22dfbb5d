"""The market model: seeded streams, the model file's refusals, queue priority, the cancel race."""
from __future__ import annotations

import pytest

from hedge.market.model_file import (MarketModel, ModelFileError, load_model, model_from_dict,
                                     with_changes)
from hedge.market.simulation import MarketSimulation

QUIET = with_changes(MarketModel(), fair={"vol_bps_per_sqrt_s": 0.0},
                     lighter={"lag_ms": 0.0, "basis_sd_bps": 0.0},
                     uninformed={"per_s": 0.0}, informed={"per_s_max": 0.0})


def run(sim: MarketSimulation, until_ms: int):
    events = []
    for t in range(100, until_ms + 1, 100):
        events += sim.advance_to(t)
    return events


def test_same_seed_same_market_whatever_the_orders():
    a = MarketSimulation(MarketModel(), seed=3)
    b = MarketSimulation(MarketModel(), seed=3)
    b.place(0, 1, False, b.lighter_book.best_bid_ticks - 5, 10)
    run(a, 60_000)
    run(b, 60_000)
    assert a.fair == b.fair and a.basis.bps == b.basis.bps
    assert MarketSimulation(MarketModel(), seed=4).fair_path.advance() != a.fair_path.steps_ago(599)


def test_unknown_key_is_refused_by_name(tmp_path):
    with pytest.raises(ModelFileError, match="model.lighter.spread"):
        model_from_dict({"model": {"lighter": {"spread": 1}}})
    with pytest.raises(ModelFileError, match="model.fair.vol_bps_per_sqrt_s: must be >= 0"):
        model_from_dict({"model": {"fair": {"vol_bps_per_sqrt_s": -1}}})
    path = tmp_path / "m.yaml"
    path.write_text("model:\n  stepms: 100\n")
    with pytest.raises(ModelFileError, match="unknown key model.stepms"):
        load_model(path)


def test_presets_load():
    for name in ("default", "eth-tight", "alt-wide", "toxic"):
        assert load_model(f"config/models/{name}.yaml").step_ms == 100


def test_background_depth_at_our_price_fills_first():
    sim = MarketSimulation(with_changes(QUIET, uninformed={"per_s": 50.0}), seed=1)
    bid = sim.lighter_book.best_bid_ticks
    sim.place(0, 1, False, bid, 10)          # at the background's best: behind its depth
    sim.place(0, 2, False, bid + 1, 10)      # better than the background: first in line
    events = [e for e in run(sim, 5_000) if e.kind == "fill"]
    first_fill = {e.order_id: i for i, e in reversed(list(enumerate(events)))}
    assert 2 in first_fill
    assert 1 not in first_fill or first_fill[2] < first_fill[1]


def fills_after_cancel(tier: str, cancel_after_ms: int) -> list[str]:
    """An ask far through the fair, then a cancel `cancel_after_ms` after it rests."""
    model = with_changes(QUIET, informed={"per_s_max": 1000.0, "threshold_bps": 1.0})
    sim = MarketSimulation(model, seed=1, tier=tier)
    sim.place(0, 1, True, sim.lighter_book.best_bid_ticks + 1, 10)   # far under the fair
    sim.advance_to(sim.tier.maker_latency_ms)
    assert sim.lighter_book.orders
    events = sim.advance_to(sim.t_ms + cancel_after_ms)
    sim.cancel(sim.t_ms, 1)
    return [e.taker for e in events + run(sim, 3_000) if e.kind == "fill"]


@pytest.mark.parametrize("tier", ["standard", "premium"])
def test_a_cancel_landing_first_beats_the_informed_taker(tier):
    assert fills_after_cancel(tier, 0) == []            # cancel lands before the taker
    assert fills_after_cancel(tier, 600) == ["informed"]


def test_our_hedge_depletes_the_hedge_book_and_it_refills():
    sim = MarketSimulation(with_changes(QUIET, hedge={"level_base": 1.0, "refill_ms": 1000.0}),
                           seed=1)
    _, first = sim.hedge_price(1.0, is_buy=True)
    assert sim.hedge_take(1.0, is_buy=True) == (1.0, first)
    _, emptied = sim.hedge_price(1.0, is_buy=True)
    assert emptied > first                         # the best level is gone: the next one
    sim.advance_to(500)
    _, half = sim.hedge_price(1.0, is_buy=True)
    assert first < half < emptied                  # half refilled
    sim.advance_to(1000)
    assert sim.hedge_price(1.0, is_buy=True)[1] == pytest.approx(first)
    assert sim.hedge_price(1.0, is_buy=False)[1] < first    # the other side never moved


def test_lighter_follows_the_fair_late_and_through_the_quote_rate():
    model = with_changes(QUIET, fair={"vol_bps_per_sqrt_s": 5.0},
                         lighter={"lag_ms": 300.0, "quote_rate": 1.25})
    sim = MarketSimulation(model, seed=2)
    history = []
    for t in range(100, 2_001, 100):
        sim.advance_to(t)
        history.append(sim.fair)
    assert sim.lighter_fair() == pytest.approx(history[-4] / 1.25)
    assert sim.lighter_fair(lagged=False) == pytest.approx(history[-1] / 1.25)
