"""The app factory every hedge venue is built by, and what the venues' wires share: the error
class, request bodies, HMAC and the route table."""
from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable

from aiohttp import web

from hedge.sim.hedge_venue.control import AccountForm, add_control_routes
from hedge.sim.hedge_venue.keys import CONNECTIONS_KEY, HEDGE_STATE_KEY
from hedge.sim.hedge_venue.refusal import refusal_switch_ctx, remember_connection
from hedge.sim.hedge_venue.state import HedgeVenueState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The answer to an exception a handler raised (its own refusals, aiohttp's 404/405, or a bug),
# in the venue's own shape; None lets it propagate.
ErrorMapper = Callable[[web.Request, Exception], web.StreamResponse | None]


def build_venue_app(state: HedgeVenueState, map_error: ErrorMapper,
                    add_routes: Callable[[web.Application], None],
                    form: AccountForm = AccountForm()) -> web.Application:
    """`state.faults` is read on every request, so mutating it applies live."""

    @web.middleware
    async def venue_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        remember_connection(request)
        try:
            return await handler(request)
        except Exception as exc:
            answer = map_error(request, exc)
            if answer is None:
                raise
            return answer

    app = web.Application(middlewares=[venue_errors])
    app[HEDGE_STATE_KEY] = state
    app[CONNECTIONS_KEY] = set()
    add_routes(app)
    add_control_routes(app, form)
    app.cleanup_ctx.append(refusal_switch_ctx)
    return app


Authenticate = Callable[[web.Request, HedgeVenueState, int], Awaitable[tuple[Any, Any]]]


def signed_by(authenticate: Authenticate) -> Callable[[Callable], Handler]:
    """A decorator for a venue's private routes: `authenticate(request, state, now)` gives
    (account, params) on the venue's clock; the route gets (request, state, account, params,
    now)."""
    def signed(handler: Callable[..., Awaitable[web.StreamResponse]]) -> Handler:
        async def route(request: web.Request) -> web.StreamResponse:
            state = request.app[HEDGE_STATE_KEY]
            now = state.now_ms()
            account, params = await authenticate(request, state, now)
            return await handler(request, state, account, params, now)
        return route
    return signed


def now_ms(request: web.Request) -> int:
    """The venue's clock (the `clock_offset_ms` knob shifts it)."""
    return request.app[HEDGE_STATE_KEY].now_ms()


def add_route_table(app: web.Application, routes: list[tuple[str, str, Handler]]) -> None:
    """A venue's routes as (method, path, handler); GET also answers HEAD, as aiohttp's add_get."""
    for method, path, handler in routes:
        if method == "GET":
            app.router.add_get(path, handler)
        else:
            app.router.add_route(method, path, handler)


async def body_text(request: web.Request) -> str:
    if not request.can_read_body:
        return ""
    return (await request.read()).decode("utf-8", errors="replace")


class WireError(Exception):
    """A request the venue refuses: its code, message and HTTP status; `envelope` (each venue's
    subclass sets it) gives the body."""

    default_status = 200

    def __init__(self, code, msg: str, status: int | None = None) -> None:
        super().__init__(f"{code} {msg}")
        self.code, self.msg = code, msg
        self.status = self.default_status if status is None else status

    def response(self) -> web.Response:
        return self.envelope(self.code, self.msg, self.status)

    @staticmethod
    def envelope(code, msg: str, status: int) -> web.Response:
        raise NotImplementedError


HttpAnswer = Callable[[web.Request, web.HTTPException], tuple]


def wire_error_mapper(venue: str, error: type[WireError], http_answer: HttpAnswer,
                      bug: tuple) -> ErrorMapper:
    """Refusals, unknown routes (`http_answer`: the error's arguments) and bugs (`bug`, logged)
    in the venue's envelope: a bare 404 or 500 would look retryable to ccxt."""
    def map_error(request: web.Request, exc: Exception) -> web.Response:
        if isinstance(exc, error):
            return exc.response()
        if isinstance(exc, web.HTTPException):
            return error(*http_answer(request, exc)).response()
        log_bug(request, venue)
        return error(*bug).response()
    return map_error


def hmac_sha256(secret: str, payload: str) -> bytes:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()


def log_bug(request: web.Request, venue: str) -> None:
    logging.getLogger("hedge.sim." + venue).exception(
        "%s sim: unhandled error on %s %s", venue, request.method, request.path)
