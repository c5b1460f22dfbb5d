"""The market model file: every key with its unit and default, unknown keys refused by name.

A model file is YAML with one top-level key, `model:`. Each section below is a frozen
dataclass; a key's unit is in its name where the issue's names allow, and in KEY_UNITS for
the rest, so docs/LAB.md and error messages say the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml


class ModelFileError(ValueError):
    """A model file that cannot be used; the message names the key and what is allowed."""


@dataclass(frozen=True)
class FairModel:
    vol_bps_per_sqrt_s: float = 1.0     # bp of price per sqrt(second)
    jumps_per_hour: float = 0.0         # Poisson rate of jumps
    jump_bps: float = 0.0               # standard deviation of one jump, bp
    start: float | None = None          # price in hedge quote currency; None: the market's usual


@dataclass(frozen=True)
class HedgeBookModel:
    half_spread_bps: float = 0.5        # fair to best bid/ask
    level_base: float = 5.0             # depth per level, base units
    levels: int = 20
    level_step_bps: float = 0.5         # distance between levels
    refill_ms: float = 1000.0           # time for a depleted level to refill completely
    taker_fee_bps: float = 4.0
    latency_ms: float = 5.0             # submit to fill on the hedge venue


@dataclass(frozen=True)
class LighterBookModel:
    lag_ms: float = 100.0               # Lighter follows the hedge venue's fair this late
    basis_sd_bps: float = 0.0           # stationary sd of the OU basis
    basis_half_life_s: float = 60.0
    quote_rate: float = 1.0             # hedge quote currency per Lighter's (USDT per USDC)
    half_spread_bps: float = 2.0        # Lighter fair to the background book's best bid/ask
    level_base: float = 1.0             # background depth per level, base units
    levels: int = 10
    level_step_ticks: int = 1
    tick: float = 0.01                  # price tick, Lighter quote currency
    lot: float = 0.0001                 # size step, base units


@dataclass(frozen=True)
class UninformedModel:
    per_s: float = 1.0                  # Poisson arrivals per second, both sides together
    size_median_base: float = 0.05      # median taker size, base units
    size_sigma: float = 1.0             # sd of log size


@dataclass(frozen=True)
class InformedModel:
    per_s_max: float = 0.0              # arrivals per second against a stale order; 0: off
    threshold_bps: float = 2.0          # how far through the fair an order must be
    size_base: float = 1.0              # what one informed taker asks for, base units
    delay_ms: float | None = None       # from seeing a stale order to its take landing; None: the tier's taker latency


@dataclass(frozen=True)
class MarketModel:
    step_ms: int = 100
    fair: FairModel = field(default_factory=FairModel)
    hedge: HedgeBookModel = field(default_factory=HedgeBookModel)
    lighter: LighterBookModel = field(default_factory=LighterBookModel)
    uninformed: UninformedModel = field(default_factory=UninformedModel)
    informed: InformedModel = field(default_factory=InformedModel)


SECTIONS = {"fair": FairModel, "hedge": HedgeBookModel, "lighter": LighterBookModel,
            "uninformed": UninformedModel, "informed": InformedModel}

KEY_UNITS = {   # for the docs and messages: the unit of every key whose name does not say it
    "step_ms": "ms", "fair.start": "hedge quote currency (absent: the market's usual price)",
    "fair.jumps_per_hour": "1/h", "fair.jump_bps": "bp (sd)",
    "hedge.level_base": "base", "hedge.levels": "count", "lighter.levels": "count",
    "lighter.quote_rate": "hedge quote / Lighter quote", "lighter.tick": "Lighter quote",
    "lighter.lot": "base", "lighter.level_step_ticks": "ticks", "uninformed.per_s": "1/s",
    "uninformed.size_sigma": "log-units", "informed.per_s_max": "1/s",
    "informed.delay_ms": "ms (absent: the tier's taker latency)",
}

OPTIONAL = {"start", "delay_ms"}    # keys whose absence (or null) means "derive it"
# The model paper mode and the lab use when neither the config nor the command names one
# (as the docs and config overlays name it, and as a file the venue process can open).
DEFAULT_MODEL = "config/models/default.yaml"
DEFAULT_MODEL_FILE = Path(__file__).resolve().parents[2] / DEFAULT_MODEL

# A market's usual price when the model gives no `fair.start` (hedge quote currency).
USUAL_PRICES = {"ETH": 3000.0, "BTC": 100000.0, "SOL": 200.0, "DOGE": 0.25, "1000PEPE": 0.01}
UNKNOWN_MARKET_PRICE = 100.0

POSITIVE = {"step_ms", "hedge.level_base", "hedge.levels", "hedge.refill_ms",
            "lighter.quote_rate", "lighter.level_base", "lighter.levels", "lighter.tick",
            "lighter.lot", "lighter.level_step_ticks", "lighter.basis_half_life_s",
            "uninformed.size_median_base", "informed.size_base"}


def usual_price(market: str) -> float:
    return USUAL_PRICES.get(market.upper(), UNKNOWN_MARKET_PRICE)


def _number(path: str, value: Any, kind: type) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ModelFileError(f"model.{path}: expected a number, got {value!r}")
    try:
        number = kind(float(value)) if kind is int else float(value)
    except ValueError:
        raise ModelFileError(f"model.{path}: expected a number, got {value!r}") from None
    if kind is int and float(value) != number:
        raise ModelFileError(f"model.{path}: expected a whole number, got {value!r}")
    if number < 0 or (path in POSITIVE and number == 0):
        need = "> 0" if path in POSITIVE else ">= 0"
        raise ModelFileError(f"model.{path}: must be {need}, got {value!r}")
    return number


def _section(name: str, cls: type, raw: Any) -> Any:
    if raw is None:
        return cls()
    if not isinstance(raw, dict):
        raise ModelFileError(f"model.{name}: expected a mapping of keys, got {raw!r}")
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise ModelFileError(f"unknown key model.{name}.{key}; allowed: {', '.join(known)}")
        if key in OPTIONAL and value is None:
            continue
        kind = int if known[key].type in ("int", int) else float
        values[key] = _number(f"{name}.{key}", value, kind)
    return cls(**values)


def model_from_dict(raw: Any) -> MarketModel:
    """The model from a parsed file (`{"model": {...}}`); unknown keys are refused by name."""
    if not isinstance(raw, dict) or set(raw) != {"model"}:
        extra = sorted(set(raw) - {"model"}) if isinstance(raw, dict) else []
        hint = f" (unknown key {extra[0]})" if extra else ""
        raise ModelFileError(f"a model file has one top-level key, model:{hint}")
    body = raw["model"] or {}
    if not isinstance(body, dict):
        raise ModelFileError("model: expected a mapping of keys")
    allowed = ["step_ms", *SECTIONS]
    for key in body:
        if key not in allowed:
            raise ModelFileError(f"unknown key model.{key}; allowed: {', '.join(allowed)}")
    step_ms = _number("step_ms", body.get("step_ms", MarketModel.step_ms), int)
    parts = {name: _section(name, cls, body.get(name)) for name, cls in SECTIONS.items()}
    return MarketModel(step_ms=step_ms, **parts)


def load_model(path: str | Path) -> MarketModel:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc.strerror or exc}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ModelFileError(f"model file {path} is not valid YAML: {exc}") from None
    try:
        return model_from_dict(raw)
    except ModelFileError as exc:
        raise ModelFileError(f"{path}: {exc}") from None


def with_changes(model: MarketModel, **sections: dict[str, Any]) -> MarketModel:
    """A copy with some keys of some sections changed (tests, the lab's --set on model keys)."""
    parts = {name: replace(getattr(model, name), **keys) for name, keys in sections.items()
             if name != "step_ms"}
    return replace(model, **parts, **({"step_ms": sections["step_ms"]}
                                      if "step_ms" in sections else {}))
