"""Bybit's answer envelope and its refusals: `{"retCode","retMsg","result","retExtInfo","time"}`.

Most refusals are HTTP 200 with a non-zero retCode, which is what ccxt maps (10003/10004 to
AuthenticationError, 10006 to RateLimitExceeded, 110072 to InvalidOrder...). The codes and
messages below are the ones bybit's v5 API sends.
"""
from __future__ import annotations

import json

from aiohttp import web

from hedge.sim.binance.venue import now_ms

__all__ = ["BybitError", "envelope", "error_response", "now_ms", "ok", "params_error"]


def envelope(result: dict, code: int = 0, msg: str = "OK") -> dict:
    return {"retCode": code, "retMsg": msg, "result": result, "retExtInfo": {}, "time": now_ms()}


def ok(result: dict) -> web.Response:
    return web.json_response(envelope(result))


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
DUPLICATE_LINK_ID = (110072, "OrderLinkedID is duplicate")
