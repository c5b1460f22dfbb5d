"""Performance figures of the bot on this machine: `python bench/run.py [--quick] [--json]`.

Four measurements, each in its own child process (see docs/PERFORMANCE.md):
- bench/frames.py: order-book frames through the reader step (parse, book, recorder, bot.log),
  pinned to one core, with and without logging, for 1, 5 and 20 markets (frames offered to every
  market's engine);
- bench/markets.py: fill -> hedge submit through N market engines (1, 5, 20), up to five fills
  on different markets in the same frame;
- bench/lab.py: the strategy lab's speed, simulated hours of one market per wall minute;
- bench/fill_hedge.py: the whole bot quoting on the local venues (their own process), fills
  sent in 1- and 10-fill frames, the hedge latencies it measures itself, the bare loopback round
  trip of the same signed order, signatures per requote and the native signer's cost, and the
  age of the hedge book (streamed over the venue's WebSocket) when quoting and when hedging.
Prints a table; with --json, one JSON object with the figures on the last line.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TARGETS = [
    # (label, figure, check, target text)
    ("book frames/s, logged", "book_frames_per_s", lambda f: f["book_frames_per_s"] >= 10_000, ">= 10,000"),
    ("logging costs <= half", "book_frames_per_s",
     lambda f: f["book_frames_per_s"] >= 0.5 * f["book_frames_per_s_no_log"], ">= 0.5 x no_log"),
    ("fill->hedge submit p99", "fill_to_hedge_submit_ms", lambda f: f["fill_to_hedge_submit_ms"]["p99"] <= 5.0,
     "<= 5 ms"),
    ("fill->hedge ack p50", "fill_to_hedge_ack_ms",
     lambda f: f["fill_to_hedge_ack_ms"]["p50"] <= 2 * f["raw_loopback_rtt_ms"]["p50"] + 1.0,
     "<= 2 x raw p50 + 1 ms"),
    ("signed tx per requote", "signed_tx_per_requote", lambda f: f["signed_tx_per_requote"] == 1.0, "1.0"),
    ("lab sim hours/wall minute", "lab_sim_hours_per_wall_minute",
     lambda f: f["lab_sim_hours_per_wall_minute"] >= 1.0, ">= 1.0"),
    ("frames/s at 20 markets", "frames_per_s_by_markets",
     lambda f: f["frames_per_s_by_markets"]["20"] >= 0.8 * f["frames_per_s_by_markets"]["1"],
     ">= 0.8 x at 1"),
    ("fill->submit p99 at 20 mkts", "fill_to_hedge_submit_ms_by_markets",
     lambda f: f["fill_to_hedge_submit_ms_by_markets"]["20"]["p99"]
     <= 2 * f["fill_to_hedge_submit_ms_by_markets"]["1"]["p99"], "<= 2 x at 1"),
    ("fill->hedge submit p50", "fill_to_hedge_submit_ms",
     lambda f: f["fill_to_hedge_submit_ms"]["p50"] <= 0.35 * f["raw_loopback_rtt_ms"]["p50"],
     "<= 0.35 x raw p50"),
]


def _child(module: str, args: list[str], log: Path) -> dict:
    cmd = [sys.executable, "-m", module, *args]
    with open(log, "ab") as err:
        out = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, check=False, timeout=900)
    lines = out.stdout.decode().strip().splitlines()
    if out.returncode != 0 or not lines:
        raise SystemExit(f"{module} failed (exit {out.returncode}); see {log}")
    return json.loads(lines[-1])


def measure(quick: bool, log: Path) -> tuple[dict, dict]:
    frames = _child("bench.frames", ["--frames", "20000" if quick else "100000", "--markets", "1,5,20",
                                     "--repeat", "3", "--cpu", str(min(os.sched_getaffinity(0)))], log)
    by_markets = _child("bench.markets", ["--rounds", "100" if quick else "400",
                                          "--markets", "1,5,20"], log)
    fills = _child("bench.fill_hedge", ["--singles", "150" if quick else "500",
                                        "--batches", "30" if quick else "100"], log)
    lab = _child("bench.lab", ["--hours", "0.25" if quick else "1"], log)
    figures = {
        "lab_sim_hours_per_wall_minute": lab["lab_sim_hours_per_wall_minute"],
        "book_frames_per_s": frames["book_frames_per_s"],
        "book_frames_per_s_no_log": frames["book_frames_per_s_no_log"],
        "fill_to_hedge_submit_ms": fills["fill_to_hedge_submit_ms"],
        "fill_to_hedge_ack_ms": {k: fills["fill_to_hedge_ack_ms"][k] for k in ("p50", "p99")},
        "raw_loopback_rtt_ms": {k: fills["raw_loopback_rtt_ms"][k] for k in ("p50", "p99")},
        "signed_tx_per_requote": fills["signed_tx_per_requote"],
        "sign_ms_per_tx": fills["sign_ms_per_tx"],
        "frames_per_s_by_markets": frames["frames_per_s_by_markets"],
        "fill_to_hedge_submit_ms_by_markets": {
            n: {k: v[k] for k in ("p50", "p99")}
            for n, v in by_markets["fill_to_hedge_submit_ms_by_markets"].items()},
        "hedge_book_age_at_quote_ms": fills["hedge_book_age_at_quote_ms"],
        "hedge_book_age_at_hedge_ms": fills["hedge_book_age_at_hedge_ms"],
        "fill_to_hedge_submit_ms_by_fills_per_frame": {
            "1": fills["fill_to_hedge_submit_ms"], "10": fills["fill_to_hedge_submit_ms_10_fills"]},
    }
    return figures, {"frames": frames, "fills": fills, "markets": by_markets, "lab": lab}


def _age(a: dict | None) -> str:
    return "-" if not a else f"{a['p50']} / {a['p99']} / {a['max']} ({a['n']})"


def table(f: dict, detail: dict) -> str:
    fills = detail["fills"]
    s, a, r = f["fill_to_hedge_submit_ms"], fills["fill_to_hedge_ack_ms"], fills["raw_loopback_rtt_ms"]
    s10, a10 = fills["fill_to_hedge_submit_ms_10_fills"], fills["fill_to_hedge_ack_ms_10_fills"]
    rows = [
        ("book frames/s (parse+book+recorder+bot.log)", f"{f['book_frames_per_s']:,}"),
        ("book frames/s without recorder and log", f"{f['book_frames_per_s_no_log']:,}"),
        ("book frames/s, 1 / 5 / 20 markets", " / ".join(f"{v:,}" for v in f["frames_per_s_by_markets"].values())),
        ("fill->submit ms p50/p99 (in-process), 1 / 5 / 20 markets",
         " | ".join(f"{v['p50']}/{v['p99']}" for v in f["fill_to_hedge_submit_ms_by_markets"].values())),
        ("fill->hedge submit ms, 1 fill/frame p50/p99/max (n)", f"{s['p50']} / {s['p99']} / {s['max']} ({s['n']})"),
        ("fill->hedge ack ms, 1 fill/frame p50/p99", f"{a['p50']} / {a['p99']}"),
        ("fill->hedge submit ms, 10 fills/frame p50/p99/max (n)",
         f"{s10['p50']} / {s10['p99']} / {s10['max']} ({s10['n']})"),
        ("fill->hedge ack ms, 10 fills/frame p50/p99", f"{a10['p50']} / {a10['p99']}"),
        ("raw aiohttp loopback RTT ms p50/p99/max", f"{r['p50']} / {r['p99']} / {r['max']}"),
        ("hedge book age ms at quote p50/p99/max (n)", _age(f["hedge_book_age_at_quote_ms"])),
        ("hedge book age ms at hedge p50/p99/max (n)", _age(f["hedge_book_age_at_hedge_ms"])),
        ("hedge book (streamed, resyncs, stream failures, polls)",
         str(tuple((fills.get("hedge_book") or {}).values()))),
        ("signed tx per requote (requotes)", f"{f['signed_tx_per_requote']} ({fills['requotes']})"),
        ("lab: simulated hours per wall minute (alt-wide)", str(f["lab_sim_hours_per_wall_minute"])),
        ("native signer ms/tx (in the bot, via executor)", f"{f['sign_ms_per_tx']} ({fills['sign_ms_in_bot_p50']})"),
    ]
    rows += [(f"stage p50 ms: {k}", str(v)) for k, v in fills.get("stages_ms_p50", {}).items()]
    width = max(len(k) for k, _ in rows)
    out = [f"{k:<{width}}  {v}" for k, v in rows]
    out.append("")
    for label, _, check, target in TARGETS:
        out.append(f"{'PASS' if check(f) else 'MISS'}  {label:<26} target {target}")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer frames and fills (< 4 minutes)")
    ap.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    args = ap.parse_args()
    log = ROOT / "logs" / "bench.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(b"")
    started = time.monotonic()
    figures, detail = measure(args.quick, log)
    print(table(figures, detail))
    print(f"\n({time.monotonic() - started:.0f} s; child processes' output in {log.relative_to(ROOT)})")
    if args.json:
        print(json.dumps(figures, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
