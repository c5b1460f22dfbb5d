"""The preflight as the operator meets it: the bot as a process against the local venues.

A process because the exit code and the printed fix are what the operator sees."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.app.bot_process import (lighter_state, register_bot, start_bot, wait_exit,
                                   write_config)
from tests.sim.ccxt_loopback import freeze_prices
from tests.sim.lighter_helpers import venue

pytestmark = pytest.mark.slow


def _bot_log(tmp_path) -> str:
    return (tmp_path / "logs" / "latest" / "bot.log").read_text(errors="replace")


async def test_premium_configured_on_a_standard_account_is_refused(venues, tmp_path):
    account = await register_bot(venues)                      # the venue's default: standard
    config = write_config(tmp_path, account, duration_s=5, lighter={"account_tier": "premium"})
    proc = start_bot(config, account)
    assert await wait_exit(proc, 60) == 2, proc.stdout.read()[-2000:]
    assert "set lighter.account_tier: standard" in proc.stdout.read()
    assert "[PREFLIGHT] 1/7" not in _bot_log(tmp_path)
    assert await lighter_state(account) == (Decimal(0), 0)       # nothing was placed


async def _run_with_clock_offset(venues, tmp_path, offset_ms: int, exit_code: int):
    freeze_prices(venues.prices)
    account = await register_bot(venues)
    venue(venues).faults.clock_offset_ms = offset_ms
    proc = start_bot(write_config(tmp_path, account, duration_s=4), account)
    assert await wait_exit(proc, 90) == exit_code, proc.stdout.read()[-2000:]
    return account, proc


async def test_a_venue_clock_5_s_away_is_refused(venues, tmp_path):
    account, proc = await _run_with_clock_offset(venues, tmp_path, 5000, 2)
    out = proc.stdout.read()
    assert "behind Lighter's" in out and "synchronise the host clock" in out
    assert "[PREFLIGHT] 5/7 fees" in _bot_log(tmp_path)         # every step before it ran
    assert await lighter_state(account) == (Decimal(0), 0)


async def test_a_venue_clock_500_ms_away_is_warned_and_the_run_goes_on(venues, tmp_path):
    await _run_with_clock_offset(venues, tmp_path, 500, 0)
    log = _bot_log(tmp_path)
    warned = [line for line in log.splitlines() if "WARNING" in line and "behind Lighter's" in line]
    assert len(warned) == 1, log[-3000:]
    steps = [line for line in log.splitlines() if "[PREFLIGHT]" in line and "/7 " in line]
    assert [s.split("[PREFLIGHT] ")[1][:3] for s in steps] == [f"{i}/7" for i in range(1, 8)]
    summary = json.loads(next((tmp_path / "logs").glob("*/summary.json")).read_text())
    assert summary["lighter"]["dead_mans_switch_failures"] == 0
