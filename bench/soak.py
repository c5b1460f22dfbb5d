"""Does the bot hold steady for weeks? `python bench/soak.py [--minutes M] [--speed X] [--out DIR] [--json]`

Runs the real bot (its own process) against the local venues started here with the market
accelerated X times (price steps, the Lighter venue's book ticks and takers: at x20, 3 minutes
are one simulated hour). Every 10 s it samples the bot's RSS, open descriptors and asyncio tasks
(the metrics endpoint), its run directory's bytes and its frame rate (the periodic summary.json).
Writes `soak.json` and `soak.html` (a plot) under --out next to the run directory; with --json
prints one JSON object last. Targets in docs/PERFORMANCE.md.

The hedge book is polled (hedge.book_stream false): the local binanceusdm depth stream paces
itself on the wall clock, one step per 100 ms, and does not follow an accelerated market.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hedge.app.paper import register_paper_accounts  # noqa: E402
from hedge.infra.frame_files import frame_parts  # noqa: E402
from hedge.infra.frame_parts import directory_bytes  # noqa: E402
from hedge.sim.price import STEP_MS  # noqa: E402
from hedge.sim.runner import start_venues  # noqa: E402

SAMPLE_S = 10.0
METRICS_RE = re.compile(r"metrics on http://127\.0\.0\.1:(\d+)/metrics")


def bot_config(out: Path, lighter_url: str, hedge_url: str, args) -> Path:
    config = {
        "mode": "paper", "duration_s": int(args.minutes * 60),
        "lighter": {"url": lighter_url, "market": "ETH"},
        "hedge": {"exchange": "binanceusdm", "url": hedge_url, "symbol": "ETH/USDT:USDT",
                  "book_stream": False},
        "strategy": {"order_size": "0.01", "max_position": "0.05"},
        "risk": {"max_unhedged_base": "0.05"},
        "metrics": {"port": 0},
        "logging": {"level": "WARNING", "dir": str(out / "logs"), "summary_every_s": SAMPLE_S,
                    "frames_rotate_mb": args.rotate_mb, "max_run_mb": args.max_run_mb},
    }
    path = out / "soak.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def bot_env(accounts) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTER_", "HEDGE_"))}
    env.update(LIGHTER_ACCOUNT_INDEX=str(accounts.lighter_account_index),
               LIGHTER_API_KEY_INDEX=str(accounts.lighter_api_key_index),
               LIGHTER_API_PRIVATE_KEY=accounts.lighter_private_key.reveal(),
               HEDGE_API_KEY=accounts.hedge_api_key.reveal(),
               HEDGE_API_SECRET=accounts.hedge_api_secret.reveal())
    return env


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def open_fds(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def metric(port: int | None, name: str) -> float | None:
    if port is None:
        return None
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as answer:
            text = answer.read().decode()
    except OSError:
        return None
    match = re.search(rf"^{name} ([0-9.e+]+)$", text, re.M)
    return float(match.group(1)) if match else None


def read_summary(run_dir: Path | None) -> dict:
    try:
        return json.loads((run_dir / "summary.json").read_text()) if run_dir else {}
    except (OSError, ValueError):
        return {}


def metrics_port(run_dir: Path | None) -> int | None:
    try:
        match = METRICS_RE.search((run_dir / "bot.log").read_text(errors="replace"))
    except (OSError, TypeError):
        return None
    return int(match.group(1)) if match else None


async def soak(args) -> dict:
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    venues = await start_venues(seed=args.seed, speed=args.speed)
    samples: list[dict] = []
    try:
        accounts = await register_paper_accounts(venues.lighter_url, venues.hedge_url)
        config = bot_config(out, venues.lighter_url, venues.hedge_url, args)
        with open(out / "bot.out", "w") as console:
            bot = subprocess.Popen([sys.executable, "run.py", "run", "--config", str(config)],
                                   cwd=ROOT, env=bot_env(accounts), stdout=console,
                                   stderr=subprocess.STDOUT)
        started = time.monotonic()
        run_dir, port, last_frames, last_t = None, None, None, None
        while bot.poll() is None:
            await asyncio.sleep(SAMPLE_S)
            if run_dir is None:
                latest = out / "logs" / "latest"
                run_dir = latest.resolve() if latest.exists() else None
            port = port or metrics_port(run_dir)
            now = time.monotonic()
            frames = (read_summary(run_dir).get("ws") or {}).get("frames_in")
            rate = (round((frames - last_frames) / (now - last_t), 1)
                    if frames is not None and last_frames is not None else None)
            last_frames, last_t = (frames, now) if frames is not None else (last_frames, last_t)
            sample = {"t_s": round(now - started, 1), "rss_mb": rss_mb(bot.pid),
                      "fds": open_fds(bot.pid), "tasks": metric(port, "hedgebot_asyncio_tasks"),
                      "run_dir_mb": round(directory_bytes(run_dir) / 1e6, 2) if run_dir else None,
                      "frames": frames, "frames_per_s": rate}
            if sample["rss_mb"] is not None:
                samples.append(sample)
        exit_code = bot.wait()
        sim_hours = venues.prices.step_index() * venues.prices.step_ms / 3_600_000
    finally:
        await venues.stop()
    return figures(out, run_dir, samples, exit_code, sim_hours, args)


def figures(out: Path, run_dir: Path | None, samples: list[dict], exit_code: int,
            sim_hours: float, args) -> dict:
    summary = read_summary(run_dir)
    full = [s for s in samples if s["tasks"] is not None] or samples
    start = next((s for s in full if s["t_s"] >= args.minutes * 6), full[0] if full else {})
    end = full[-1] if full else {}
    rel = summary.get("reliability") or {}
    result = {
        "rss_mb_start": start.get("rss_mb"), "rss_mb_end": end.get("rss_mb"),
        "fds_start": start.get("fds"), "fds_end": end.get("fds"),
        "tasks_start": start.get("tasks"), "tasks_end": end.get("tasks"),
        "run_dir_mb": round(directory_bytes(run_dir) / 1e6, 2) if run_dir else None,
        "max_run_mb": args.max_run_mb,
        "frames": (summary.get("ws") or {}).get("frames_in"),
        "sim_hours": round(sim_hours, 2),
        "fills": (summary.get("lighter") or {}).get("fills"),
        "fills_lost": rel.get("fills_lost"), "double_hedges": rel.get("double_hedges"),
        "frame_parts": [p.name for p in frame_parts(run_dir)[:-1]] if run_dir else [],
        "exit_code": exit_code, "final": summary.get("final"),
        "exit_reason": summary.get("exit_reason"),
        "minutes": args.minutes, "speed": args.speed,
        "run_dir": str(run_dir) if run_dir else None,
    }
    (out / "soak.json").write_text(json.dumps({**result, "samples": samples}, indent=1))
    plot(out / "soak.html", samples)
    return result


def plot(path: Path, samples: list[dict]) -> None:
    from plotly.subplots import make_subplots
    import plotly.graph_objects as go

    panels = (("rss_mb", "RSS (MB)"), ("fds", "open descriptors"), ("tasks", "asyncio tasks"),
              ("run_dir_mb", "run directory (MB)"), ("frames_per_s", "frames / s"))
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True,
                        subplot_titles=[title for _, title in panels])
    t = [s["t_s"] / 60 for s in samples]
    for row, (key, title) in enumerate(panels, start=1):
        fig.add_trace(go.Scatter(x=t, y=[s[key] for s in samples], name=title, mode="lines"),
                      row=row, col=1)
    fig.update_layout(height=220 * len(panels), title="soak: the bot over time", showlegend=False)
    fig.update_xaxes(title_text="minutes", row=len(panels), col=1)
    fig.write_html(path, include_plotlyjs=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0, help="wall-clock minutes (30)")
    ap.add_argument("--speed", type=float, default=20.0, help="market speed-up (20: 3 min = 1 h)")
    ap.add_argument("--out", default="logs/soak", help="where soak.json, soak.html and the run go")
    ap.add_argument("--rotate-mb", type=float, default=20.0, help="logging.frames_rotate_mb")
    ap.add_argument("--max-run-mb", type=float, default=300.0, help="logging.max_run_mb")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print one JSON object last")
    args = ap.parse_args()
    result = asyncio.run(soak(args))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>14}: {value}")
    return 0 if result["exit_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
