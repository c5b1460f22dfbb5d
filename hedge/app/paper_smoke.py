"""Paper-mode smoke run, until the strategy exists: start both local venues, read markets
and books from each, watch the Lighter order-book stream for a few seconds, report, exit 0.
"""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
import yaml

from hedge.sim.runner import start_venues

SMOKE_SECONDS_MAX = 5.0


class ConfigFileError(Exception):
    """The config file is missing or is not YAML; the message says which and how to fix it."""


def _read_config(path: str) -> dict:
    file = Path(path)
    if not file.is_file():
        raise ConfigFileError(f"config file {path} not found; pass --config PATH "
                              "(config/paper.yaml is the paper-mode default)")
    try:
        data = yaml.safe_load(file.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"config file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigFileError(f"config file {path} must be a YAML mapping of keys to values")
    return data


async def _watch_book(ws_url: str, market_id: int, seconds: float) -> tuple[int, int]:
    """Count the snapshot and the update frames of one order-book subscription."""
    snapshots = updates = 0
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(ws_url) as ws:
            await ws.send_json({"type": "subscribe", "channel": f"order_book/{market_id}"})
            deadline = time.monotonic() + seconds
            while (left := deadline - time.monotonic()) > 0:
                try:
                    msg = await ws.receive(timeout=left)
                except asyncio.TimeoutError:
                    break
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                frame = json.loads(msg.data)
                if frame.get("type") == "ping":
                    await ws.send_json({"type": "pong"})
                snapshots += frame.get("type") == "subscribed/order_book"
                updates += frame.get("type") == "update/order_book"
    return snapshots, updates


async def run(config_path: str, duration_s: float | None, faults: str) -> int:
    config = _read_config(config_path)
    seconds = min(SMOKE_SECONDS_MAX, duration_s if duration_s else float(config.get("duration_s", 5)))
    venues = await start_venues(seed=int(config.get("sim", {}).get("seed", 1)), faults=faults)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{venues.lighter_url}/api/v1/orderBookDetails") as resp:
                details = (await resp.json())["order_book_details"]
            async with http.get(f"{venues.hedge_url}/fapi/v1/depth",
                                params={"symbol": "ETHUSDT", "limit": 5}) as resp:
                depth = await resp.json()
        eth = next(d for d in details if d["symbol"] == "ETH")
        ws_url = venues.lighter_url.replace("http://", "ws://") + "/stream"
        snapshots, updates = await _watch_book(ws_url, eth["market_id"], seconds)
    finally:
        await venues.stop()
    print(f"lighter sim: {len(details)} markets ({', '.join(d['symbol'] for d in details)}); "
          f"order_book/{eth['market_id']}: {snapshots} snapshot, {updates} updates in {seconds:.0f} s")
    print(f"hedge sim: ETHUSDT best bid {depth['bids'][0][0]} ask {depth['asks'][0][0]}")
    print("paper smoke run ok (the strategy is not built yet: no orders were placed)")
    return 0
