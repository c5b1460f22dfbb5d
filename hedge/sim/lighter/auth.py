"""Auth tokens (`expiry:account:key:hex`): shape, expiry and registration; not signatures."""
from __future__ import annotations

import re

from hedge.sim.lighter.venue import LighterVenue

TOKEN_RE = re.compile(r"^(\d+):(\d+):(\d+):([0-9a-fA-F]+)$")


def token_problem(venue: LighterVenue, token: str | None, account: int | None, *,
                  subscription: bool = False) -> str | None:
    """None when the token is good for `account`; otherwise the reason, in Lighter's words.

    The `reject_auth` fault refuses private WebSocket subscriptions only (`subscription=True`),
    as documented: REST reads keep working, so a run gets as far as the stream.
    """
    if subscription and venue.faults.reject_auth:
        return "expired token"
    m = TOKEN_RE.match(token or "")
    if m is None:
        return "invalid token format"
    expiry, acct_index, key_index = int(m[1]), int(m[2]), int(m[3])
    if expiry * 1000 <= venue.now_ms():
        return "expired token"
    acct = venue.accounts.get(acct_index)
    if acct is None or key_index not in acct.api_keys:
        return "api key not found"
    if account is not None and account != acct_index:
        return "account mismatch"
    return None
