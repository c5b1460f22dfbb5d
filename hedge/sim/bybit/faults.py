"""How the shared hedge fault knobs look on bybit.

The knobs and the one-shot queue are the binance venue's (`draw_order_fault`), read the same
way; only the answers differ. Before matching: `429` is bybit's API rate limit (HTTP 200,
retCode 10006, ccxt RateLimitExceeded), `418` its IP limit (HTTP 403 "access too frequent",
ccxt RateLimitExceeded), `502`/`503` a gateway page (ccxt ExchangeNotAvailable), `-1001` a
10016 internal error. After matching: `drop` and `late` as on the binance venue, and `-1007`
a 504 gateway timeout, so the client cannot tell whether the order exists.
"""
from __future__ import annotations

from aiohttp import web

from hedge.sim.binance.order_faults import OrderFault, refusal_response
from hedge.sim.bybit import envelope as E
from hedge.sim.bybit.envelope import error_response, now_ms

RATE_LIMIT_HEADERS = {"X-Bapi-Limit": "10", "X-Bapi-Limit-Status": "0"}


def fault_answer(fault: OrderFault) -> web.Response:
    """The answer a before-matching fault gives instead of executing."""
    if fault.kind == "429":
        headers = RATE_LIMIT_HEADERS | {"X-Bapi-Limit-Reset-Timestamp": str(now_ms() + 1000)}
        return error_response(*E.RATE_LIMITED, headers=headers)
    if fault.kind == "418":
        return web.Response(status=403, text="access too frequent", content_type="text/plain")
    if fault.kind == "-1001":
        return error_response(*E.SERVER_ERROR)
    return refusal_response(fault, now_ms())   # 502 / 503: the gateway's HTML page


def unknown_outcome_response() -> web.Response:
    """`-1007` after the order executed: the gateway timed out waiting for the engine."""
    html = ("<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
            "<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n")
    return web.Response(status=504, text=html, content_type="text/html")
