"""Venue credentials from the environment or config/accounts.toml, never shown anywhere.

Environment variables win over the file, so a deployment can override one value without
editing it. Values are held as Secret; messages name variables and keys, never values.
In paper mode nothing is required (the app generates a fresh key for the local venue).
"""
from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from hedge.infra.secret import Secret

DEFAULT_ACCOUNTS_PATH = Path("config/accounts.toml")
EXAMPLE_ACCOUNTS_PATH = "config/accounts.example.toml"

# field name -> (environment variable, accounts.toml section, key)
SOURCES: dict[str, tuple[str, str, str]] = {
    "lighter_account_index": ("LIGHTER_ACCOUNT_INDEX", "lighter", "account_index"),
    "lighter_api_key_index": ("LIGHTER_API_KEY_INDEX", "lighter", "api_key_index"),
    "lighter_private_key": ("LIGHTER_API_PRIVATE_KEY", "lighter", "private_key"),
    "hedge_api_key": ("HEDGE_API_KEY", "hedge", "api_key"),
    "hedge_api_secret": ("HEDGE_API_SECRET", "hedge", "secret"),
    "hedge_api_passphrase": ("HEDGE_API_PASSPHRASE", "hedge", "passphrase"),
    "hedge_wallet_address": ("HEDGE_WALLET_ADDRESS", "hedge", "wallet_address"),
    "hedge_private_key": ("HEDGE_PRIVATE_KEY", "hedge", "private_key"),
}
LIGHTER_FIELDS = ("lighter_account_index", "lighter_api_key_index", "lighter_private_key")
# ccxt credential attribute -> the field holding it (which ones a venue needs is its rule)
HEDGE_FIELDS = {"apiKey": "hedge_api_key", "secret": "hedge_api_secret",
                "password": "hedge_api_passphrase", "walletAddress": "hedge_wallet_address",
                "privateKey": "hedge_private_key"}
DEFAULT_HEDGE_CREDENTIALS = ("apiKey", "secret")
_INDEX_FIELDS = ("lighter_account_index", "lighter_api_key_index")
_CONFIG_KEYS = {"lighter_account_index": "lighter.account_index",
                "lighter_api_key_index": "lighter.api_key_index"}


class CredentialsError(ValueError):
    """Credentials are missing or malformed; the message says which and where to set them."""


@dataclass(frozen=True, repr=False)
class Credentials:
    lighter_account_index: int | None = None
    lighter_api_key_index: int | None = None
    lighter_private_key: Secret | None = None
    hedge_api_key: Secret | None = None
    hedge_api_secret: Secret | None = None
    hedge_api_passphrase: Secret | None = None
    hedge_wallet_address: Secret | None = None
    hedge_private_key: Secret | None = None
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)  # field -> where from

    def missing(self, hedge_credentials: tuple[str, ...] = DEFAULT_HEDGE_CREDENTIALS) -> list[str]:
        """Names of the needed fields that are not set: Lighter's, and those of the hedge
        venue's `hedge_credentials` (ccxt attribute names, e.g. apiKey, secret, password)."""
        wanted = LIGHTER_FIELDS + tuple(HEDGE_FIELDS[c] for c in hedge_credentials)
        return [name for name in wanted if not _is_set(getattr(self, name))]

    def hedge_secrets(self) -> dict[str, Secret]:
        """The hedge credentials that are set, by ccxt attribute name."""
        out = {}
        for attr, name in HEDGE_FIELDS.items():
            value = getattr(self, name)
            if _is_set(value):
                out[attr] = value
        return out

    def require_live(self, hedge_credentials: tuple[str, ...] = DEFAULT_HEDGE_CREDENTIALS) -> None:
        """Raise CredentialsError naming every missing value and where to set it."""
        missing = self.missing(hedge_credentials)
        if not missing:
            return
        lines = []
        for name in missing:
            env, section, key = SOURCES[name]
            where = f"set {env} in the environment or [{section}] {key} in {DEFAULT_ACCOUNTS_PATH}"
            if name in _CONFIG_KEYS:
                where += f" (or {_CONFIG_KEYS[name]} in the config)"
            lines.append(f"  - {env}: {where}")
        raise CredentialsError(
            "live mode needs credentials that are not set:\n" + "\n".join(lines)
            + f"\n(copy {EXAMPLE_ACCOUNTS_PATH} to {DEFAULT_ACCOUNTS_PATH}, which git ignores)")

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):
            if f.name == "origins":
                continue
            value = getattr(self, f.name)
            if f.name in _INDEX_FIELDS:
                parts.append(f"{f.name}={value!r}")  # indexes are public on chain
            else:
                shown = f"<set from {self.origins.get(f.name, '?')}>" if _is_set(value) else "None"
                parts.append(f"{f.name}={shown}")
        return f"Credentials({', '.join(parts)})"

    __str__ = __repr__


def load_credentials(accounts_path: str | Path = DEFAULT_ACCOUNTS_PATH,
                     environ: Mapping[str, str] | None = None, *,
                     config_account_index: int | None = None,
                     config_api_key_index: int | None = None) -> Credentials:
    """Environment first, then the accounts file (absent is fine), then the config's
    lighter.account_index / lighter.api_key_index for the two indexes."""
    environ = os.environ if environ is None else environ
    from_file = _read_accounts(Path(accounts_path))
    values: dict[str, object] = {}
    origins: dict[str, str] = {}
    for name, (env, section, key) in SOURCES.items():
        raw = environ.get(env, "").strip()
        origin = f"env {env}"
        if not raw and from_file.get(section, {}).get(key) is not None:
            raw = from_file[section][key]
            origin = f"{accounts_path} [{section}] {key}"
        if raw == "" or raw is None:
            continue
        values[name] = _index(raw, origin) if name in _INDEX_FIELDS else Secret(str(raw).strip())
        origins[name] = origin
    for name, fallback in (("lighter_account_index", config_account_index),
                           ("lighter_api_key_index", config_api_key_index)):
        if name not in values and fallback is not None:
            values[name] = fallback
            origins[name] = f"config {_CONFIG_KEYS[name]}"
    return Credentials(**values, origins=origins)  # type: ignore[arg-type]


def _is_set(value: object) -> bool:
    """Index 0 is a real index; an empty Secret is not a credential."""
    return isinstance(value, int) or (value is not None and bool(value))


def _index(raw: object, origin: str) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    # the value is not echoed: a key pasted into the wrong variable must not reach a log
    raise CredentialsError(f"{origin} must be a non-negative integer (value not shown)")


def _read_accounts(path: Path) -> dict[str, dict[str, object]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"cannot read {path} ({type(exc).__name__}); fix its permissions "
                               f"or remove it and use environment variables") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message is "<what> (at line N, column M)" and quotes no content
        raise CredentialsError(f"{path} is not valid TOML: {exc}; compare that line with "
                               f"{EXAMPLE_ACCOUNTS_PATH} (strings need quotes)") from None
    problems = []
    known = {section: [key for _, s, key in SOURCES.values() if s == section]
             for _, section, _ in SOURCES.values()}
    for section, body in data.items():
        if section not in known or not isinstance(body, dict):
            problems.append(f"[{section}] is not a section this file has; expected "
                            f"[lighter] and [hedge]")
            continue
        for key, value in body.items():
            if key not in known[section]:
                close = difflib.get_close_matches(key, known[section], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; expected {', '.join(known[section])}"
                problems.append(f"[{section}] {key} is not a known key{hint}")
            elif not isinstance(value, (str, int)) or isinstance(value, bool):
                problems.append(f"[{section}] {key} must be a string or an integer")
    if problems:
        raise CredentialsError(f"{path}: " + "; ".join(problems))
    return data
