"""Signed v5 requests: X-BAPI-API-KEY / -TIMESTAMP / -RECV-WINDOW / -SIGN headers.

The signature is hex HMAC-SHA256(secret, timestamp + api_key + recv_window + payload), the
payload being the query string of a GET or the JSON body of a POST, exactly as sent. ccxt signs
the raw (unescaped) query, and aiohttp's client may re-escape a few characters in transit, so
the unescaped form of the received query is accepted too; both are exact strings.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qsl, unquote

from aiohttp import web

from hedge.sim.hedge_venue.accounts import Account
from hedge.sim.bybit import envelope as E
from hedge.sim.bybit.envelope import BybitError

MAX_RECV_WINDOW_MS = 60_000
DEFAULT_RECV_WINDOW_MS = 5_000
FUTURE_TOLERANCE_MS = 1_000


async def request_payload(request: web.Request) -> tuple[str, dict]:
    """The signed payload string and its parameters (query for GET, JSON body for POST)."""
    if request.method == "GET":
        query = request.raw_path.partition("?")[2]
        return query, dict(parse_qsl(query, keep_blank_values=True))
    body = (await request.read()).decode("utf-8", errors="replace") if request.can_read_body else ""
    try:
        params = json.loads(body) if body else {}
    except json.JSONDecodeError:
        raise E.params_error("request body is not valid JSON") from None
    if not isinstance(params, dict):
        raise E.params_error("request body must be a JSON object")
    return body, params


def _hmac_hex(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def verify_signed(accounts: dict[str, Account], request: web.Request, payload: str,
                  now_ms: int) -> Account:
    """Check key, timestamp window and signature; return the account or raise bybit's error."""
    headers = request.headers
    api_key = headers.get("X-BAPI-API-KEY", "")
    account = accounts.get(api_key)
    if account is None:
        raise BybitError(*E.API_KEY_INVALID)
    raw_ts = headers.get("X-BAPI-TIMESTAMP", "")
    raw_window = headers.get("X-BAPI-RECV-WINDOW", str(DEFAULT_RECV_WINDOW_MS))
    try:
        timestamp, recv_window = int(raw_ts), int(raw_window)
    except ValueError:
        raise BybitError(10002, "invalid request, please check your timestamp and recv_window "
                                "param") from None
    if not 0 < recv_window <= MAX_RECV_WINDOW_MS or not (
            now_ms - recv_window <= timestamp < now_ms + FUTURE_TOLERANCE_MS):
        raise BybitError(10002, "invalid request, please check your server timestamp or "
                                f"recv_window param. req_timestamp[{raw_ts}],"
                                f"server_timestamp[{now_ms}],recv_window[{raw_window}]")
    signature = headers.get("X-BAPI-SIGN", "").lower()
    prefix = f"{raw_ts}{api_key}{raw_window}"
    candidates = {payload, unquote(payload)}
    if not any(hmac.compare_digest(_hmac_hex(account.secret, prefix + p), signature)
               for p in candidates):
        raise BybitError(10004, "error sign! Please check your signature generation algorithm.")
    return account
