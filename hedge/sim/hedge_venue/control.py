"""The /sim control API of every hedge venue: accounts, faults, state and reset, with only the
credential fields of `/sim/accounts` differing (`AccountForm`). Reset keeps the accounts, so one
venue can serve many tests in turn."""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Callable

from aiohttp import web

from hedge.sim.faults import HedgeFaults, UnknownFaultError, apply_knobs, fault_profile
from hedge.sim.hedge_venue.accounts import POSITION_MODES
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY
from hedge.sim.hedge_venue.order_faults import parse_one_shot
from hedge.sim.hedge_venue.refusal import sync_refusal

FORM_KEY = web.AppKey("hedge_account_form", object)


@dataclass(frozen=True)
class AccountForm:
    """What `POST /sim/accounts` takes on one venue: the key field, the other credentials
    (`optional` ones may be left out), and whether the venue has position modes."""

    key: str = "api_key"
    required: tuple[str, ...] = ("secret",)
    optional: tuple[str, ...] = ()
    position_modes: bool = True
    check: Callable[[str, str], str | None] = lambda name, value: None   # -> problem or None
    normalize: Callable[[str], str] = str                                 # the key as stored

    def shape(self) -> str:
        names = [f'"{self.key}"', *(f'"{n}"' for n in self.required), '"balance"']
        extra = [*self.optional, "taker_fee_bps", "maker_fee_bps"]
        if self.position_modes:
            extra.append('position_mode ("one_way" | "hedge")')
        return f"expected {{{', '.join(names)}}}, optionally {', '.join(extra)}"


def _bad_request(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


async def _json_body(request: web.Request) -> dict | None:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _decimal(body: dict, name: str, default: Decimal) -> Decimal:
    raw = body.get(name, default)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValueError(f"{name} {raw!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} {raw!r} must be a number >= 0")
    return value


async def post_account(request: web.Request) -> web.Response:
    """POST /sim/accounts: register (or replace) an account."""
    form: AccountForm = request.app[FORM_KEY]
    state = request.app[HEDGE_STATE_KEY]
    body = await _json_body(request)
    if body is None:
        return _bad_request(form.shape())
    values = {}
    for name in (form.key, *form.required, *form.optional):
        value = body.get(name)
        if value is None and name in form.optional:
            continue
        problem = (None if isinstance(value, str) and value else "is missing or empty"
                   ) or form.check(name, value)
        if problem:
            return _bad_request(f"{name} {problem}; {form.shape()}")
        values[name] = value
    mode = body.get("position_mode", "one_way")
    if mode != "one_way" and not (form.position_modes and mode in POSITION_MODES):
        return _bad_request(f"position_mode {mode!r} is not one of "
                            f"{POSITION_MODES if form.position_modes else ('one_way',)}")
    taker, maker = state.fee_bps
    try:
        balance = _decimal(body, "balance", Decimal("10000"))
        extra = {"taker_fee_bps": _decimal(body, "taker_fee_bps", taker),
                 "maker_fee_bps": _decimal(body, "maker_fee_bps", maker)}
    except ValueError as exc:
        return _bad_request(str(exc))
    if form.position_modes:
        extra["position_mode"] = mode
    key = form.normalize(values.pop(form.key))
    state.register(key, balance, **values, **extra)
    return web.json_response({form.key: key, "balance": str(balance),
                              **{name: str(value) for name, value in extra.items()}})


async def post_faults(request: web.Request) -> web.Response:
    """POST /sim/faults {"profile": NAME} or a knob dict; unknown names answer 400."""
    body = await _json_body(request)
    if body is None:
        return _bad_request("expected a JSON object: {\"profile\": NAME} or knobs")
    faults = request.app[HEDGE_STATE_KEY].faults
    try:
        if "profile" in body:
            if len(body) != 1:
                raise UnknownFaultError("send either a profile or knobs, not both")
            fresh = fault_profile(str(body["profile"])).hedge
            apply_knobs(faults, {f.name: getattr(fresh, f.name) for f in fields(fresh)})
        else:
            for item in body.get("next", []):
                if isinstance(item, str):
                    parse_one_shot(item)
            apply_knobs(faults, body)
    except (UnknownFaultError, ValueError) as exc:
        return _bad_request(str(exc))
    return web.json_response({"faults": vars(faults)})


async def post_reset(request: web.Request) -> web.Response:
    """POST /sim/reset: faults (clock offset and lookup lag included), price pins and the
    refusal switch back to their defaults; accounts, orders and positions are kept."""
    state = request.app[HEDGE_STATE_KEY]
    fresh = HedgeFaults()
    apply_knobs(state.faults, {f.name: getattr(fresh, f.name) for f in fields(fresh)})
    vars(state.prices).pop("mid", None)      # a pinned mid (tests' freeze_prices) walks again
    await sync_refusal(request.app)
    return web.json_response({"faults": vars(state.faults)})


async def get_state(request: web.Request) -> web.Response:
    return web.json_response(request.app[HEDGE_STATE_KEY].snapshot())


def add_control_routes(app: web.Application, form: AccountForm) -> None:
    app[FORM_KEY] = form
    app.router.add_post("/sim/accounts", post_account)
    app.router.add_post("/sim/faults", post_faults)
    app.router.add_post("/sim/reset", post_reset)
    app.router.add_get("/sim/state", get_state)
