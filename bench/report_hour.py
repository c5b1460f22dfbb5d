"""How long the run report takes for an hour-long run: `python bench/report_hour.py`.

Writes a synthetic one-hour run directory (10 book frames a second with 10 levels each, a quote
move every 2 s, a fill and its hedge every 5 s, bot.log at DEBUG with a line per frame) into a
temporary directory, then times `build_report` on it. Prints the figures as one JSON line.
"""
from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hedge.report.build import build_report  # noqa: E402

HOUR_S = 3600
BOOK_HZ = 10


def write_hour(run: Path) -> dict:
    rng = random.Random(7)
    t0 = time.time() - HOUR_S
    mid, nonce = 3000.0, 1
    frames, log, trades = [], [], ["ts,venue,role,side,size,price,fill_key,client_id,hedge_price_assumed"]

    def stamp(ts):
        return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]

    def book(ts, kind):
        levels = lambda sign: [{"price": f"{mid + sign * (0.5 + i * 0.05):.2f}", "size": "0.0100"}
                               for i in range(10)]
        return {"ts_ns": int(ts * 1e9), "conn": "lighter", "dir": "in",
                "frame": {"type": kind, "channel": "order_book:0", "offset": nonce,
                          "order_book": {"code": 0, "nonce": nonce, "begin_nonce": nonce - 1,
                                         "asks": levels(1), "bids": levels(-1)}}}
    log.append(f"{stamp(t0)} | INFO     | hedge.app.run_command:56 | run bench (paper mode)")
    frames.append(book(t0, "subscribed/order_book"))
    fills = 0
    for step in range(1, HOUR_S * BOOK_HZ):
        ts = t0 + step / BOOK_HZ
        mid += rng.gauss(0, 0.05)
        nonce += 1
        frames.append(book(ts, "update/order_book"))
        log.append(f"{stamp(ts)} | DEBUG    | hedge.adapters.lighter.frame_log:30 | 📨 [LIGHTER WS] "
                   f"update/order_book channel=order_book:0 asks=10 bids=10")
        if step % (2 * BOOK_HZ) == 0:
            is_ask = step % (4 * BOOK_HZ) == 0
            price = mid + (1.5 if is_ask else -1.5)
            status = "filled" if step % (5 * BOOK_HZ * 2) == 0 else "open"
            frames.append({"ts_ns": int(ts * 1e9), "conn": "lighter", "dir": "in", "frame": {
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
            trades.append(f"{when},lighter,maker,{side},0.0100,{price:.2f},{step}-0.01,,{mid:.2f}")
            trades.append(f"{when},binanceusdm,hedge,{hedge_side},0.01,{mid + rng.gauss(0, 0.3):.2f},"
                          f"{step}-0.01,lh-{step},")
            log.append(f"{stamp(ts)} | INFO     | hedge.app.hedge_desk:239 | [HEDGE] ack lh-{step} filled "
                       f"0.01 avg {mid:.2f} lookups 0 submit {rng.uniform(1, 8):.2f} ms ack "
                       f"{rng.uniform(8, 40):.2f} ms")
            log.append(f"{stamp(ts)} | INFO     | hedge.app.engine:334 | [STATUS] mid={mid:.2f} "
                       f"lighter_tx={step // 20}")
    log.append(f"{stamp(t0 + HOUR_S)} | INFO     | hedge.app.run_command:81 | summary: x")
    with open(run / "ws_lighter.jsonl", "w") as out:
        for frame in frames:
            out.write(json.dumps(frame, separators=(",", ":")) + "\n")
    (run / "bot.log").write_text("\n".join(log) + "\n", encoding="utf-8")
    (run / "trades.csv").write_text("\n".join(trades) + "\n")
    (run / "summary.json").write_text(json.dumps({
        "run_id": "bench", "mode": "paper", "exit_reason": "duration",
        "lighter": {"fills": fills, "filled_base": f"{fills * 0.01:.2f}"},
        "fees": {"lighter_maker_bps": "0", "hedge_taker_bps": "4"}, "pnl_quote": "0"}))
    return {"book_frames": len(frames), "fills": fills,
            "ws_lighter_mb": round((run / "ws_lighter.jsonl").stat().st_size / 1e6, 1),
            "bot_log_mb": round((run / "bot.log").stat().st_size / 1e6, 1)}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        run.mkdir()
        figures = write_hour(run)
        start = time.perf_counter()
        report = build_report(run)
        figures["report_s"] = round(time.perf_counter() - start, 2)
        figures["report_mb"] = round(report.stat().st_size / 1e6, 1)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
