"""OKX-shaped refusals: `{"code": "NNNNN", "msg": "...", "data": [...]}`.

A request-level refusal carries its code at the top; an order the venue refuses is answered
with code "1" and the reason in `data[i].sCode`/`sMsg`, which is where ccxt looks for it.
Codes and messages are OKX's own, so ccxt's error table maps them as in production.
"""
from __future__ import annotations

import json

from aiohttp import web

from hedge.sim.hedge_venue.app import log_bug


class OkxError(Exception):
    """A request the venue refuses at the top level (auth, parameters, lookups)."""

    def __init__(self, code: str, msg: str, status: int = 200) -> None:
        super().__init__(f"{code} {msg}")
        self.code = code
        self.msg = msg
        self.status = status

    def response(self) -> web.Response:
        return error_response(self.code, self.msg, self.status)


class OrderRefused(Exception):
    """One order refused: reported as sCode/sMsg inside a code "1" answer."""

    def __init__(self, s_code: str, s_msg: str) -> None:
        super().__init__(f"{s_code} {s_msg}")
        self.s_code = s_code
        self.s_msg = s_msg


def error_response(code: str, msg: str, status: int = 200, data: list | None = None) -> web.Response:
    return web.Response(status=status, content_type="application/json",
                        text=json.dumps({"code": code, "msg": msg, "data": data or []}))


def ok(data: list) -> web.Response:
    return web.json_response({"code": "0", "msg": "", "data": data})


def missing_param(name: str) -> OkxError:
    return OkxError("50014", f"Parameter {name} can not be empty.", status=400)


def bad_param(name: str) -> OkxError:
    return OkxError("51000", f"Parameter {name} error", status=400)


INSTRUMENT_MISSING = ("51001", "Instrument ID or Spread ID doesn't exist.")
ORDER_MISSING = ("51603", "Order does not exist")
CANCEL_MISSING = ("51400", "Order cancellation failed as the order has been filled, canceled "
                           "or does not exist.")
MARGIN_INSUFFICIENT = ("51008", "Order failed. Insufficient USDT margin in account")
POS_SIDE = ("51000", "Parameter posSide error")
DUPLICATE_CLORDID = ("51016", "Duplicated clOrdId")
LOT_SIZE = ("51121", "Order quantity must be a multiple of the lot size.")
BELOW_MIN_SIZE = ("51020", "Your order should meet or exceed the minimum order amount.")
NO_POSITION_TO_REDUCE = ("51169", "Order failed because you don't have any positions in this "
                                  "direction for this contract to reduce or close.")
RATE_LIMITED = ("50011", "Too Many Requests")
SYSTEM_BUSY = ("50013", "Systems are busy. Please try again later.")
STATUS_UNKNOWN = ("50004", "API endpoint request timeout (does not mean that the request was "
                           "successful or failed, please check the request result).")


def map_error(request: web.Request, exc: Exception) -> web.Response:
    """Refusals, unknown routes and bugs as OKX JSON."""
    if isinstance(exc, OkxError):
        return exc.response()
    if isinstance(exc, web.HTTPNotFound):
        return error_response("404", "Not Found", status=404)
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return error_response("405", "Method Not Allowed", status=405)
    if isinstance(exc, web.HTTPException):
        return error_response(str(exc.status), exc.reason, status=exc.status)
    log_bug(request, "okx")
    return error_response("50026", "System error. Try again later.", status=500)
