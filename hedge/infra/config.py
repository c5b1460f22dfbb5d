"""Load and validate the bot's YAML config before anything touches the network.

Every problem is collected and reported at once, each naming the full key path, what was
given and what is allowed, so one edit fixes a file instead of one edit per run. Values of
unknown keys are never echoed: a private key pasted into the config must not reach a log.
"""
from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import typing
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from hedge.core.request_tiers import max_tx_per_min
from hedge.infra.config_schema import (LIGHTER_URL_ALIASES, MAX_MARKETS, SECTIONS, BotConfig,
                                       HedgeConfig, LighterConfig, LoggingConfig, MarketConfig,
                                       MarketRiskConfig, RiskConfig, Rule, SimConfig,
                                       StrategyConfig, is_loopback_url)

__all__ = ["BotConfig", "ConfigError", "HedgeConfig", "LighterConfig", "LoggingConfig",
           "MarketConfig", "MarketRiskConfig", "RiskConfig", "SimConfig", "StrategyConfig", "load_config", "parse_config"]

_CREDENTIAL_WORDS = ("private", "secret", "api_key", "apikey", "password", "token")
_MISSING = object()
_SECRET_VALUES = ("alerts.urls",)     # may carry tokens: a refusal never echoes them


class ConfigError(ValueError):
    """The config cannot be used; `problems` lists each one, `str()` shows them all."""

    def __init__(self, problems: list[str], source: str = "config") -> None:
        self.problems = list(problems)
        self.source = source
        count = len(self.problems)
        head = f"{source}: {count} problem{'s' if count != 1 else ''}"
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in self.problems))


class _Problems:
    """Collects refusals; marks the ones caused by an override (e.g. a CLI flag)."""

    def __init__(self, overridden: set[str]) -> None:
        self.items: list[str] = []
        self.overridden = overridden

    def add(self, path: str, text: str) -> None:
        where = f"{path} (override)" if path in self.overridden else path
        self.items.append(f"{where}: {text}")


def load_config(path: str | Path, overrides: Mapping[str, Any] | None = None) -> BotConfig:
    """Read `path`, apply `overrides` ({"duration_s": 5, "sim.faults": "chaos"}; None values
    mean "not given"), validate everything, and return the typed config or raise ConfigError."""
    source = str(path)
    return parse_config(_read_yaml(Path(path)), overrides, source=source)


def parse_config(raw: Mapping[str, Any], overrides: Mapping[str, Any] | None = None,
                 source: str = "config") -> BotConfig:
    """Validate an already-parsed mapping (what load_config does after reading the file)."""
    merged, overridden = _apply_overrides(raw, overrides or {})
    problems = _Problems(overridden)
    config = _build_bot(merged, problems)
    if problems.items:
        raise ConfigError(problems.items, source)
    assert config is not None
    return config


def _read_yaml(path: Path) -> Mapping[str, Any]:
    hint = "config/paper.yaml is the paper-mode default; config/live.example.yaml a live template"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"file not found; pass --config PATH ({hint})"], str(path)) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise ConfigError([f"cannot read the file ({type(exc).__name__}); "
                           f"pass a readable UTF-8 YAML file ({hint})"], str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or "invalid syntax"
        raise ConfigError([f"not valid YAML{where}: {what}; fix that line "
                           f"(indent with spaces, `key: value` per line)"], str(path)) from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError([f"the file must be a YAML mapping of keys to values (e.g. `mode: "
                           f"paper`), got {_kind(data)}"], str(path))
    return data


def _apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any]
                     ) -> tuple[dict[str, Any], set[str]]:
    merged: dict[str, Any] = copy.deepcopy(dict(raw))
    overridden: set[str] = set()
    for dotted, value in overrides.items():
        if value is None:
            continue
        *parents, leaf = str(dotted).split(".")
        target = merged
        for name in parents:
            section = target.get(name)
            if section is None:
                section = target[name] = {}
            if not isinstance(section, dict):
                break  # the section itself is malformed; _build reports it
            target = section
        else:
            target[leaf] = value
            overridden.add(str(dotted))
    return merged, overridden


def _build_bot(raw: Mapping[str, Any], problems: _Problems) -> BotConfig | None:
    """Every section is built on its own, so cross-field checks still run on the sections
    that parsed when another one did not, and every problem is reported in one pass."""
    sections: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        given = raw.get(name)
        if given is None:
            given = {}
        if not isinstance(given, Mapping):
            problems.add(name, f"got {_shown(given)}; allowed: a mapping of {name} settings "
                               f"(indented `key: value` lines)")
            sections[name] = None
            continue
        values = _values(cls, given, name + ".", problems)
        sections[name] = None if values is None else cls(**values)
    top = _values(BotConfig, raw, "", problems, nested=tuple(SECTIONS) + ("markets",))
    markets = _markets(raw, problems)
    mode = raw.get("mode", BotConfig.mode)  # used only when valid, even if duration_s is not
    _cross_checks(mode, sections, problems)
    if markets:
        _market_checks(raw, markets, sections, problems)
    if top is None or markets is None or any(value is None for value in sections.values()):
        return None
    return BotConfig(**top, **sections, markets=markets)


def _markets(raw: Mapping[str, Any], problems: _Problems) -> tuple[MarketConfig, ...] | None:
    """The `markets:` list, each item built on its own (problems name `markets[i].key`);
    () when absent (the single-market keys stand for one item), None when refused."""
    given = raw.get("markets")
    if given is None:
        return ()
    if not isinstance(given, list) or not given:
        problems.add("markets", f"got {_shown(given)}; allowed: a non-empty list of markets, each "
                                f"`- lighter_market: ETH` with `hedge_symbol: ETH/USDT:USDT` "
                                f"(optional order_size, max_position, risk)")
        return None
    if len(given) > MAX_MARKETS:
        problems.add("markets", f"got {len(given)} markets; allowed: at most {MAX_MARKETS} (one "
                                f"Lighter WebSocket carries them all); run a second process")
        return None
    items: list[MarketConfig] = []
    before = len(problems.items)
    for i, item in enumerate(given):
        where = f"markets[{i}]"
        if not isinstance(item, Mapping):
            problems.add(where, f"got {_shown(item)}; allowed: a mapping with lighter_market and "
                                f"hedge_symbol")
            continue
        for key in ("lighter_market", "hedge_symbol"):
            if item.get(key) is None:
                problems.add(f"{where}.{key}", "missing; every market names its Lighter market "
                                               "(lighter_market: ETH) and its hedge symbol "
                                               "(hedge_symbol: ETH/USDT:USDT)")
        values = _values(MarketConfig, item, where + ".", problems, nested=("risk",))
        risk_raw = item.get("risk")
        risk = MarketRiskConfig()
        if risk_raw is not None and not isinstance(risk_raw, Mapping):
            problems.add(f"{where}.risk", f"got {_shown(risk_raw)}; allowed: a mapping of risk "
                                          f"limits for this market (e.g. max_unhedged_base: 0.05)")
        elif risk_raw is not None:
            risk_values = _values(MarketRiskConfig, risk_raw, where + ".risk.", problems)
            risk = MarketRiskConfig(**risk_values) if risk_values is not None else risk
        if values is not None and "lighter_market" in values and "hedge_symbol" in values:
            items.append(MarketConfig(**values, risk=risk))
    if len(problems.items) > before:
        return None
    for key in ("lighter_market", "hedge_symbol"):
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            value = getattr(item, key)
            if value in seen:
                problems.add(f"markets[{i}].{key}", f"{value!r} is already markets[{seen[value]}]"
                                                    f"'s; each market is listed once")
            seen.setdefault(value, i)
    return None if len(problems.items) > before else tuple(items)


def _market_checks(raw: Mapping[str, Any], markets: tuple[MarketConfig, ...],
                   sections: dict[str, Any], problems: _Problems) -> None:
    """With `markets:` the single-market keys would say something else: refuse both at once;
    each item's sizes against its limits."""
    for section, key in (("lighter", "market"), ("hedge", "symbol")):
        given = raw.get(section)
        if isinstance(given, Mapping) and key in given:
            problems.add(f"{section}.{key}", "given together with markets:, which names every "
                                             "market; remove it (or remove markets:)")
    strategy, risk = sections["strategy"], sections["risk"]
    if strategy is None or risk is None:
        return
    for i, item in enumerate(markets):
        size = item.order_size if item.order_size is not None else strategy.order_size
        top = item.max_position if item.max_position is not None else strategy.max_position
        if top < size:
            problems.add(f"markets[{i}].max_position", f"got {top}; allowed: >= its order_size "
                                                       f"({size}), or no order could be placed")
        unhedged = (item.risk.max_unhedged_base if item.risk.max_unhedged_base is not None
                    else risk.max_unhedged_base)
        if unhedged < size:
            problems.add(f"markets[{i}].risk.max_unhedged_base",
                         f"got {unhedged}; allowed: >= its order_size ({size}), or one complete "
                         f"fill would pause the market (set it under the market's risk:)")


def _values(cls: type, raw: Mapping[str, Any], prefix: str, problems: _Problems,
            nested: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The given values of one dataclass, converted; None when any was refused.
    Fields named in `nested` are sections, built by the caller."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    before = len(problems.items)
    for key in raw:
        if key not in names:
            _unknown_key(prefix, str(key), names, problems)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in raw and f.name not in nested:
            values[f.name] = _convert(raw[f.name], hints[f.name], f.metadata["rule"],
                                      prefix + f.name, problems)
    return None if len(problems.items) > before else values


def _unknown_key(prefix: str, key: str, names: list[str], problems: _Problems) -> None:
    path = prefix + key
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    text = "unknown key"
    if close:
        text += f"; did you mean {prefix + close[0]!r}?"
    else:
        text += f"; valid keys here: {', '.join(names)}"
    if any(word in key.lower() for word in _CREDENTIAL_WORDS):
        text += (" (credentials never go in the config file: set LIGHTER_API_PRIVATE_KEY, "
                 "HEDGE_API_KEY, HEDGE_API_SECRET in the environment or in config/accounts.toml)")
    problems.add(path, text)


def _convert(value: Any, hint: Any, rule: Rule, path: str, problems: _Problems) -> Any:
    """The value as the field's type, or None after adding a refusal."""
    optional = type(None) in typing.get_args(hint)
    kind = (next((a for a in typing.get_args(hint) if a is not type(None)), hint)
            if optional else hint)
    if value is None and optional:
        return None
    converted, noun = _coerce(value, kind)
    if converted is _MISSING:
        shown = _shown(value) if path not in _SECRET_VALUES else f"{_kind(value)} (not shown)"
        problems.add(path, f"got {shown}; allowed: {rule.describe(noun)}"
                           + (" or null" if optional else ""))
        return None
    if not _obeys(converted, rule):
        close = difflib.get_close_matches(str(converted), rule.choices, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        shown = _shown(value) if path not in _SECRET_VALUES else "a value (not shown: it may hold a token)"
        problems.add(path, f"got {shown}; allowed: {rule.describe(noun)}{hint}")
        return None
    return converted


def _coerce(value: Any, kind: type) -> tuple[Any, str]:
    if typing.get_origin(kind) is tuple:          # tuple[str, ...]: a YAML list of texts
        ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
        return (tuple(v.strip() for v in value) if ok else _MISSING), "a list of texts"
    if kind is bool:
        return (value if isinstance(value, bool) else _MISSING), "true or false"
    if kind is str:
        return (value.strip() if isinstance(value, str) and value.strip() else _MISSING), "text"
    if isinstance(value, bool):
        return _MISSING, {int: "an integer", float: "a number", Decimal: "a decimal"}[kind]
    if kind is int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return (value if isinstance(value, int) else _MISSING), "an integer"
    if kind is float:
        ok = isinstance(value, (int, float)) and math.isfinite(value)
        return (float(value) if ok else _MISSING), "a number"
    if kind is Decimal:
        return _to_decimal(value), "a decimal"
    raise TypeError(f"no conversion for {kind}")


def _to_decimal(value: Any) -> Any:
    if isinstance(value, (int, float)):
        value = str(value)  # str(0.1) = '0.1': no binary expansion
    if not isinstance(value, str):
        return _MISSING
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return _MISSING
    return number if number.is_finite() else _MISSING


def _obeys(value: Any, rule: Rule) -> bool:
    if rule.choices and value not in rule.choices:
        return False
    if rule.check is not None and not rule.check(value):
        return False
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = Decimal(str(value))
        if rule.minimum is not None:
            low = Decimal(str(rule.minimum))
            if number < low or (rule.above and number == low):
                return False
        if rule.maximum is not None and number > Decimal(str(rule.maximum)):
            return False
    return True


def _cross_checks(mode: str | None, sections: dict[str, Any], problems: _Problems) -> None:
    """Rules between fields; each runs when the sections it reads parsed."""
    lighter, hedge = sections["lighter"], sections["hedge"]
    strategy, risk = sections["strategy"], sections["risk"]
    venues = [(name, s) for name, s in (("lighter", lighter), ("hedge", hedge)) if s is not None]
    if mode == "live":
        for name, section in venues:
            if section.is_sim:
                fix = ("set lighter.url to mainnet, testnet or a base URL" if name == "lighter"
                       else "set hedge.url: real (or a base URL)")
                problems.add(f"{name}.url", f"'sim' is the local simulator, which live mode "
                                            f"cannot trade on; {fix}, or set mode: paper")
    elif mode == "paper":
        for name, section in venues:
            url = section.url
            if url != "sim" and not is_loopback_url(url):
                shown = f"{url} ({LIGHTER_URL_ALIASES[url]})" if url in LIGHTER_URL_ALIASES else url
                problems.add(f"{name}.url", f"got {shown!r}; paper mode only talks to 127.0.0.1, "
                             f"so a paper config can never send traffic to a real venue; use "
                             f"`sim` or an http://127.0.0.1:PORT URL, or set mode: live")
    if lighter is not None and lighter.rate_window_s is not None and mode != "paper":
        problems.add("lighter.rate_window_s", f"got {lighter.rate_window_s:g}; it shortens the request "
                     f"budget's minute for tests against the local venue and is refused outside "
                     f"paper mode (a real venue counts a whole minute); remove it")
    if strategy is not None and strategy.max_position < strategy.order_size:
        problems.add("strategy.max_position", f"got {strategy.max_position}; allowed: >= "
                     f"strategy.order_size ({strategy.order_size}), or no order could be placed")
    if strategy is not None and risk is not None and risk.max_unhedged_base < strategy.order_size:
        problems.add("risk.max_unhedged_base", f"got {risk.max_unhedged_base}; allowed: >= "
                     f"strategy.order_size ({strategy.order_size}), or one complete fill "
                     f"would trip the kill switch")
    if lighter is not None and lighter.tx_rate_per_min is not None:
        ceiling = max_tx_per_min(lighter.account_tier)
        if lighter.tx_rate_per_min > ceiling:
            problems.add("lighter.tx_rate_per_min", f"got {lighter.tx_rate_per_min}; allowed: <= "
                         f"{ceiling} on a {lighter.account_tier} account (its request budget, "
                         f"reads included); lower it, remove it, or set lighter.account_tier")
    preflight = sections.get("preflight")
    if preflight is not None and preflight.clock_warn_ms >= preflight.clock_refuse_ms:
        problems.add("preflight.clock_warn_ms", f"got {preflight.clock_warn_ms}; allowed: < "
                     f"preflight.clock_refuse_ms ({preflight.clock_refuse_ms}), or no offset "
                     f"would be warned before it is refused")
    if lighter is not None and lighter.ws_silence_timeout_s <= lighter.ws_keepalive_s:
        problems.add("lighter.ws_silence_timeout_s", f"got {lighter.ws_silence_timeout_s}; "
                     f"allowed: > lighter.ws_keepalive_s ({lighter.ws_keepalive_s}), or every "
                     f"quiet keepalive interval would count as a dead stream")
    logs = sections.get("logging")
    if logs is not None and logs.max_run_mb < 2 * logs.frames_rotate_mb:
        problems.add("logging.max_run_mb", f"got {logs.max_run_mb}; allowed: >= twice "
                     f"logging.frames_rotate_mb ({logs.frames_rotate_mb}), or the live frame file "
                     f"alone could fill the run directory; raise it or lower frames_rotate_mb")


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "text",
             list: "a list", dict: "a mapping", type(None): "nothing (null)"}
    return names.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({_kind(value)})"
