"""Signed-request checks: X-MBX-APIKEY, HMAC-SHA256 of the exact parameter string, recvWindow.

The signature is checked over the string the client sent (query string, then body, everything
before `&signature=`). aiohttp's client (yarl) unquotes safe characters such as `%3A` in a
query before sending, so a GET whose signed string held `%3A` arrives with `:`; the canonical
re-encoding of the received parameters is therefore accepted too. Both are exact strings: a
wrong secret, a changed parameter or a reordered query still fails.
"""
from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from hedge.sim.binance import errors as E
from hedge.sim.hedge_venue.accounts import Account
from hedge.sim.binance.errors import VenueError
from hedge.sim.hedge_venue.state import HedgeVenueState

MAX_RECV_WINDOW_MS = 60_000
DEFAULT_RECV_WINDOW_MS = 5_000
FUTURE_TOLERANCE_MS = 1_000


async def request_params(request: web.Request) -> tuple[str, dict[str, str]]:
    """The raw signed payload (query + body) and its parsed parameters."""
    query = request.raw_path.partition("?")[2]   # query_string would be percent-decoded
    body = ""
    if request.can_read_body:
        body = (await request.read()).decode("utf-8", errors="replace")
    total = query + body if not (query and body) else f"{query}&{body}"
    params = dict(parse_qsl(total, keep_blank_values=True))
    return total, params


def account_for_key(state: HedgeVenueState, request: web.Request) -> Account:
    """The account of X-MBX-APIKEY (listenKey calls need only this, no signature)."""
    api_key = request.headers.get("X-MBX-APIKEY")
    if not api_key:
        raise VenueError(*E.API_KEY_FORMAT, status=401)
    account = state.accounts.get(api_key)
    if account is None:
        raise VenueError(*E.INVALID_API_KEY, status=401)
    return account


def _hmac_hex(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def verify_signed(state: HedgeVenueState, request: web.Request, total: str,
                  params: dict[str, str], now_ms: int) -> Account:
    """Check key, signature and timestamp; return the account or raise Binance's error."""
    account = account_for_key(state, request)
    marker = total.rfind("&signature=")
    if marker < 0:
        if not total.startswith("signature="):
            raise E.missing_param("signature")
        marker = -1
    payload = total[:marker] if marker >= 0 else ""
    signature = params.get("signature", "").lower()
    canonical = urlencode(parse_qsl(payload, keep_blank_values=True))
    if not any(hmac.compare_digest(_hmac_hex(account.secret, signed), signature)
               for signed in {payload, canonical}):
        raise VenueError(*E.BAD_SIGNATURE)
    raw_ts = params.get("timestamp")
    if not raw_ts:
        raise E.missing_param("timestamp")
    try:
        timestamp = int(raw_ts)
        recv_window = int(params.get("recvWindow", DEFAULT_RECV_WINDOW_MS))
    except ValueError:
        raise E.bad_param("timestamp") from None
    if recv_window <= 0 or recv_window > MAX_RECV_WINDOW_MS:
        raise VenueError(-1131, "recvWindow must be less than 60000")
    if timestamp >= now_ms + FUTURE_TOLERANCE_MS or now_ms - timestamp > recv_window:
        raise VenueError(*E.TIMESTAMP_OUTSIDE_WINDOW)
    return account
