"""What every REST call passes through before and after its handler: the request caps
(HTTP 429 with Lighter's body) and the `rest_stall_ms` fault.

A stalled call is handled first and answered late, so a stalled sendTx has already been
accepted when the client gives up waiting: the outcome is ambiguous, as on the real venue.
"""
from __future__ import annotations

import asyncio
import json

from aiohttp import web

from hedge.sim.lighter.keys import LIGHTER_STATE
from hedge.sim.lighter.limits import TOO_MANY_REQUESTS
from hedge.sim.lighter.venue import LighterVenue

API_PREFIX = "/api/v1/"
UNGATED_PREFIXES = ("/sim/", "/stream")


def endpoint_of(path: str) -> str:
    """`/api/v1/sendTx` -> `sendTx`; `/` and `/info` keep their own names."""
    if path.startswith(API_PREFIX):
        return path[len(API_PREFIX):]
    return path.strip("/") or "status"


def account_of_token(token: str | None) -> int | None:
    parts = (token or "").split(":")
    if len(parts) == 4 and parts[1].isdigit():
        return int(parts[1])
    return None


def accounts_in_tx_infos(infos: list) -> set[int]:
    found: set[int] = set()
    for info in infos:
        if isinstance(info, str):
            try:
                info = json.loads(info)
            except ValueError:
                continue
        if isinstance(info, dict) and isinstance(info.get("AccountIndex"), int):
            found.add(info["AccountIndex"])
    return found


async def accounts_named(request: web.Request) -> set[int]:
    """Accounts a request names: auth token, `account_index`, `by=index`, or signed tx_info."""
    q = request.query
    found: set[int] = set()
    token_account = account_of_token(request.headers.get("authorization") or q.get("auth"))
    if token_account is not None:
        found.add(token_account)
    if q.get("account_index", "").isdigit():
        found.add(int(q["account_index"]))
    if q.get("by") == "index" and q.get("value", "").isdigit():
        found.add(int(q["value"]))
    if request.method == "POST" and request.path in (API_PREFIX + "sendTx", API_PREFIX + "sendTxBatch"):
        form = await request.post()
        if "tx_info" in form:
            found |= accounts_in_tx_infos([form["tx_info"]])
        try:
            infos = json.loads(str(form.get("tx_infos", "[]")))
        except ValueError:
            infos = []
        if isinstance(infos, list):
            found |= accounts_in_tx_infos(infos)
    return found


def too_many_requests() -> web.Response:
    return web.json_response(TOO_MANY_REQUESTS, status=429)


def stall_s(venue: LighterVenue, path: str) -> float:
    faults = venue.faults
    if faults.rest_stall_ms <= 0:
        return 0.0
    if faults.rest_stall_paths and not any(p in path for p in faults.rest_stall_paths):
        return 0.0
    return faults.rest_stall_ms / 1000


@web.middleware
async def request_gate(request: web.Request, handler):
    if request.path.startswith(UNGATED_PREFIXES):
        return await handler(request)
    venue: LighterVenue = request.app[LIGHTER_STATE]
    accounts = await accounts_named(request)
    if venue.limiter.admit(request.remote or "", accounts, endpoint_of(request.path)):
        response = await handler(request)
    else:
        response = too_many_requests()
    delay = stall_s(venue, request.path)
    if delay:
        await asyncio.sleep(delay)
    return response
