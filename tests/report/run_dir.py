"""A small hand-made run directory: 40 s of book frames, two quotes, two fills and their hedges,
status lines, one reconnect. Every figure the report shows from it is known in advance."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

T0 = 1_790_000_000.0          # run start (epoch seconds)
SUMMARY = {
    "run_id": "20260911T000000Z-abc123", "mode": "paper", "exit_reason": "duration",
    "lighter": {"orders_placed": 2, "orders_modified": 0, "orders_canceled": 1,
                "post_only_rejects": 0, "fills": 2, "filled_base": "0.0200",
                "volume_quote": "60.0000"},
    "hedge": {"orders": 2, "filled_base": "0.02", "failures": 0},
    "position": {"lighter_base": "0.0000", "hedge_base": "0.00", "net_base": "0.0000"},
    "latency_ms": {"fill_to_hedge_submit": {"n": 2, "p50": 2.0, "p99": 4.0, "max": 4.0},
                   "fill_to_hedge_ack": {"n": 2, "p50": 10.0, "p99": 20.0, "max": 20.0}},
    "ws": {"frames_in": 50, "reconnects": 1, "book_resyncs": 0, "unexpected_frames": 0},
    "reliability": {"fills_lost": 0, "double_hedges": 0, "max_unhedged_ms": 20.5,
                    "orders_left_open": 0, "max_unhedged_base": "0.0100"},
    "fees": {"lighter_maker_bps": "0", "hedge_taker_bps": "4.0", "lighter_quote": "0",
             "hedge_quote": "0.024002"},
    "pnl_quote": "-0.004002",
}


def _log_time(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _csv_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds")


def _frame(ts: float, frame: dict) -> str:
    return json.dumps({"ts_ns": int(ts * 1e9), "conn": "lighter", "dir": "in", "frame": frame})


def _book(ts: float, kind: str, bid: str, ask: str, nonce: int) -> str:
    return _frame(ts, {"type": kind, "channel": "order_book:0", "offset": nonce,
                       "order_book": {"code": 0, "nonce": nonce, "begin_nonce": nonce - 1,
                                      "asks": [{"price": ask, "size": "1.0"}],
                                      "bids": [{"price": bid, "size": "1.0"}]}})


def _orders(ts: float, *orders: dict) -> str:
    return _frame(ts, {"type": "update/account_orders", "channel": "account_orders:0",
                       "account": 7, "orders": {"0": list(orders)}})


def _order(index: int, is_ask: bool, price: str, status: str, filled: str = "0.0000") -> dict:
    return {"order_index": index, "client_order_index": index + 100, "market_index": 0,
            "initial_base_amount": "0.0100", "remaining_base_amount": "0.0100",
            "filled_base_amount": filled, "filled_quote_amount": "0", "price": price,
            "is_ask": is_ask, "status": status, "timestamp": int(T0)}


def write_run_dir(path: Path, fills: bool = True) -> Path:
    """Mid 3000 for 10 s, 3001 from 10 s, 2999 from 20 s (frames every 1 s, 40 s)."""
    path.mkdir(parents=True, exist_ok=True)
    frames = [_book(T0, "subscribed/order_book", "2999.50", "3000.50", 1)]
    for second in range(1, 41):
        mid = 3000 if second < 10 else 3001 if second < 20 else 2999
        frames.append(_book(T0 + second, "update/order_book", f"{mid - 0.5:.2f}",
                            f"{mid + 0.5:.2f}", 1 + second))
    # Bring the old levels down so the book's best levels are the new ones.
    frames = [_clear_old(line) for line in frames]
    frames.append(_orders(T0 + 0.5, _order(1, False, "2999.00", "open"), _order(2, True, "3001.00", "open")))
    if fills:
        frames.append(_orders(T0 + 5, _order(1, False, "2999.00", "filled", "0.0100")))
        frames.append(_orders(T0 + 12, _order(2, True, "3001.00", "filled", "0.0100")))
    else:
        frames.append(_orders(T0 + 39, _order(1, False, "2999.00", "canceled"),
                              _order(2, True, "3001.00", "canceled")))
    frames.sort(key=lambda line: json.loads(line)["ts_ns"])
    (path / "ws_lighter.jsonl").write_text("\n".join(frames) + "\n")
    rows = ["ts,venue,role,side,size,price,fill_key,client_id,hedge_price_assumed"]
    log = [f"{_log_time(T0)} | INFO     | hedge.app.run_command:63 | run {SUMMARY['run_id']}",
           f"{_log_time(T0 + 0.2)} | INFO     | hedge.app.run_command:116 | startup reconciled: "
           f"lighter 0 hedge 0 (lookups 0, re-hedged 0)"]
    if fills:
        # bid filled at 2999 assuming a hedge sell at 3000.5; sold at 3000.0 (slippage -0.005)
        rows.append(f"{_csv_time(T0 + 5)},lighter,maker,bid,0.0100,2999.00,1-0.01,,3000.50")
        rows.append(f"{_csv_time(T0 + 5.01)},binanceusdm,hedge,sell,0.01,3000.00,1-0.01,lh-1,")
        # ask filled at 3001 assuming a hedge buy at 3000.0; bought at 3001.2 (slippage -0.012)
        rows.append(f"{_csv_time(T0 + 12)},lighter,maker,ask,0.0100,3001.00,2-0.01,,3000.00")
        rows.append(f"{_csv_time(T0 + 12.02)},binanceusdm,hedge,buy,0.01,3001.20,2-0.01,lh-2,")
        log += [f"{_log_time(T0 + 5.01)} | INFO     | hedge.app.hedge_desk:239 | [HEDGE] ack lh-1 "
                f"filled -0.01 avg 3000.00 lookups 0 submit 2.00 ms ack 10.00 ms",
                f"{_log_time(T0 + 12.02)} | INFO     | hedge.app.hedge_desk:239 | [HEDGE] ack lh-2 "
                f"filled 0.01 avg 3001.20 lookups 0 submit 4.00 ms ack 20.00 ms"]
    for n in range(1, 9):
        log.append(f"{_log_time(T0 + 5 * n)} | INFO     | hedge.app.engine:328 | [STATUS] mid=3000 "
                   f"bid=2999 ask=3001 lighter_pos=0 hedge_pos=0 fills=0 hedges=0 owed=0 "
                   f"last_fill_to_hedge=- lighter_tx={3 * n}")
    log.append(f"{_log_time(T0 + 25)} | INFO     | hedge.adapters.lighter.frame_log:55 | ℹ️ "
               f"[LIGHTER WS] reconnected and resubscribed 3 channels (reconnect #1)")
    log.append(f"{_log_time(T0 + 40)} | INFO     | hedge.app.run_command:83 | summary: x")
    (path / "bot.log").write_text("\n".join(log) + "\n", encoding="utf-8")
    (path / "trades.csv").write_text("\n".join(rows) + "\n")
    summary = json.loads(json.dumps(SUMMARY))
    if not fills:
        summary["lighter"].update(fills=0, filled_base="0", volume_quote="0")
        summary["hedge"].update(orders=0, filled_base="0")
        summary["latency_ms"] = {k: {"n": 0, "p50": None, "p99": None, "max": None}
                                 for k in SUMMARY["latency_ms"]}
        summary["pnl_quote"] = "0"
    (path / "summary.json").write_text(json.dumps(summary, indent=2))
    return path


def _clear_old(line: str) -> str:
    """Each update also deletes every level the earlier frames could have left (size 0)."""
    record = json.loads(line)
    book = record["frame"]["order_book"]
    if record["frame"]["type"] == "update/order_book":
        keep_bid, keep_ask = book["bids"][0]["price"], book["asks"][0]["price"]
        for mid in (2999, 3000, 3001):
            for price in (f"{mid - 0.5:.2f}",):
                if price != keep_bid:
                    book["bids"].append({"price": price, "size": "0"})
            for price in (f"{mid + 0.5:.2f}",):
                if price != keep_ask:
                    book["asks"].append({"price": price, "size": "0"})
    return json.dumps(record)
