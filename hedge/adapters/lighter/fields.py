"""Tolerant readers for fields of decoded Lighter JSON.

Each reader returns the typed value or raises FieldError naming the field, so
the frame parser can turn any bad payload into a `Malformed` message with a
reason instead of an exception. Numbers may arrive as strings, ints or floats.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

_MISSING: Any = object()


class FieldError(ValueError):
    """A required field is absent or has the wrong type."""


# -- field readers --------------------------------------------------------------


def _get(d: dict, key: str, default: Any) -> Any:
    value = d.get(key, _MISSING)
    if value is _MISSING or value is None:
        if default is _MISSING:
            raise FieldError(f"missing {key!r}")
        return default
    return value


def read_int(d: dict, key: str, default: Any = _MISSING) -> Any:
    value = _get(d, key, default)
    if value is default and default is not _MISSING:
        return value
    if isinstance(value, bool):
        raise FieldError(f"{key!r} is a bool, expected int")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise FieldError(f"{key!r}={value!r} is not an int")


def read_decimal(d: dict, key: str, default: Any = _MISSING) -> Any:
    value = _get(d, key, default)
    if value is default and default is not _MISSING:
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise FieldError(f"{key!r}={value!r} is not a number")
    if isinstance(value, str) and value.strip() == "" and default is not _MISSING:
        return default
    try:
        out = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError(f"{key!r}={value!r} is not a decimal") from None
    if not out.is_finite():
        raise FieldError(f"{key!r}={value!r} is not finite")
    return out


def read_bool(d: dict, key: str, default: Any = _MISSING) -> Any:
    value = _get(d, key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "0", "1"):
        return value.lower() in ("true", "1")
    raise FieldError(f"{key!r}={value!r} is not a bool")


def read_str(d: dict, key: str, default: Any = _MISSING) -> Any:
    value = _get(d, key, default)
    if isinstance(value, str):
        return value
    raise FieldError(f"{key!r}={value!r} is not a string")


def to_ms(ts: int) -> int:
    """Normalise an epoch timestamp in s, ms, µs or ns to ms (decided by magnitude)."""
    if ts <= 0:
        return 0
    if ts < 100_000_000_000:  # before year 5138 in seconds
        return ts * 1000
    if ts < 100_000_000_000_000:
        return ts
    if ts < 100_000_000_000_000_000:
        return ts // 1000
    return ts // 1_000_000


def split_channel(channel: str) -> tuple[str, list[str]]:
    """'order_book:0' / 'order_book/0' -> ('order_book', ['0'])."""
    parts = channel.replace("/", ":").split(":")
    return parts[0], [p for p in parts[1:] if p != ""]


def channel_int(args: list[str], i: int) -> int | None:
    if len(args) > i and args[i].lstrip("-").isdigit():
        return int(args[i])
    return None


def as_dict(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise FieldError(f"{what} is {type(value).__name__}, expected object")
    return value


def as_list(value: Any, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldError(f"{what} is {type(value).__name__}, expected list")
    return value
