"""The bot as a user runs it, judged by the venues: every fill hedged, nothing left resting.

Each test starts the real bot process against the local venues and, after it stops, asks the
venues themselves (the Lighter SDK, ccxt's binanceusdm) for positions and resting orders.
"""
from __future__ import annotations

import asyncio
import json
import re
import signal
import time
from decimal import Decimal

import pytest

from hedge.diagnostics.run_facts import read_run
from hedge.infra import events as ev
from hedge.infra.run_events import read_run_events
from hedge.report.run_log import read_run_log
from hedge.sim.binance.app import HEDGE_STATE_KEY
from hedge.sim.lighter import market_life
from hedge.sim.lighter.app import LIGHTER_STATE
from hedge.sim.lighter.control import state_summary
from tests.app.bot_process import (hedge_position, lighter_state, register_bot, run_files,
                                   run_in_process, start_bot, sweep_the_bid, wait_exit,
                                   wait_for_log, write_config)
from tests.sim.ccxt_loopback import freeze_prices, loopback_binanceusdm
from tests.sim.lighter_helpers import poll

pytestmark = pytest.mark.slow   # runs the bot, in-process or as a process

HEDGE_STEP = Decimal("0.001")


@pytest.fixture(autouse=True)
def busy_market(monkeypatch):
    """More takers than the default, so a short run sees several fills."""
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 10.0)


async def test_fills_are_hedged_and_nothing_rests_after_a_signal_stop(venues, tmp_path):
    """A process: SIGTERM is what stops it."""
    account = await register_bot(venues)
    config = write_config(tmp_path, account, duration_s=0, logging={"level": "DEBUG"})
    pins = freeze_prices(venues.prices)
    bot = start_bot(config, account)
    logs = tmp_path / "logs"
    await sweep_the_bid(venues, pins, account.account_index)
    await wait_for_log(logs, r"\[HEDGE\] ack .* filled", timeout_s=60)
    lighter_account = venues.lighter_app[LIGHTER_STATE].accounts[account.account_index]
    assert lighter_account.cancel_all_time > time.time() * 1000 + 60_000   # dead-man's switch armed
    bot.send_signal(signal.SIGTERM)
    assert await wait_exit(bot, 40) == 0, bot.stderr.read()

    lighter_pos, resting = await lighter_state(account)
    hedge_pos = await hedge_position(account)
    venue_fills = state_summary(venues.lighter_app[LIGHTER_STATE])["accounts"][
        str(account.account_index)]["fills"].get("0")
    assert resting == 0
    assert lighter_account.cancel_all_time == 0                            # disarmed at a clean stop
    assert venue_fills is not None and venue_fills["count"] >= 1
    assert abs(lighter_pos + hedge_pos) < HEDGE_STEP, (lighter_pos, hedge_pos)

    summary = json.loads((logs / "latest" / "summary.json").read_text())
    assert summary["exit_reason"] == "signal"
    # Every fill the venue recorded was detected, and every detected fill hedged.
    assert Decimal(summary["lighter"]["filled_base"]) == Decimal(venue_fills["filled_base"])
    assert summary["lighter"]["fills"] >= 1
    reliability = summary["reliability"]
    assert (reliability["fills_lost"], reliability["double_hedges"],
            reliability["orders_left_open"]) == (0, 0, 0)
    assert Decimal(reliability["max_unhedged_base"]) <= Decimal("0.01")
    assert Decimal(summary["position"]["lighter_base"]) == lighter_pos
    assert Decimal(summary["position"]["hedge_base"]) == hedge_pos
    assert summary["latency_ms"]["fill_to_hedge_submit"]["n"] >= 1

    bot_log = (logs / "latest" / "bot.log").read_text()
    assert "📨 [LIGHTER WS] update/account_orders" in bot_log
    assert re.search(r"✅ \[LIGHTER WS\] Order (FILLED|partial fill)", bot_log)
    assert "ℹ️ [LIGHTER WS] subscribe account_orders/0/" in bot_log
    frames = (logs / "latest" / "ws_lighter.jsonl").read_text().splitlines()
    assert frames and all({"ts_ns", "conn", "dir", "frame"} <= json.loads(f).keys() for f in frames[:50])

    # No secret and no auth token in anything the run wrote.
    secrets = [account.private_key, account.hedge_secret]
    token = re.compile(r"\d{9,}:\d+:\d+:[0-9a-f]{20,}")
    for path in run_files(logs):
        text = path.read_bytes().decode(errors="replace")
        assert not any(s in text for s in secrets), path
        assert not token.search(text), path

    # events.jsonl holds the run's fills and hedges, as summary.json counts them, and both
    # readers take them from there.
    run = read_run_events(logs / "latest")
    assert run.source == "events.jsonl" and run.malformed == 0
    assert run.events[0].name == ev.START and run.of(ev.STOP)[0].fields["reason"] == "signal"
    fills = run.of(ev.FILL)
    assert len(fills) == summary["lighter"]["fills"] and {e.market for e in fills} == {"ETH"}
    assert sum(Decimal(e.fields["size_base"]) for e in fills) == Decimal(venue_fills["filled_base"])
    assert len(run.of(ev.HEDGE_ACK)) == summary["latency_ms"]["fill_to_hedge_ack"]["n"]
    facts = read_run(logs / "latest")
    assert facts.events_source == "events.jsonl" and len(facts.fills) == len(fills)
    assert len(read_run_log(logs / "latest").hedge_latency_ms) == len(run.of(ev.HEDGE_ACK))



def _freeze_market(venues) -> None:
    """No more fills: the mid stops moving and the takers stop."""
    fixed = {asset: venues.prices.mid(asset) for asset in venues.prices.assets}
    venues.prices.mid = lambda asset, now_ms=None: fixed[asset]
    venues.lighter_app[LIGHTER_STATE].faults.no_taker_flow = True


@pytest.mark.fresh_venue   # counts every order the hedge venue executed
async def test_a_restart_in_the_middle_of_a_hedge_does_not_hedge_twice(venues, tmp_path):
    """A process: SIGKILL mid-hedge, then a restart on the same journal."""
    account = await register_bot(venues)
    # one side: the model's takers reach both quotes at the touch, and this run wants one fill
    config = write_config(tmp_path, account, duration_s=0, hedge={"timeout_ms": 8000},
                          strategy={"sides": "bid"})
    hedge_state = venues.hedge_app[HEDGE_STATE_KEY]
    hedge_state.faults.next = ["late"]          # the first hedge executes, its answer waits 3 s
    hedge_state.faults.late_ms = 3000
    pins = freeze_prices(venues.prices)
    bot = start_bot(config, account)
    logs = tmp_path / "logs"
    await sweep_the_bid(venues, pins, account.account_index)
    orders = venues.lighter_app[LIGHTER_STATE].accounts[account.account_index].orders
    # the takers stop the moment a bid of ours trades (stopped earlier, nothing would trade it)
    await poll(lambda: any(o.filled > 0 for o in orders.values()), timeout=60, step=0.005)
    _freeze_market(venues)
    await wait_for_log(logs, r"\[HEDGE\] submit", timeout_s=60)
    await poll(lambda: hedge_state.executed_order_posts >= 1)
    assert hedge_state.executed_order_posts == 1   # executed on the venue, not yet answered
    bot.send_signal(signal.SIGKILL)
    await wait_exit(bot, 10)
    first_run = (logs / "latest").resolve()

    restarted = start_bot(config, account, "--duration", "3")
    assert await wait_exit(restarted, 60) == 0, restarted.stderr.read()
    assert (logs / "latest").resolve() != first_run
    restart_log = (logs / "latest" / "bot.log").read_text()
    found = re.search(r"\[HEDGE\] restart: (lh-\S+) looked up: filled", restart_log)
    assert found, restart_log[-3000:]

    lighter_pos, resting = await lighter_state(account)
    hedge_pos = await hedge_position(account)
    assert resting == 0
    assert lighter_pos != 0
    assert lighter_pos + hedge_pos == 0, (lighter_pos, hedge_pos)
    # The hedge was found, never resent: the venue executed it once, and every other order it
    # executed is one the restarted run sent for what its journal still owed (a second taker
    # on the bid before the freeze, or the buy-back leg of a padded half fill).
    executed = [o.client_order_id for o in hedge_state.accounts[account.hedge_key].orders.values()
                if o.executed_qty != 0]
    restarted_orders = json.loads((logs / "latest" / "summary.json").read_text())["hedge"]["orders"]
    assert executed.count(found.group(1)) == 1, executed
    assert len(executed) == hedge_state.executed_order_posts == 1 + restarted_orders, executed


async def test_kill_switch_trips_when_hedges_keep_failing(venues, tmp_path, monkeypatch):
    """One side quoted, so after its first fill nothing fills until the hedge is done: the
    failures are that hedge and its retry a second later, the count reads exactly 2 and pauses
    the market; the exposure left unhedged then stops the run."""
    account = await register_bot(venues)
    config = write_config(tmp_path, account, duration_s=60, strategy={"sides": "bid"},
                          risk={"max_hedge_failures": 2, "max_unhedged_age_ms": 5_000})
    venues.hedge_app[HEDGE_STATE_KEY].faults.reject_hedges = True
    pins = freeze_prices(venues.prices)
    sweep = asyncio.create_task(sweep_the_bid(venues, pins, account.account_index))
    assert await run_in_process(config, account, monkeypatch) == 1
    await sweep
    summary = json.loads((tmp_path / "logs" / "latest" / "summary.json").read_text())
    assert summary["exit_reason"].startswith("kill_switch:unhedged_age"), summary["exit_reason"]
    bot_log = (tmp_path / "logs" / "latest" / "bot.log").read_text()
    assert re.search(r"MARKET PAUSED \w+: hedge_failures \(2 in a row\)", bot_log)
    assert summary["hedge"]["failures"] >= 2
    assert summary["reliability"]["orders_left_open"] == 0
    facts = read_run(tmp_path / "logs" / "latest")          # from events.jsonl
    assert facts.events_source == "events.jsonl"
    assert [e.text.split(" (")[0] for e in facts.kill_switch] == ["unhedged_age"]
    assert len(facts.hedge_failures) == summary["hedge"]["failures"]
    _, resting = await lighter_state(account)
    assert resting == 0
    assert await hedge_position(account) == 0


async def test_startup_refuses_to_quote_when_positions_do_not_net_out(venues, tmp_path,
                                                                      monkeypatch):
    """A hedge position no journal explains (someone traded by hand): no quote is placed."""
    account = await register_bot(venues)
    ex = loopback_binanceusdm(account.hedge_url, account.hedge_key, account.hedge_secret)
    try:
        await ex.load_markets()
        await ex.create_order("ETH/USDT:USDT", "market", "buy", 0.02)
    finally:
        await ex.close()
    config = write_config(tmp_path, account, duration_s=5)
    assert await run_in_process(config, account, monkeypatch) == 1
    summary = json.loads((tmp_path / "logs" / "latest" / "summary.json").read_text())
    assert summary["exit_reason"].startswith("error:startup_refused")
    assert "do not net out" in summary["exit_reason"]
    assert summary["lighter"]["orders_placed"] == 0
    _, resting = await lighter_state(account)
    assert resting == 0 and await hedge_position(account) == Decimal("0.02")
