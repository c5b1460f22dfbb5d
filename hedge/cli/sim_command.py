"""`python run.py sim`: both local venues in the foreground until SIGINT/SIGTERM."""
from __future__ import annotations

import asyncio
import errno
import signal

from hedge.market.model_file import DEFAULT_MODEL_FILE, ModelFileError, load_model
from hedge.sim.runner import start_venues


class VenueStartError(Exception):
    """The venues could not listen or their model file is unusable; the message names the
    problem and the fix."""


async def serve(lighter_port: int, hedge_port: int, seed: int, faults: str,
                hedge_exchange: str = "binanceusdm", tier: str = "standard",
                model_path: str | None = None) -> int:
    try:
        model = load_model(model_path or DEFAULT_MODEL_FILE)
    except ModelFileError as exc:
        raise VenueStartError(f"{exc}; fix the file or pass another --model") from None
    try:
        venues = await start_venues(seed=seed, faults=faults, lighter_port=lighter_port,
                                    hedge_port=hedge_port, hedge_exchange=hedge_exchange,
                                    default_tier=tier, model=model)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise VenueStartError(
                f"port {lighter_port} or {hedge_port} is already in use on 127.0.0.1; "
                "stop the other process or pass --lighter-port/--hedge-port (0 = any free port)"
            ) from None
        raise VenueStartError(f"cannot listen on 127.0.0.1: {exc.strerror}") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"lighter sim ready {venues.lighter_url}", flush=True)
    print(f"hedge sim ready {venues.hedge_url}", flush=True)
    print(f"hedge exchange: {hedge_exchange}, faults: {faults}, seed: {seed}, default tier: "
          f"{tier}, model: {model_path or DEFAULT_MODEL_FILE.name}; Ctrl-C to stop", flush=True)
    try:
        await stop.wait()
    finally:
        await venues.stop()
    print("venues stopped", flush=True)
    return 0
