"""The `unknown_enum_in_replies` knob: REST replies carry enum values lighter-sdk does not know.

The real venue adds values before the SDK learns them; the SDK's models then refuse the whole
reply. With the knob on, every enum field the SDK validates in the account and order replies
(an order's status, type, time in force and trigger status, an asset's margin mode, a market's
type) gets a value outside the SDK's list. A market's own `status` keeps its value: the bot must
read it to decide whether to quote, and the `market_status` knob already varies it.
"""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from hedge.sim.lighter.keys import LIGHTER_STATE

UNKNOWN_PREFIX = "future-"
# Field -> the reply lists it sits in (None: anywhere).
_ENUM_FIELDS: dict[str, tuple[str, ...] | None] = {
    "status": ("orders",), "type": ("orders",), "time_in_force": ("orders",),
    "trigger_status": ("orders",), "margin_mode": None, "market_type": None,
}


def drift(value: Any, inside: str = "") -> Any:
    """`value` with every validated enum string replaced by an unknown one."""
    if isinstance(value, list):
        return [drift(item, inside) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        where = _ENUM_FIELDS.get(key, ())
        if isinstance(item, str) and (where is None or inside in (where or ())):
            out[key] = UNKNOWN_PREFIX + item
        else:
            out[key] = drift(item, key if isinstance(item, list) else inside)
    return out


@web.middleware
async def unknown_enums(request: web.Request, handler):
    response = await handler(request)
    venue = request.app[LIGHTER_STATE]
    if (not venue.faults.unknown_enum_in_replies or not request.path.startswith("/api/v1/")
            or not isinstance(response, web.Response) or response.content_type != "application/json"
            or response.body is None):
        return response
    body = json.loads(response.body)
    return web.json_response(drift(body), status=response.status)
