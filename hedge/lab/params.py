"""`--set KEY=SPEC` parsed, and each trial's config built through the same validation as `run`.

SPEC is `V1,V2,...` (a grid without --search, a categorical choice with it) or `LO..HI`
(`LO..HI:log`), a float range for the search. Keys under `model.` change the model file's
keys; every other key is a config key (`strategy.min_profit_bps`).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import yaml

from hedge.infra.config import load_config
from hedge.infra.config_schema import BotConfig
from hedge.market.model_file import MarketModel, ModelFileError, model_from_dict


class LabUsageError(ValueError):
    """A `--set` or lab flag the lab cannot use; the message names it and the fix."""


@dataclass(frozen=True)
class Choice:
    key: str
    values: tuple[Any, ...] = ()
    low: float | None = None          # a float range: low..high
    high: float | None = None
    log: bool = False

    @property
    def is_range(self) -> bool:
        return self.low is not None


def _value(text: str) -> Any:
    return yaml.safe_load(text.strip())


def parse_set(text: str) -> Choice:
    key, sep, spec = text.partition("=")
    key, spec = key.strip(), spec.strip()
    if not sep or not key or not spec:
        raise LabUsageError(f"--set {text!r}: expected KEY=V1,V2 or KEY=LO..HI[:log], e.g. "
                            f"--set strategy.min_profit_bps=0,1,2")
    if ".." in spec:
        body, _, scale = spec.partition(":")
        low_text, _, high_text = body.partition("..")
        try:
            low, high = float(low_text), float(high_text)
        except ValueError:
            raise LabUsageError(f"--set {text!r}: a range is LO..HI with numbers, "
                                f"e.g. 0.5..5") from None
        if scale not in ("", "log") or low >= high or (scale == "log" and low <= 0):
            raise LabUsageError(f"--set {text!r}: a range needs LO < HI (and LO > 0 with :log)")
        return Choice(key, low=low, high=high, log=scale == "log")
    return Choice(key, tuple(_value(v) for v in spec.split(",") if v.strip()))


def grid(choices: list[Choice]) -> list[dict[str, Any]]:
    """Every combination of the sets' values (one empty point without --set)."""
    for choice in choices:
        if choice.is_range:
            raise LabUsageError(f"--set {choice.key}: a range LO..HI needs --search N")
    keys = [c.key for c in choices]
    return [dict(zip(keys, values)) for values in itertools.product(*(c.values for c in choices))]


def corners(choices: list[Choice]) -> list[dict[str, Any]]:
    """Points that touch every value and both ends of every range: checked before a search."""
    points = []
    for choice in choices:
        for value in (choice.values or (choice.low, choice.high)):
            points.append({choice.key: value})
    return points or [{}]


def trial_setup(config_path: str, model: MarketModel, params: dict[str, Any]
                ) -> tuple[BotConfig, MarketModel]:
    """The base config and model with `params` applied, validated as `run` validates them."""
    config_keys = {k: v for k, v in params.items() if not k.startswith("model.")}
    model_keys = {k: v for k, v in params.items() if k.startswith("model.")}
    config = load_config(config_path, config_keys)
    return config, _model_with(model, model_keys)


def _model_with(model: MarketModel, keys: dict[str, Any]) -> MarketModel:
    if not keys:
        return model
    raw = {"model": {"step_ms": model.step_ms}}
    for section in ("fair", "hedge", "lighter", "uninformed", "informed"):
        raw["model"][section] = dict(vars(getattr(model, section)))
    for dotted, value in keys.items():
        parts = dotted.split(".")[1:]
        target = raw["model"]
        for name in parts[:-1]:
            if not isinstance(target.get(name), dict):
                raise ModelFileError(f"unknown key {dotted}")
            target = target[name]
        target[parts[-1]] = value
    if raw["model"]["fair"].get("start") is None:
        raw["model"]["fair"].pop("start", None)
    return model_from_dict(raw)
