"""One redaction layer for everything the bot writes: logs, the frame recorder, errors.

Known secrets (private keys, API secrets, every auth token minted this run) are
registered by value; patterns catch what was never registered (a token pasted into
config, a key in an error string). Registration is cheap and idempotent.
"""
from __future__ import annotations

import re
import threading
from collections import deque
from typing import Any

from hedge.infra.secret import Secret

REDACTED = "<redacted>"
MAX_REMEMBERED_TOKENS = 2_000       # a 10-min token refreshed at 80%: > 1 day of tokens

_PATTERNS = [
    r"\d{9,}:\d+:\d+:[0-9a-fA-F]{20,}",           # Lighter auth token expiry:account:key:hex
    r"ro:\d+:[a-z]+:\d+:[0-9a-fA-F]{20,}",         # Lighter read-only token
    r"\b0x[0-9a-fA-F]{64}\b",                       # 0x-prefixed 32-byte key
]
_AUTH_FIELD = re.compile(r'("auth"\s*:\s*")[^"]*(")')
_AUTH_HEADER = re.compile(r"((?:authorization|Authorization)['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}]+")


class Redactor:
    """Registry of secret strings plus patterns; `redact_text` / `redact_frame` apply both."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fixed: set[str] = set()
        self._tokens: deque[str] = deque(maxlen=MAX_REMEMBERED_TOKENS)
        self._regex = re.compile("|".join(_PATTERNS))

    def register(self, secret: str | Secret | None, *, token: bool = False) -> None:
        """Remember a secret value (with and without a 0x prefix); short values are ignored."""
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if not value or len(value) < 8:
            return
        variants = {value}
        if value.startswith("0x"):
            variants.add(value[2:])
        with self._lock:
            for v in variants:
                if token:
                    if v not in self._tokens:
                        self._tokens.append(v)
                else:
                    self._fixed.add(v)
            secrets = sorted(self._fixed | set(self._tokens), key=len, reverse=True)
            alternatives = [re.escape(s) for s in secrets] + _PATTERNS
            self._regex = re.compile("|".join(alternatives))

    def redact_text(self, text: str) -> str:
        if not text:
            return text
        out = self._regex.sub(REDACTED, text)
        if '"auth"' in out:
            out = _AUTH_FIELD.sub(rf"\1{REDACTED}\2", out)
        if "uthorization" in out:
            out = _AUTH_HEADER.sub(rf"\1{REDACTED}", out)
        return out

    def redact_frame(self, frame: Any) -> Any:
        """A copy of a decoded frame with every `auth` value replaced and strings scrubbed."""
        if isinstance(frame, dict):
            return {k: (REDACTED if k in ("auth", "authorization") else self.redact_frame(v))
                    for k, v in frame.items()}
        if isinstance(frame, list):
            return [self.redact_frame(v) for v in frame]
        if isinstance(frame, str):
            return self.redact_text(frame)
        return frame


REDACTOR = Redactor()


def redact_text(text: str) -> str:
    return REDACTOR.redact_text(text)


def redact_frame(frame: Any) -> Any:
    return REDACTOR.redact_frame(frame)


_WEB_HOOK_SCHEMES = ("json", "jsons", "xml", "xmls", "form", "forms", "http", "https")


def shown_url(url: str) -> str:
    """An alert/webhook URL as it may appear in a log: the scheme and, for plain web hooks,
    the host; every token, password and path is dropped (they carry the credentials)."""
    scheme, _, rest = url.partition("://")
    if not rest:
        return REDACTED
    if scheme.lower() in _WEB_HOOK_SCHEMES:
        return f"{scheme}://{_host(rest)}/{REDACTED}"
    return f"{scheme}://{REDACTED}"


def register_url_secrets(url: str) -> None:
    """Register the parts of a URL that may be secret (tokens, passwords, paths; a web hook's
    host is not one), so no log line can carry them."""
    scheme, _, rest = url.partition("://")
    REDACTOR.register(url)
    if scheme.lower() in _WEB_HOOK_SCHEMES:
        host = _host(rest)
        rest = rest.replace(host, "", 1)
    for part in re.split(r"[/@:?&=]", rest):
        REDACTOR.register(part)        # parts under 8 characters are ignored by register


def _host(rest: str) -> str:
    return rest.split("/", 1)[0].rsplit("@", 1)[-1]
