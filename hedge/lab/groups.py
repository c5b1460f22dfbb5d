"""Trials grouped by parameter set: pooled PnL per fill and per $1M with a bootstrap 95%
interval that resamples whole seeds (a seed's fills move together), and the objectives."""
from __future__ import annotations

import json
import random
from typing import Any

BOOTSTRAP_DRAWS = 1000
INFEASIBLE = -1e12     # an objective no feasible point scores below


def params_key(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def _pooled(trials: list[dict]) -> tuple[float | None, float | None]:
    volume = sum(t["volume_quote"] for t in trials)
    pnl = sum(t["pnl_quote"] for t in trials)
    return (pnl / volume * 1e4, pnl / volume * 1e6) if volume else (None, None)


def _ci(trials: list[dict], index: int) -> list[float] | None:
    rng = random.Random(0)
    draws = []
    for _ in range(BOOTSTRAP_DRAWS):
        value = _pooled([rng.choice(trials) for _ in trials])[index]
        if value is not None:
            draws.append(value)
    if not draws:
        return None
    draws.sort()
    return [draws[int(0.025 * (len(draws) - 1))], draws[int(0.975 * (len(draws) - 1))]]


def group(trials: list[dict]) -> dict:
    per_fill, per_million = _pooled(trials)
    hours = sum(t["sim_hours"] for t in trials)
    volume = sum(t["volume_quote"] for t in trials)
    return {"params": trials[0]["params"], "seeds": [t["seed"] for t in trials],
            "fills": sum(t["fills"] for t in trials),
            "pnl_per_fill_bps": {"mean": per_fill, "ci95": _ci(trials, 0)},
            "pnl_per_million": {"mean": per_million, "ci95": _ci(trials, 1)},
            "fills_per_hour": sum(t["fills"] for t in trials) / hours if hours else 0.0,
            "volume_per_hour": volume / hours if hours else 0.0}


def groups(trials: list[dict]) -> list[dict]:
    by_params: dict[str, list[dict]] = {}
    for trial in trials:
        by_params.setdefault(params_key(trial["params"]), []).append(trial)
    return [group(ts) for ts in by_params.values()]


def objective_value(g: dict, objective: str, max_cost_per_million: float | None) -> float:
    """pnl: PnL per $1M. volume: volume per hour, where the cost (-PnL) per $1M is no worse
    than the limit (infeasible points score INFEASIBLE)."""
    per_million = g["pnl_per_million"]["mean"]
    if objective == "pnl":
        return per_million if per_million is not None else INFEASIBLE
    if per_million is None:
        return INFEASIBLE
    if max_cost_per_million is not None and -per_million > max_cost_per_million:
        return INFEASIBLE
    return g["volume_per_hour"]


def best(gs: list[dict], objective: str, max_cost_per_million: float | None) -> dict | None:
    if not gs:
        return None
    top = max(gs, key=lambda g: objective_value(g, objective, max_cost_per_million))
    value = objective_value(top, objective, max_cost_per_million)
    return {"params": top["params"], "objective": None if value == INFEASIBLE else value,
            "group": top}
