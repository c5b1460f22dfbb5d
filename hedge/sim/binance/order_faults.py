"""Which fault, if any, hits one order POST: a queued one-shot first, then the random knobs.

Faults that answer *before* matching leave no order behind (429, 418, 502/503, -1001); the
others (drop, late, -1007) execute the order and then hide or delay the answer, which is what
makes a blind retry dangerous. Knobs are read on every request, so /sim/faults applies live.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass

from aiohttp import web

from hedge.sim.binance.errors import error_response
from hedge.sim.faults import HedgeFaults

BEFORE_MATCHING = ("429", "418", "502", "503", "-1001")
AFTER_MATCHING = ("drop", "late", "-1007")
REFUSE_PREFIX = "refuse:"


@dataclass(frozen=True)
class OrderFault:
    """`kind` is one of BEFORE_MATCHING, AFTER_MATCHING, or "refuse"."""

    kind: str
    refuse_seconds: float = 0.0

    @property
    def before_matching(self) -> bool:
        return self.kind in BEFORE_MATCHING or self.kind == "refuse"


def parse_one_shot(item: str) -> OrderFault:
    if item.startswith(REFUSE_PREFIX):
        return OrderFault("refuse", float(item[len(REFUSE_PREFIX):]))
    if item in BEFORE_MATCHING or item in AFTER_MATCHING:
        return OrderFault(item)
    raise ValueError(f"unknown one-shot fault {item!r}; known: "
                     f"{', '.join(BEFORE_MATCHING + AFTER_MATCHING)}, refuse:<seconds>")


def draw_order_fault(faults: HedgeFaults, rng: random.Random) -> OrderFault | None:
    """Consume the next one-shot fault, else draw the probabilistic knobs in a fixed order."""
    if faults.next:
        return parse_one_shot(faults.next.pop(0))
    if faults.http_429_prob and rng.random() < faults.http_429_prob:
        return OrderFault("429")
    if faults.http_418_prob and rng.random() < faults.http_418_prob:
        return OrderFault("418")
    if faults.http_5xx_prob and rng.random() < faults.http_5xx_prob:
        return OrderFault(rng.choice(("502", "503")))
    if faults.err_1001_prob and rng.random() < faults.err_1001_prob:
        return OrderFault("-1001")
    if faults.execute_then_drop_prob and rng.random() < faults.execute_then_drop_prob:
        return OrderFault("drop")
    if faults.execute_then_late_prob and rng.random() < faults.execute_then_late_prob:
        return OrderFault("late")
    return None


def _gateway_page(status: int, reason: str) -> web.Response:
    html = (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n")
    return web.Response(status=status, text=html, content_type="text/html")


def refusal_response(fault: OrderFault, now_ms: int) -> web.Response:
    """The answer a before-matching fault gives instead of executing."""
    if fault.kind == "429":
        return error_response(-1003, "Too many requests; current limit of IP(127.0.0.1) is 2400 "
                                     "requests per minute. Please use the websocket for live "
                                     "updates to avoid polling the API.", status=429)
    if fault.kind == "418":
        return error_response(-1003, f"Way too many requests; IP(127.0.0.1) banned until "
                                     f"{now_ms + 120_000}. Please use the websocket for live "
                                     "updates to avoid bans.", status=418)
    if fault.kind == "502":
        return _gateway_page(502, "Bad Gateway")
    if fault.kind == "503":
        return _gateway_page(503, "Service Temporarily Unavailable")
    if fault.kind == "-1001":
        return error_response(-1001, "Internal error; unable to process your request. "
                                     "Please try again.")
    raise ValueError(f"{fault.kind} is not answered before matching")


def unknown_status_response() -> web.Response:
    """-1007 after the order executed: Binance's 'execution status unknown'."""
    return web.Response(status=503, content_type="application/json", text=json.dumps(
        {"code": -1007, "msg": "Timeout waiting for response from backend server. Send status "
                               "unknown; execution status unknown."}))
