"""Binance-shaped errors: every refusal the venue gives is `{"code": -NNNN, "msg": "..."}`.

ccxt maps these by code (and, for a few, by message), so the codes and messages below are the
ones Binance USD-M futures really sends; a wrong code would make the client's error mapping look
right in tests and fail in production.
"""
from __future__ import annotations

import json

from aiohttp import web

from hedge.sim.hedge_venue.app import log_bug


class VenueError(Exception):
    """A request the venue refuses, with Binance's code, message and HTTP status."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(f"{code} {msg}")
        self.code = code
        self.msg = msg
        self.status = status

    def response(self) -> web.Response:
        return error_response(self.code, self.msg, self.status)


def error_response(code: int, msg: str, status: int = 400) -> web.Response:
    return web.Response(status=status, text=json.dumps({"code": code, "msg": msg}),
                        content_type="application/json")


def missing_param(name: str) -> VenueError:
    return VenueError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, "
                             "or malformed.")


def bad_param(name: str) -> VenueError:
    return VenueError(-1100, f"Illegal characters found in parameter '{name}'.")


UNKNOWN_ORDER_QUERY = (-2013, "Order does not exist.")
UNKNOWN_ORDER_CANCEL = (-2011, "Unknown order sent.")
MARGIN_INSUFFICIENT = (-2019, "Margin is insufficient.")
REDUCE_ONLY_REJECTED = (-2022, "ReduceOnly Order is rejected.")
DUPLICATE_CLIENT_ID = (-4116, "ClientOrderId is duplicated.")
POSITION_SIDE = (-4061, "Order's position side does not match user's setting.")
QTY_PRECISION = (-1111, "Precision is over the maximum defined for this asset.")
PRICE_TICK = (-4014, "Price not increased by tick size.")
POST_ONLY_WOULD_CROSS = (-5022, "Due to the order could not be executed as maker, the Post Only "
                                "order will be rejected. The order will not be recorded in the "
                                "order book")
FOK_NOT_FILLABLE = (-5021, "Due to the order could not be filled immediately, the FOK order has "
                           "been rejected. The order will not be recorded in the order book")
INVALID_SYMBOL = (-1121, "Invalid symbol.")
TIMESTAMP_OUTSIDE_WINDOW = (-1021, "Timestamp for this request is outside of the recvWindow.")
BAD_SIGNATURE = (-1022, "Signature for this request is not valid.")
INVALID_API_KEY = (-2015, "Invalid API-key, IP, or permissions for action.")
API_KEY_FORMAT = (-2014, "API-key format invalid.")


def map_error(request: web.Request, exc: Exception) -> web.Response:
    """Refusals, unknown routes and bugs as Binance JSON (a bare 404 or 500 would look
    retryable to ccxt)."""
    if isinstance(exc, VenueError):
        return exc.response()
    if isinstance(exc, web.HTTPNotFound):
        return error_response(-5000, f"Path {request.path}, Method {request.method} is invalid",
                              status=404)
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return error_response(-1000, f"Method {request.method} is not supported for "
                                     f"{request.path}", status=405)
    if isinstance(exc, web.HTTPException):
        return error_response(-1000, exc.reason, status=exc.status if exc.status < 500 else 400)
    log_bug(request, "binance")
    return error_response(-1000, "An unknown error occurred while processing the request.")
