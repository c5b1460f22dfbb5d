"""Lighter's clock, read from the venue: its stream stamps frames in milliseconds.

The REST root gives the server time in whole seconds only, too coarse for a 250 ms warning, so
the offset is taken from order-book update frames: each one is stamped when the venue sends it,
so `stamp - arrival` is the offset less the frame's travel time; the largest of a few samples is
the closest. The REST root's seconds are the fallback on a quiet market.
"""
from __future__ import annotations

import asyncio

import aiohttp
import orjson
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from hedge.adapters.lighter.ws_client import stream_url
from hedge.infra.clock import wall_s

SAMPLES = 5


def _local_ms() -> float:
    return wall_s() * 1000


async def lighter_clock_offset_ms(base_url: str, market: int, timeout_s: float = 5.0) -> float:
    """Lighter's clock minus ours, in ms (positive: the venue is ahead)."""
    try:
        return await asyncio.wait_for(_from_stream(base_url, market), timeout_s)
    except (asyncio.TimeoutError, LookupError, OSError, WebSocketException):
        return await _from_rest_root(base_url)     # the stream refused or gave no stamp


async def _from_stream(base_url: str, market: int) -> float:
    best: float | None = None
    taken = 0
    async with connect(stream_url(base_url), ping_interval=None, max_size=None) as ws:
        async for text in ws:
            arrived_ms = _local_ms()
            frame = orjson.loads(text)
            kind = frame.get("type") if isinstance(frame, dict) else None
            if kind == "connected":
                await ws.send(orjson.dumps({"type": "subscribe",
                                            "channel": f"order_book/{market}"}).decode())
            elif kind == "update/order_book" and isinstance(frame.get("timestamp"), int):
                sample = frame["timestamp"] - arrived_ms
                best = sample if best is None else max(best, sample)
                taken += 1
                if taken >= SAMPLES:
                    return best
    if best is None:
        raise LookupError("no stamped frame")
    return best


async def _from_rest_root(base_url: str) -> float:
    """The REST root's whole seconds: the offset to the middle of that second."""
    async with aiohttp.ClientSession() as session:
        sent_ms = _local_ms()
        async with session.get(base_url.rstrip("/") + "/") as resp:
            body = await resp.json(content_type=None)
        arrived_ms = _local_ms()
    server_ms = int(body["timestamp"]) * 1000 + 500
    return server_ms - (sent_ms + arrived_ms) / 2
