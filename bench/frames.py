"""The frame path: order-book update frames through the bot's real reader step, on one core.

Each frame is Lighter's `update/order_book` shape (as the venue sends it: several levels a side,
`begin_nonce` chained to the previous `nonce`), pre-built as text. `LighterWsClient._on_text`
does what it does for a frame read off the socket: decode, record (ws_lighter.jsonl), parse,
log the DEBUG `📨` line (bot.log), apply to the market's OrderBook, and hand the typed message
to the runner the way a run does (logged passes: N market engines under one AccountEngine,
whose dispatch hands a frame only to the market it is about: a book frame to none).
Without logging: the same client with no recorder and `frame_log.log_frame` made a no-op.

Run as `python -m bench.frames --frames N --markets 1,5,20 [--json]`; bench/run.py runs it in a
child process pinned to one core.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hedge.adapters.lighter import frame_log  # noqa: E402
from hedge.adapters.lighter.ws_client import LighterWsClient  # noqa: E402
from hedge.infra.logs import setup_logging  # noqa: E402
from hedge.infra.recorder import FrameRecorder  # noqa: E402

LEVELS_PER_SIDE = 5          # the sim's 50 ms batches carry a handful of changed levels a side
BOOK_DEPTH = 300             # levels a side in the snapshot
MID_TICKS = 3_000_00         # 3000.00 with 2 decimals


def _price(ticks: int) -> str:
    return f"{ticks // 100}.{ticks % 100:02d}"


def snapshot(market: int, rng: random.Random) -> str:
    asks = [{"price": _price(MID_TICKS + 1 + i), "size": f"{rng.uniform(0.1, 9):.4f}"}
            for i in range(BOOK_DEPTH)]
    bids = [{"price": _price(MID_TICKS - 1 - i), "size": f"{rng.uniform(0.1, 9):.4f}"}
            for i in range(BOOK_DEPTH)]
    return orjson.dumps({"channel": f"order_book:{market}", "offset": 1, "type": "subscribed/order_book",
                         "order_book": {"code": 0, "asks": asks, "bids": bids, "offset": 1, "nonce": 1000,
                                        "begin_nonce": 0}, "timestamp": int(time.time() * 1000)}).decode()


def updates(market: int, count: int, rng: random.Random) -> list[str]:
    """Nonce-chained diffs: each level a new absolute size, one in five a deletion."""
    out, nonce, offset = [], 1000, 1
    for _ in range(count):
        begin, nonce, offset = nonce, nonce + 1 + rng.randrange(40), offset + 1
        now_us = time.time_ns() // 1000

        def side(sign: int) -> list[dict]:
            return [{"price": _price(MID_TICKS + sign * (1 + rng.randrange(60))),
                     "size": "0.0000" if rng.random() < 0.2 else f"{rng.uniform(0.1, 9):.4f}"}
                    for _ in range(LEVELS_PER_SIDE)]

        out.append(orjson.dumps({
            "channel": f"order_book:{market}", "last_updated_at": now_us, "offset": offset,
            "order_book": {"code": 0, "asks": side(+1), "bids": side(-1), "offset": offset,
                           "nonce": nonce, "last_updated_at": now_us, "begin_nonce": begin},
            "timestamp": now_us // 1000, "type": "update/order_book"}).decode())
    return out


async def _drive(markets: int, frames: int, logged: bool, workdir: Path) -> dict:
    rng = random.Random(7)
    ids = list(range(markets))
    recorder = FrameRecorder(workdir / "ws_lighter.jsonl") if logged else None
    client = LighterWsClient("http://127.0.0.1:1", markets=ids, recorder=recorder)
    if logged:                                     # the engines' side of every frame
        from bench.markets import StampingVenue, _engines
        account, _ = _engines(markets, StampingVenue(), workdir)
        client.on_message = account.on_message
    per_market = [updates(mk, frames // markets + 1, rng) for mk in ids]
    stream = [per_market[i % markets][i // markets] for i in range(frames)]   # interleaved
    original = frame_log.log_frame
    if not logged:
        frame_log.log_frame = lambda msg: None
    try:
        for mk in ids:
            await client._on_text(None, snapshot(mk, rng), time.perf_counter_ns())
        queue = client.queue
        t0 = time.perf_counter()
        for i, text in enumerate(stream):
            await client._on_text(None, text, time.perf_counter_ns())
            if i & 255 == 255:
                while not queue.empty():        # the engine's consumer drains this queue
                    queue.get_nowait()
        elapsed = time.perf_counter() - t0
    finally:
        frame_log.log_frame = original
        if recorder is not None:
            recorder.close()
    books = [client.books[mk] for mk in ids]
    if not all(b.is_live for b in books) or sum(b.updates_applied for b in books) != frames:
        raise RuntimeError(f"book frames were not all applied: {[b.updates_applied for b in books]}")
    return {"markets": markets, "frames": frames, "logged": logged, "seconds": elapsed,
            "frames_per_s": frames / elapsed}


def run(frames: int, market_counts: list[int], repeat: int = 3) -> dict:
    """frames/s with and without logging for 1 market, and logged for each market count;
    each the median of `repeat` passes, logged and bare passes interleaved."""
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as tmp:
        work = Path(tmp)
        setup_logging(work, "WARNING", console=False)     # bot.log at DEBUG, as in a run
        for logged_pass in (True, False):                 # warm-up
            asyncio.run(_drive(1, min(frames, 5000), logged_pass, work))
        passes: dict[tuple[int, bool], list[float]] = {}
        for _ in range(repeat):
            for m, logged_pass in [(1, False)] + [(m, True) for m in market_counts]:
                passes.setdefault((m, logged_pass), []).append(
                    asyncio.run(_drive(m, frames, logged_pass, work))["frames_per_s"])
        median = {k: statistics.median(v) for k, v in passes.items()}
        logged, bare = {"frames_per_s": median[(1, True)]}, {"frames_per_s": median[(1, False)]}
        growth = {m: median[(m, True)] for m in market_counts}
        log_bytes = (work / "bot.log").stat().st_size
        rec_bytes = (work / "ws_lighter.jsonl").stat().st_size
    return {"book_frames_per_s": round(logged["frames_per_s"]),
            "book_frames_per_s_no_log": round(bare["frames_per_s"]),
            "frames_per_s_by_markets": {str(m): round(v) for m, v in growth.items()},
            "log_bytes": log_bytes, "recorder_bytes": rec_bytes}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=50_000)
    ap.add_argument("--markets", default="1,5,20")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=None, help="pin to this core")
    args = ap.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    result = run(args.frames, [int(m) for m in args.markets.split(",")], args.repeat)
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
