"""Bybit's answer envelope and its refusals: `{"retCode","retMsg","result","retExtInfo","time"}`.

Most refusals are HTTP 200 with a non-zero retCode, which is what ccxt maps (10003/10004 to
AuthenticationError, 10006 to RateLimitExceeded, 110072 to InvalidOrder...). The codes and
messages below are the ones bybit's v5 API sends.
"""
from __future__ import annotations

import json

from aiohttp import web

from hedge.sim.hedge_venue.app import log_bug
from hedge.sim.hedge_venue.order_faults import FaultAnswers
from hedge.sim.hedge_venue.state import wall_ms

__all__ = ["BybitError", "envelope", "error_response", "ok", "params_error"]


def envelope(result: dict, code: int = 0, msg: str = "OK", now_ms: int | None = None) -> dict:
    return {"retCode": code, "retMsg": msg, "result": result, "retExtInfo": {},
            "time": wall_ms() if now_ms is None else now_ms}


def ok(result: dict, now_ms: int | None = None) -> web.Response:
    return web.json_response(envelope(result, now_ms=now_ms))


class BybitError(Exception):
    """A request the venue refuses, with bybit's retCode, retMsg and HTTP status."""

    def __init__(self, code: int, msg: str, status: int = 200) -> None:
        super().__init__(f"{code} {msg}")
        self.code = code
        self.msg = msg
        self.status = status

    def response(self) -> web.Response:
        return error_response(self.code, self.msg, self.status)


def error_response(code: int, msg: str, status: int = 200,
                   headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=json.dumps(envelope({}, code, msg)),
                        content_type="application/json", headers=headers)


def params_error(detail: str) -> BybitError:
    return BybitError(10001, f"params error: {detail}")


API_KEY_INVALID = (10003, "API key is invalid.")
RATE_LIMITED = (10006, "Too many visits. Exceeded the API Rate Limit.")
SERVER_ERROR = (10016, "Internal server error.")
ORDER_NOT_FOUND = (110001, "order not exists or too late to cancel")
INSUFFICIENT_BALANCE = (110007, "ab not enough for new order")
REDUCE_ONLY_ZERO = (110017, "current position is zero, cannot fix reduce-only order qty")
REDUCE_ONLY_SIDE = (110017, "Reduce-only rule not satisfied")
POSITION_IDX = (10001, "position idx not match position mode")
DUPLICATE_LINK_ID = (110072, "OrderLinkedID is duplicate")
RATE_LIMIT_HEADERS = {"X-Bapi-Limit": "10", "X-Bapi-Limit-Status": "0"}


def _fault_answer(kind: str, now: int) -> web.Response | None:
    """Before matching: `429` is bybit's API rate limit (HTTP 200, retCode 10006), `418` its IP
    limit (HTTP 403 "access too frequent"), `-1001` a 10016 internal error; 502/503 and -1007
    (a 504 after executing) are gateway pages."""
    if kind == "429":
        headers = RATE_LIMIT_HEADERS | {"X-Bapi-Limit-Reset-Timestamp": str(now + 1000)}
        return error_response(*RATE_LIMITED, headers=headers)
    if kind == "418":
        return web.Response(status=403, text="access too frequent", content_type="text/plain")
    return error_response(*SERVER_ERROR) if kind == "-1001" else None


FAULT_ANSWERS = FaultAnswers(_fault_answer)


def map_error(request: web.Request, exc: Exception) -> web.Response:
    """Refusals, unknown routes and bugs in bybit's envelope (a bare 404 or 500 would look
    retryable to ccxt)."""
    if isinstance(exc, BybitError):
        return exc.response()
    if isinstance(exc, web.HTTPNotFound):
        return error_response(10001, f"path {request.path} not found", status=404)
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return error_response(10001, f"method {request.method} not allowed for {request.path}",
                              status=405)
    if isinstance(exc, web.HTTPException):
        return error_response(10001, exc.reason, status=exc.status if exc.status < 500 else 400)
    log_bug(request, "bybit")
    return error_response(10016, "Internal server error.")
