"""The fault matrix: the real bot process where the process is the point (SIGKILL and restart,
SIGTERM mid-hedge, the kill switch's exit and the restart after it), judged by the venues.

Each case runs the bot process against its own pair of local venues, a fill swept in
(`sweep_the_bid`), then asks the venues, not the bot: did every maker fill get hedged (Lighter
+ hedge positions net to zero within one hedge step), was anything hedged twice, is any order
left resting, did the kill switch trip exactly when it should, did a secret reach any file.
One row per case goes to the test's tmp_path/reliability.json.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Awaitable, Callable

import pytest

from hedge.infra.journal import Journal
from hedge.sim.binance.app import HEDGE_STATE_KEY
from hedge.sim.faults import apply_knobs
from hedge.sim.lighter import market_life
from hedge.sim.lighter.app import LIGHTER_STATE
from hedge.sim.lighter.control import state_summary
from hedge.sim.runner import start_venues
from tests.app.bot_process import (BotAccount, hedge_position, lighter_state, register_bot,
                                   start_bot, sweep_the_bid, wait_exit, wait_for_log, write_config)
from tests.sim.ccxt_loopback import freeze_prices

# Runs the bot in its own process (killing it is the point); ~100 s under load: `long`.
pytestmark = [pytest.mark.slow, pytest.mark.long]

HEDGE_STEP = Decimal("0.001")
CONCURRENCY = 2     # at most two bots at once
TOKEN = re.compile(r"\d{9,}:\d+:\d+:[0-9a-f]{20,}")

Action = Callable[["CaseRun"], Awaitable[None]]


@dataclass
class Case:
    name: str
    lighter: dict = field(default_factory=dict)
    hedge: dict = field(default_factory=dict)
    profile: str = "none"
    duration_s: float = 9
    config: dict = field(default_factory=dict)
    action: Action | None = None
    expect_kill: bool = False
    kill_reason: str = ""          # the exit reason the kill must give (a full regex match)
    seed: int = 11
    tier: str = "standard"        # the Lighter account tier (the venue enforces its caps)


@dataclass
class CaseRun:
    case: Case
    venues: object
    account: BotAccount
    logs: Path
    bot: object = None
    exit_codes: list[int] = field(default_factory=list)

    def lighter_faults(self, **knobs) -> None:
        apply_knobs(self.venues.lighter_app[LIGHTER_STATE].faults, knobs)

    def hedge_faults(self, **knobs) -> None:
        apply_knobs(self.venues.hedge_app[HEDGE_STATE_KEY].faults, knobs)


# -- mid-run actions -----------------------------------------------------------------------

async def kill_and_restart(run: CaseRun) -> None:
    """SIGKILL once a fill was hedged (quotes resting, the journal written), at a seeded
    moment after it, then a second run on the same journal."""
    await wait_for_log(run.logs, r"\[HEDGE\] ack", timeout_s=30)
    await asyncio.sleep(random.Random(run.case.seed).uniform(0.2, 1.0))
    run.bot.send_signal(signal.SIGKILL)
    run.exit_codes.append(await wait_exit(run.bot, 10))
    run.bot = start_bot(run.logs.parent / "bot.yaml", run.account, "--duration", "5")


async def refuse_once_hedging(run: CaseRun) -> None:
    """The hedge venue goes down while the first hedge is on its way, and stays down."""
    await wait_for_log(run.logs, r"\[HEDGE\] submit", timeout_s=30)
    run.hedge_faults(refuse_connections=True)


async def sigterm_during_hedge(run: CaseRun) -> None:
    await wait_for_log(run.logs, r"\[HEDGE\] submit", timeout_s=30)
    run.bot.send_signal(signal.SIGTERM)


SELECTED = {n for n in os.environ.get("MATRIX_CASES", "").split(",") if n}

# Only what a process can show stays here: a SIGKILL and the restart on its journal, a SIGTERM
# while a hedge is in flight, and the kill switch's exit code followed by the restart that
# resolves what it left. Every other venue fault is proven in-process, each where it is decided
# (docs/TESTING.md, "The fault matrix"): the hedging fault table (hedge 429, 5xx, answers lost
# or late, refused connections), tests/lighter (disconnects, silence, auth expiry, nonce
# errors, book gaps, silent rejects), tests/unit/test_fill_detector.py and
# tests/lighter/test_fills_over_stream.py (duplicate and late account frames), and the harness.
CASES = [
    Case("hedge_down_past_age_limit", hedge={"next": ["late"], "late_ms": 3000},
         action=lambda run: refuse_once_hedging(run), expect_kill=True,
         kill_reason=r"kill_switch:unhedged_age \(\d+ ms > 2000 ms\)",
         config={"risk": {"max_unhedged_age_ms": 2000}}, duration_s=20),
    Case("sigkill_and_restart", action=lambda run: kill_and_restart(run)),
    Case("sigterm_during_hedge", hedge={"next": ["late"], "late_ms": 2000},
         action=sigterm_during_hedge, duration_s=20),
]


async def run_case(case: Case, root: Path) -> dict:
    venues = await start_venues(seed=case.seed, faults=case.profile)
    try:
        account = await register_bot(venues, tier=case.tier)
        case_dir = root / case.name
        case_dir.mkdir(parents=True)
        sections = {"strategy": {"order_size": "0.01", "max_position": "0.05", "pricing": "join",
                                 "min_quote_lifetime_ms": 200},
                    **case.config}
        sections["lighter"] = {"account_tier": case.tier, **sections.get("lighter", {})}
        config = write_config(case_dir, account, duration_s=case.duration_s, **sections)
        run = CaseRun(case, venues, account, case_dir / "logs")
        if case.lighter:
            run.lighter_faults(**case.lighter)
        if case.hedge:
            run.hedge_faults(**case.hedge)
        pins = freeze_prices(venues.prices)
        run.bot = start_bot(config, account)
        await sweep_the_bid(venues, pins, account.account_index)   # a fill, whatever the path
        if case.action is not None:
            await case.action(run)
        run.exit_codes.append(await wait_exit(run.bot, case.duration_s + 60))
        run.hedge_faults(refuse_connections=False)
        if case.expect_kill:
            # The venue is back: a restart resolves what the kill switch left and hedges it.
            run.bot = start_bot(config, account, "--duration", "3")
            run.exit_codes.append(await wait_exit(run.bot, 60))
        await asyncio.sleep(0.2)
        return await measure(run)
    finally:
        await venues.stop()


async def measure(run: CaseRun) -> dict:
    """The row of one case, asked of the venues (positions, resting orders, fills)."""
    account = run.account
    lighter_pos, resting = await lighter_state(account)
    hedge_pos = await hedge_position(account)
    venue = state_summary(run.venues.lighter_app[LIGHTER_STATE])["accounts"][str(account.account_index)]
    venue_fills = venue["fills"].get("0", {"count": 0, "filled_base": "0"})
    summaries = [json.loads(p.read_text()) for p in sorted(run.logs.glob("*/summary.json"))
                 if p.parent.name != "latest"]
    last = summaries[-1] if summaries else {}
    net = lighter_pos + hedge_pos
    # What the bot could not hedge because it is below the hedge venue's minimum order.
    carry = -Decimal(last.get("reliability", {}).get("hedge_carry_base", "0"))
    secrets_found = 0
    for path in run.logs.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode(errors="replace")
            secrets_found += sum(s in text for s in (account.private_key, account.hedge_secret))
            secrets_found += len(TOKEN.findall(text))
    rel = [s.get("reliability", {}) for s in summaries]
    reconnects = [s.get("ws", {}).get("reconnects", 0) for s in summaries]
    kills = [s["exit_reason"] for s in summaries
             if s.get("exit_reason", "").startswith("kill_switch")]
    with Journal(run.logs / f"journal-{account.account_index}.sqlite") as journal:
        detected = journal.totals().filled_base    # every fill any run of the case journaled
    return {
        "case": run.case.name, "tier": run.case.tier, "exit_codes": run.exit_codes,
        "rate_limited": venue["rate_limited"],
        "max_requests_per_min": max((s.get("lighter", {}).get("max_requests_per_min", 0)
                                     for s in summaries), default=0),
        "silent_rejects_found": sum(s.get("lighter", {}).get("silent_rejects_found", 0)
                                    for s in summaries),
        "exit_reason": last.get("exit_reason"),
        "venue_fills": venue_fills["count"], "venue_filled_base": venue_fills["filled_base"],
        "detected_filled_base": str(detected),
        "lighter_position": str(lighter_pos), "hedge_position": str(hedge_pos),
        "net_position": str(net),
        "hedge_carry_base": str(carry),
        "fills_lost": int(abs(net - carry) >= HEDGE_STEP and (net - carry > 0) == (lighter_pos > 0)),
        "double_hedges": int(abs(net - carry) >= HEDGE_STEP and (net - carry > 0) == (hedge_pos > 0)),
        "orders_left_open": resting,
        "secrets_found": secrets_found,
        "kill_expected": run.case.expect_kill, "kill_observed": bool(kills),
        "kill_reasons": kills, "kill_reason_expected": run.case.kill_reason,
        "disconnects_survived": sum(reconnects),
        "reconnect_ms_p50": max((r.get("reconnect_ms", {}).get("p50") or 0 for r in rel), default=0),
        "reconnect_ms_p99": max((r.get("reconnect_ms", {}).get("p99") or 0 for r in rel), default=0),
        "duplicate_frames_ignored": sum(r.get("duplicate_frames_ignored", 0) for r in rel),
        "book_resyncs": sum(s.get("ws", {}).get("book_resyncs", 0) for s in summaries),
        "ambiguous_hedges_resolved": sum(r.get("ambiguous_hedges_resolved", 0) for r in rel),
        "max_unhedged_base": max((r.get("max_unhedged_base", "0") for r in rel), key=Decimal, default="0"),
        "max_unhedged_ms": max((r.get("max_unhedged_ms", 0) for r in rel), default=0),
    }


@pytest.fixture(autouse=True)
def busy_market(monkeypatch):
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 8.0)


@pytest.mark.timeout(600)
async def test_fault_matrix(tmp_path):
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(case: Case) -> dict:
        async with gate:
            return await run_case(case, tmp_path)

    cases = [c for c in CASES if not SELECTED or c.name in SELECTED]
    rows = await asyncio.gather(*(one(c) for c in cases))
    (tmp_path / "reliability.json").write_text(json.dumps({"cases": rows}, indent=2) + "\n")
    problems = []
    for row in rows:
        name = row["case"]
        expected_codes = ([1, 0] if row["kill_expected"] else [0])
        if row["case"] == "sigkill_and_restart":
            expected_codes = [-signal.SIGKILL, 0]
        if row["exit_codes"] != expected_codes:
            problems.append(f"{name}: exit codes {row['exit_codes']} != {expected_codes} ({row['exit_reason']})")
        if row["kill_observed"] != row["kill_expected"]:
            problems.append(f"{name}: kill switch {row['kill_observed']}, expected {row['kill_expected']}")
        wrong = [r for r in row["kill_reasons"] if not re.fullmatch(row["kill_reason_expected"], r)]
        if wrong:
            problems.append(f"{name}: kill reason {wrong} is not {row['kill_reason_expected']!r}")
        if row["orders_left_open"] or row["secrets_found"] or row["double_hedges"]:
            problems.append(f"{name}: open {row['orders_left_open']} secrets {row['secrets_found']} "
                            f"double {row['double_hedges']}")
        if row["rate_limited"]:
            problems.append(f"{name}: Lighter answered {row['rate_limited']} requests with 429")
        if row["tier"] == "standard" and row["max_requests_per_min"] > 60:
            problems.append(f"{name}: {row['max_requests_per_min']} requests in a minute")
        if row["fills_lost"]:
            problems.append(f"{name}: net position {row['net_position']} (lighter "
                            f"{row['lighter_position']}, hedge {row['hedge_position']}, "
                            f"carry {row['hedge_carry_base']})")
        if Decimal(row["hedge_carry_base"]).copy_abs() * 3000 >= 20:
            problems.append(f"{name}: a carry of {row['hedge_carry_base']} is hedgeable")
        if Decimal(row["detected_filled_base"]) != Decimal(row["venue_filled_base"]):
            problems.append(f"{name}: venue filled {row['venue_filled_base']}, bot saw "
                            f"{row['detected_filled_base']}")
    assert not problems, "\n".join(problems)
    assert all(r["venue_fills"] >= 1 for r in rows), rows   # every case really traded
