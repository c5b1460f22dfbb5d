"""Which fault hits one order request, and the gate every venue's order route runs (each venue
gives only its answers, `FaultAnswers`). Faults before matching leave no order behind; drop, late
and -1007 execute and then hide or delay the answer, which makes a blind retry dangerous."""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Callable

from aiohttp import web

from hedge.sim.faults import HedgeFaults
from hedge.sim.hedge_venue.keys import HEDGE_STATE_KEY
from hedge.sim.hedge_venue.refusal import REFUSE_PREFIX, engage_refusal

BEFORE_MATCHING = ("429", "418", "502", "503", "-1001")
AFTER_MATCHING = ("drop", "late", "-1007")


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


# The random knobs, drawn in this order; None: a 502 or a 503, drawn too.
RANDOM_FAULTS = (("http_429_prob", "429"), ("http_418_prob", "418"), ("http_5xx_prob", None),
                 ("err_1001_prob", "-1001"), ("execute_then_drop_prob", "drop"),
                 ("execute_then_late_prob", "late"))


def draw_order_fault(faults: HedgeFaults, rng: random.Random) -> OrderFault | None:
    """Consume the next one-shot fault, else draw the random knobs."""
    if faults.next:
        head, faults.next = faults.next[0], faults.next[1:]   # assigned: the refusal switch sees it
        return parse_one_shot(head)
    for knob, kind in RANDOM_FAULTS:
        probability = getattr(faults, knob)
        if probability and rng.random() < probability:
            return OrderFault(kind or rng.choice(("502", "503")))
    return None


def gateway_page(status: int, reason: str) -> web.Response:
    html = (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n")
    return web.Response(status=status, text=html, content_type="text/html")


GATEWAY_REASONS = {502: "Bad Gateway", 503: "Service Temporarily Unavailable",
                   504: "Gateway Time-out"}


@dataclass(frozen=True)
class FaultAnswers:
    """A venue's wire answers to the faults: `before(kind, now_ms)` for 429/418/-1001 (502/503
    default to a gateway page when it returns None) and `unknown()` for -1007 after executing."""

    before: Callable[[str, int], web.Response | None]
    unknown: Callable[[], web.Response] = lambda: gateway_page(504, GATEWAY_REASONS[504])


async def gated_order(request: web.Request, answers: FaultAnswers,
                      execute: Callable[[], web.Response]) -> web.StreamResponse:
    """Fault gate first (a 429 never reaches matching), then `execute`, then maybe hide it."""
    state = request.app[HEDGE_STATE_KEY]
    state.order_posts += 1
    fault = draw_order_fault(state.faults, state.rng)
    if fault is not None and fault.before_matching:
        if fault.kind == "refuse":
            await engage_refusal(request.app, fault.refuse_seconds)
            return web.Response(status=503)   # the connection is gone; never read
        answer = answers.before(fault.kind, state.now_ms())
        return answer or gateway_page(int(fault.kind), GATEWAY_REASONS[int(fault.kind)])
    response = execute()
    if fault is None:
        return response
    if fault.kind == "drop":
        if request.transport is not None:
            request.transport.close()
        return response
    if fault.kind == "late":
        await asyncio.sleep(state.faults.late_ms / 1000)
        return response
    return answers.unknown()
