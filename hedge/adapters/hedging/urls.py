"""Point a ccxt exchange at a base URL other than its real host, and prove nothing escapes.

Used for the local venue in paper mode and tests, and for any explicit `hedge.url`. Every URL
in `urls['api']` is rewritten (keeping its path); ccxt's host-based error tables are merged so
that futures error codes still map to their classes off the real host.
"""
from __future__ import annotations

from typing import Any, Iterator
from urllib.parse import urlsplit


class HedgeUrlError(ValueError):
    """A URL of the hedge venue would leave the configured host."""


def _rewrite(value: Any, base: str) -> Any:
    if isinstance(value, dict):
        return {k: _rewrite(v, base) for k, v in value.items()}
    if isinstance(value, str) and "://" in value:
        parts = urlsplit(value)
        scheme = "ws" if parts.scheme in ("ws", "wss") else "http"
        target = urlsplit(base)
        if target.scheme == "https":
            scheme = "wss" if scheme == "ws" else "https"
        path = parts.path
        if parts.query:
            path += "?" + parts.query
        return f"{scheme}://{target.netloc}{target.path.rstrip('/')}{path}"
    return value


def url_leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from url_leaves(v)
    elif isinstance(value, str):
        yield value


def point_at(exchange: Any, base_url: str) -> None:
    """Rewrite every API URL of `exchange` onto `base_url`, then check none leaves its host."""
    target = urlsplit(base_url)
    if target.scheme not in ("http", "https") or not target.hostname:
        raise HedgeUrlError(f"hedge.url {base_url!r} is not an http(s) base URL "
                            "(use `real`, `sim`, or e.g. http://127.0.0.1:8711)")
    exchange.urls["api"] = _rewrite(exchange.urls["api"], base_url)
    for leaf in url_leaves(exchange.urls["api"]):
        host = urlsplit(leaf).hostname
        if host != target.hostname:
            raise HedgeUrlError(f"hedge venue URL {leaf} would leave the configured host "
                                f"{target.hostname}; refusing to start")
    # Off the real host, ccxt no longer recognises the futures URLs its error tables key on.
    for scope in ("linear",):
        table = exchange.exceptions.get(scope) or {}
        for kind in ("exact", "broad"):
            if table.get(kind):
                exchange.exceptions.setdefault(kind, {}).update(table[kind])
