"""Grouping trials by parameter set, the seed bootstrap and the two objectives (pure)."""
from __future__ import annotations

from hedge.lab.groups import best, group, groups


def trial(params, seed, pnl, volume, fills=10, hours=1.0):
    return {"params": params, "seed": seed, "pnl_quote": pnl, "volume_quote": volume,
            "fills": fills, "sim_hours": hours}


def test_a_group_pools_its_seeds_and_brackets_the_mean():
    g = group([trial({"a": 1}, 1, 1.0, 10_000), trial({"a": 1}, 2, 3.0, 10_000)])
    assert g["pnl_per_million"]["mean"] == 200.0 and g["pnl_per_fill_bps"]["mean"] == 2.0
    lo, hi = g["pnl_per_million"]["ci95"]
    assert lo == 100.0 and hi == 300.0          # resampling seeds: all-1, mixed, all-2
    assert g["fills_per_hour"] == 10.0 and g["seeds"] == [1, 2]


def test_pnl_picks_the_best_per_million_and_volume_the_most_volume_within_the_cost():
    trials = [trial({"p": "tight"}, 1, -30.0, 100_000), trial({"p": "mid"}, 1, -5.0, 50_000),
              trial({"p": "wide"}, 1, 2.0, 10_000)]
    gs = groups(trials)
    assert best(gs, "pnl", None)["params"] == {"p": "wide"}
    assert best(gs, "volume", 150.0)["params"] == {"p": "mid"}     # tight costs 300 per $1M
    assert best(gs, "volume", 400.0)["params"] == {"p": "tight"}
    assert best(groups([trial({}, 1, 0.0, 0.0, fills=0)]), "pnl", None)["objective"] is None
