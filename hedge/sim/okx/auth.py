"""OKX v5 request signing, checked: OK-ACCESS-KEY/-SIGN/-TIMESTAMP/-PASSPHRASE.

SIGN = base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath[?query] + body)), with the
timestamp in ISO 8601 milliseconds UTC. The client's HTTP layer may re-encode a query before
sending, so the canonical re-encoding of the received query is accepted too; both are exact
strings, so a wrong secret, a changed parameter or a stale timestamp still fails.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from hedge.sim.okx.errors import OkxError
from hedge.sim.hedge_venue.accounts import Account
from hedge.sim.okx.state import OkxVenueState

MAX_CLOCK_SKEW_MS = 30_000


def _sign(secret: str, payload: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), payload.encode(),
                                     hashlib.sha256).digest()).decode()


def _timestamp_ms(raw: str) -> int:
    try:
        when = datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        raise OkxError("50112", "Invalid OK-ACCESS-TIMESTAMP", status=401) from None
    return int((when - datetime(1970, 1, 1)).total_seconds() * 1000)


def verify(state: OkxVenueState, request: web.Request, body: str, now_ms: int) -> Account:
    """The account whose key, passphrase, timestamp and signature all check out."""
    headers = request.headers
    key = headers.get("OK-ACCESS-KEY", "")
    if not key:
        raise OkxError("50103", 'Request header "OK-ACCESS-KEY" cannot be empty.', status=401)
    passphrase = headers.get("OK-ACCESS-PASSPHRASE", "")
    if not passphrase:
        raise OkxError("50104", 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.',
                       status=401)
    raw_ts = headers.get("OK-ACCESS-TIMESTAMP", "")
    if not raw_ts:
        raise OkxError("50107", 'Request header "OK-ACCESS-TIMESTAMP" cannot be empty.',
                       status=401)
    signature = headers.get("OK-ACCESS-SIGN", "")
    if not signature:
        raise OkxError("50106", 'Request header "OK-ACCESS-SIGN" cannot be empty.', status=401)
    account = state.accounts.get(key)
    if account is None:
        raise OkxError("50111", "Invalid OK-ACCESS-KEY.", status=401)
    if not hmac.compare_digest(account.passphrase, passphrase):
        raise OkxError("50105", "Invalid OK-ACCESS-PASSPHRASE.", status=401)
    if abs(now_ms - _timestamp_ms(raw_ts)) > MAX_CLOCK_SKEW_MS:
        raise OkxError("50102", "Timestamp request expired.", status=401)
    path, _, query = request.raw_path.partition("?")
    candidates = {query, urlencode(parse_qsl(query, keep_blank_values=True))} if query else {""}
    for q in candidates:
        payload = raw_ts + request.method + path + (f"?{q}" if q else "") + body
        if hmac.compare_digest(_sign(account.secret, payload), signature):
            return account
    raise OkxError("50113", "Invalid Sign.", status=401)
