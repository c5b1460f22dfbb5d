"""The Lighter venue's market comes from the market model: takers reach a resting quote at the
touch with the price standing still, informed takers take a quote through the fair after the
tier's taker delay, and the bot's orders never change the market's draws."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hedge.market.model_file import MarketModel, with_changes
from hedge.sim.faults import LighterFaults
from hedge.sim.lighter import market_life
from hedge.sim.lighter.accounts import Order
from hedge.sim.lighter.venue import LighterVenue
from hedge.sim.price import PriceProcess

ETH = 0
OURS = 77
ROOT = Path(__file__).resolve().parents[2]


def _venue(model: MarketModel, seed: int = 3) -> LighterVenue:
    return LighterVenue(PriceProcess(seed, model, origin_ms=0), LighterFaults(), seed)


def _rest(venue: LighterVenue, is_ask: bool, price: int, lots: int = 100) -> Order:
    order = Order(venue._new_index(is_ask), 1, ETH, OURS, is_ask, price, lots, lots, 0, 2, False,
                  0, 1, 0, status="open")
    venue.books[ETH].add(order)
    return order


def _run(venue: LighterVenue, until_ms: int, step_ms: int = 50) -> None:
    for now_ms in range(0, until_ms + 1, step_ms):
        market_life.recentre(venue, ETH, now_ms)
        market_life.taker_flow(venue, ETH, now_ms)


STILL = with_changes(MarketModel(), fair={"vol_bps_per_sqrt_s": 0.0},
                     lighter={"basis_sd_bps": 0.0, "half_spread_bps": 10.0, "lag_ms": 0.0},
                     uninformed={"per_s": 5.0, "size_median_base": 0.01},
                     informed={"per_s_max": 0.0})


def test_uninformed_takers_fill_a_quote_at_the_touch_without_the_price_moving():
    venue = _venue(STILL)
    _run(venue, 0)
    best_bid = venue.books[ETH].best(False)
    order = _rest(venue, False, best_bid + 1)           # our bid: the touch, inside the spread
    _run(venue, 5_000)
    assert venue.books[ETH].best(False) == best_bid     # the book never moved
    assert order.filled > 0


def test_informed_taker_takes_a_quote_through_the_fair_after_the_taker_delay():
    model = with_changes(STILL, uninformed={"per_s": 0.0},
                         informed={"per_s_max": 50.0, "threshold_bps": 2.0, "size_base": 0.01})
    venue = _venue(model)
    _run(venue, 0)
    fair_ticks = round(venue.prices.lighter_mid("ETH", 0) * 100)
    through = _rest(venue, False, fair_ticks + 150)      # a bid 5 bp above the fair
    near = _rest(venue, False, fair_ticks - 30)          # a bid 1 bp below it
    _run(venue, 2_000)
    assert through.filled > 0 and near.filled == 0


def test_the_bots_orders_do_not_change_the_markets_draws():
    quiet, busy = _venue(STILL), _venue(STILL)
    _run(quiet, 0)
    _run(busy, 0)
    _rest(busy, False, busy.books[ETH].best(False) + 1, lots=10_000)
    _run(quiet, 3_000)
    _run(busy, 3_000)
    flows = [v.taker_flows[ETH] for v in (quiet, busy)]
    assert flows[0].uninformed.getstate() == flows[1].uninformed.getstate()
    assert flows[0].informed.getstate() == flows[1].informed.getstate()
    assert quiet.prices.mid("ETH", 3_000) == busy.prices.mid("ETH", 3_000)


async def test_start_venues_draws_both_books_from_the_model_given():
    from hedge.sim.runner import start_venues
    from tests.sim.lighter_helpers import best_prices, poll
    model = with_changes(STILL, fair={"start": 1234.0})
    venues = await start_venues(seed=5, model=model)
    try:
        assert venues.prices.mid("ETH") == 1234.0
        await poll(lambda: best_prices(venues)[0] > 0)
        bid, ask = best_prices(venues)                  # ticks of 0.01: 10 bp either side
        assert (bid, ask) == (123276, 123524)
    finally:
        await venues.stop()


@pytest.mark.slow
def test_sim_refuses_a_bad_model_file_naming_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model:\n  lighter:\n    half_sprad_bps: 3\n")
    result = subprocess.run([sys.executable, "run.py", "sim", "--lighter-port", "0",
                             "--hedge-port", "0", "--model", str(bad)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown key model.lighter.half_sprad_bps" in result.stderr
    assert "--model" in result.stderr and "Traceback" not in result.stderr
