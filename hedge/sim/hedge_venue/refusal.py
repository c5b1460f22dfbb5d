"""The connection-refusal switch: `refuse_connections` and a queued `refuse:<s>` one-shot close
the listening socket and the keep-alive connections already accepted (a pooled connection would
otherwise never see 'connection refused'). Setting a knob drives it (HedgeFaults notifies on
assignment); nothing polls."""
from __future__ import annotations

import asyncio
import logging
from typing import AsyncIterator

from aiohttp import web

from hedge.sim.hedge_venue.keys import CONNECTIONS_KEY, HEDGE_STATE_KEY, LISTENER_KEY

log = logging.getLogger(__name__)

KNOB_REFUSAL_S = 24 * 3600.0   # `refuse_connections` holds until the knob is cleared
# The switch moves just after the knob is set, once the answer to the request that set it
# (a /sim/faults POST on a connection the switch closes) has gone out.
SWITCH_DELAY_S = 0.01
MAX_TRACKED_CONNECTIONS = 256   # closed transports are pruned once this many are remembered
REFUSE_PREFIX = "refuse:"


def remember_connection(request: web.Request) -> None:
    """Track the request's connection, so a refusal can close the keep-alive ones too."""
    connections = request.app[CONNECTIONS_KEY]
    if request.transport is not None and request.transport not in connections:
        if len(connections) >= MAX_TRACKED_CONNECTIONS:
            connections.difference_update([t for t in connections if t.is_closing()])
        connections.add(request.transport)


async def engage_refusal(app: web.Application, seconds: float) -> None:
    """Refuse connections for `seconds`; the Listener reopens the socket by itself."""
    listener = app.get(LISTENER_KEY)
    if listener is None:
        log.warning("hedge sim: refusal requested but no listener is attached; ignored")
        return
    await listener.close_for(seconds)
    for transport in list(app[CONNECTIONS_KEY]):
        if not transport.is_closing():
            transport.close()
    app[CONNECTIONS_KEY].clear()


async def sync_refusal(app: web.Application) -> None:
    """Bring the listener in line with the knobs: a `refuse:<s>` at the head of `next` applies
    now, and `refuse_connections` closes (or reopens) the listener."""
    state = app[HEDGE_STATE_KEY]
    faults = state.faults
    while faults.next and faults.next[0].startswith(REFUSE_PREFIX):
        seconds = float(faults.next[0][len(REFUSE_PREFIX):])
        del faults.next[0]
        await engage_refusal(app, seconds)
    if faults.refuse_connections and not state.refusing:
        state.refusing = True
        await engage_refusal(app, KNOB_REFUSAL_S)
    elif not faults.refuse_connections and state.refusing:
        state.refusing = False
        listener = app.get(LISTENER_KEY)
        if listener is not None:
            await listener.close_for(0)   # already closed: this just reopens now


async def refusal_switch_ctx(app: web.Application) -> AsyncIterator[None]:
    """Have every assignment of a refusal knob schedule `sync_refusal` on the venue's loop."""
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task] = set()

    def on_change() -> None:
        if loop.is_closed():
            return

        def start() -> None:
            task = loop.create_task(sync_refusal(app))
            pending.add(task)
            task.add_done_callback(pending.discard)
        loop.call_soon_threadsafe(loop.call_later, SWITCH_DELAY_S, start)

    faults = app[HEDGE_STATE_KEY].faults
    faults.watch_refusal(on_change)
    await sync_refusal(app)
    yield
    faults.watch_refusal(None)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
