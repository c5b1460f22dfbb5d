"""How long the run report takes for a long run: `python bench/report_hour.py [--hours H]`.

Writes a synthetic run directory of H hours (default 1; `--hours 24` is the day the report must
build in <= 60 s and <= 20 MB, docs/PERFORMANCE.md) (10 book frames a second with 10 levels each, a quote
move every 2 s, a fill and its hedge every 5 s, bot.log at DEBUG with a line per frame) into a
temporary directory, then times `build_report` on it. Prints the figures as one JSON line.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hedge.report.build import build_report  # noqa: E402

HOUR_S = 3600
BOOK_HZ = 10


def write_hour(run: Path, hours: float = 1) -> dict:
    """The synthetic run (the name stays: an hour is the unit); returns its figures."""
    rng = random.Random(7)
    span_s = int(HOUR_S * hours)
    t0 = time.time() - span_s
    mid, nonce = 3000.0, 1
    frames_out = open(run / "ws_lighter.jsonl", "wb")       # streamed: a day does not fit a list
    log_out = open(run / "bot.log", "w", encoding="utf-8")
    trades_out = open(run / "trades.csv", "w")
    trades_out.write("ts,venue,role,side,size,price,fill_key,client_id,hedge_price_assumed\n")

    def stamp(ts):
        return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]

    def frame(record):
        frames_out.write(orjson.dumps(record) + b"\n")

    def book(ts, kind):
        levels = lambda sign: [{"price": f"{mid + sign * (0.5 + i * 0.05):.2f}", "size": "0.0100"}
                               for i in range(10)]
        return {"ts_ns": int(ts * 1e9), "conn": "lighter", "dir": "in",
                "frame": {"type": kind, "channel": "order_book:0", "offset": nonce,
                          "order_book": {"code": 0, "nonce": nonce, "begin_nonce": nonce - 1,
                                         "asks": levels(1), "bids": levels(-1)}}}
    log_out.write(f"{stamp(t0)} | INFO     | hedge.app.run_command:56 | run bench (paper mode)\n")
    frame(book(t0, "subscribed/order_book"))
    fills, frames = 0, 1
    for step in range(1, span_s * BOOK_HZ):
        ts = t0 + step / BOOK_HZ
        mid += rng.gauss(0, 0.05)
        nonce += 1
        frame(book(ts, "update/order_book"))
        frames += 1
        log_out.write(f"{stamp(ts)} | DEBUG    | hedge.adapters.lighter.frame_log:30 | 📨 [LIGHTER WS] "
                      f"update/order_book channel=order_book:0 asks=10 bids=10\n")
        if step % (2 * BOOK_HZ) == 0:
            is_ask = step % (4 * BOOK_HZ) == 0
            price = mid + (1.5 if is_ask else -1.5)
            status = "filled" if step % (5 * BOOK_HZ * 2) == 0 else "open"
            frames += 1
            frame({"ts_ns": int(ts * 1e9), "conn": "lighter", "dir": "in", "frame": {
                "type": "update/account_orders", "channel": "account_orders:0", "account": 1,
                "orders": {"0": [{"order_index": 1 + is_ask + 2 * (step // 100),
                                  "client_order_index": step, "market_index": 0,
                                  "initial_base_amount": "0.0100", "remaining_base_amount": "0.0100",
                                  "filled_base_amount": "0.0100" if status == "filled" else "0.0000",
                                  "filled_quote_amount": "0", "price": f"{price:.2f}",
                                  "is_ask": is_ask, "status": status, "timestamp": int(ts)}]}}})
        if step % (5 * BOOK_HZ) == 0:
            fills += 1
            side, hedge_side = ("ask", "buy") if fills % 2 else ("bid", "sell")
            price = mid + (1.2 if side == "ask" else -1.2)
            when = datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds")
            trades_out.write(f"{when},lighter,maker,{side},0.0100,{price:.2f},{step}-0.01,,{mid:.2f}\n")
            trades_out.write(f"{when},binanceusdm,hedge,{hedge_side},0.01,"
                             f"{mid + rng.gauss(0, 0.3):.2f},{step}-0.01,lh-{step},\n")
            log_out.write(f"{stamp(ts)} | INFO     | hedge.app.hedge_desk:239 | [HEDGE] ack lh-{step} "
                          f"filled 0.01 avg {mid:.2f} lookups 0 submit {rng.uniform(1, 8):.2f} ms "
                          f"ack {rng.uniform(8, 40):.2f} ms\n")
            log_out.write(f"{stamp(ts)} | INFO     | hedge.app.engine:334 | [STATUS] mid={mid:.2f} "
                          f"lighter_tx={step // 20}\n")
    log_out.write(f"{stamp(t0 + span_s)} | INFO     | hedge.app.run_command:81 | summary: x\n")
    for out in (frames_out, log_out, trades_out):
        out.close()
    (run / "summary.json").write_text(json.dumps({
        "run_id": "bench", "mode": "paper", "exit_reason": "duration",
        "lighter": {"fills": fills, "filled_base": f"{fills * 0.01:.2f}"},
        "fees": {"lighter_maker_bps": "0", "hedge_taker_bps": "4"}, "pnl_quote": "0"}))
    return {"book_frames": frames, "fills": fills,
            "ws_lighter_mb": round((run / "ws_lighter.jsonl").stat().st_size / 1e6, 1),
            "bot_log_mb": round((run / "bot.log").stat().st_size / 1e6, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=1.0, help="length of the synthetic run (24: a day)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        run.mkdir()
        figures = write_hour(run, args.hours)
        figures["hours"] = args.hours
        start = time.perf_counter()
        report = build_report(run)
        figures["report_s"] = round(time.perf_counter() - start, 2)
        figures["report_mb"] = round(report.stat().st_size / 1e6, 1)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
