"""summary.json is rewritten while the bot runs, so a run killed without its stop sequence still
leaves its figures, marked `"final": false`; diagnose and the report take it and say so.

A process test: only a real SIGKILL of the bot's own process shows what a killed run leaves on
disk (no `finally`, no atexit, no flush runs); an in-process run cannot be killed that way.
"""
from __future__ import annotations

import json
import signal

import pytest

from hedge.diagnostics.diagnose_command import diagnose_run
from hedge.report.build import build_report
from hedge.sim.lighter import market_life
from tests.app.bot_process import (register_bot, start_bot, sweep_the_bid, wait_exit,
                                   wait_for_log, write_config)
from tests.sim.ccxt_loopback import freeze_prices
from tests.sim.lighter_helpers import poll

pytestmark = pytest.mark.slow   # runs the bot in its own process


@pytest.fixture(autouse=True)
def busy_market(monkeypatch):
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 10.0)


def periodic_summary(run_dir):
    try:
        data = json.loads((run_dir / "summary.json").read_text())
    except (OSError, ValueError):
        return None
    return data if data.get("final") is False and data["lighter"]["fills"] >= 1 else None


async def test_a_killed_run_leaves_its_periodic_summary(venues, tmp_path):
    account = await register_bot(venues)
    config = write_config(tmp_path, account, duration_s=0, logging={"summary_every_s": 1})
    pins = freeze_prices(venues.prices)
    bot = start_bot(config, account)
    logs = tmp_path / "logs"
    await sweep_the_bid(venues, pins, account.account_index)
    await wait_for_log(logs, r"\[HEDGE\] ack .* filled", timeout_s=60)
    run_dir = (logs / "latest").resolve()
    running = await poll(lambda: periodic_summary(run_dir), timeout=30, step=0.2)
    assert running is not None, "no periodic summary with the fill in it"
    bot.send_signal(signal.SIGKILL)
    assert await wait_exit(bot, 20) == -signal.SIGKILL

    left = json.loads((run_dir / "summary.json").read_text())
    assert left["final"] is False and left["exit_reason"] == "running"
    assert left["run_id"] == run_dir.name
    assert left["lighter"]["fills"] >= 1 and left["hedge"]["orders"] >= 1
    assert left["latency_ms"]["fill_to_hedge_submit"]["n"] >= 1
    assert not list(run_dir.glob(".summary.json.*")), "a temporary summary left behind"

    found = {f.id: f.evidence for f in diagnose_run(run_dir).findings}
    assert "summary.json is not final" in found.get("run_incomplete", ""), found
    page = build_report(run_dir).read_text()
    assert "summary.json is not final" in page
