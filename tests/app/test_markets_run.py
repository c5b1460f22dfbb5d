"""config/paper-multi.yaml as a user runs it: three markets in one process, each filled and
hedged on its own symbol, judged by the venues (lighter-sdk, ccxt) per symbol; a hedge venue
that refuses one symbol pauses that market while the others keep quoting. The bot runs in the
test's loop; its stop is the run's own SIGTERM handler."""
from __future__ import annotations

import asyncio
import csv
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from hedge.diagnostics.run_facts import read_run
from hedge.infra import events as ev
from hedge.infra.run_events import read_run_events
from hedge.sim.binance.app import HEDGE_STATE_KEY
from hedge.sim.lighter import market_life
from hedge.sim.lighter.app import LIGHTER_STATE
from tests.app.bot_process import (ROOT, hedge_position, lighter_state, register_bot,
                                   start_in_process, wait_for_log)

MARKETS = {"ETH": (0, "ETH/USDT:USDT"), "BTC": (1, "BTC/USDT:USDT"), "SOL": (2, "SOL/USDT:USDT")}
HEDGE_STEP = {"ETH": Decimal("0.001"), "BTC": Decimal("0.001"), "SOL": Decimal("1")}


@pytest.fixture(autouse=True)
def busy_market(monkeypatch):
    """More takers than the default, so every market sees fills in a short run."""
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 10.0)


def multi_config(tmp_path: Path, account) -> Path:
    config = yaml.safe_load((ROOT / "config" / "paper-multi.yaml").read_text())
    config["duration_s"] = 0
    config["lighter"]["url"] = account.lighter_url
    config["hedge"]["url"] = account.hedge_url
    config["strategy"]["pricing"] = "join"          # quotes at the touch: fills come quickly
    config["strategy"]["min_quote_lifetime_ms"] = 200
    # Three markets on a standard account spend a minute's budget in seconds: a short window
    # (the venue's too, below) lets the paused market's neighbours requote while the test waits.
    config["lighter"]["rate_window_s"] = RATE_WINDOW_S
    config["logging"] = {"level": "INFO", "dir": str(tmp_path / "logs")}
    path = tmp_path / "multi.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


RATE_WINDOW_S = 10


def hedged_markets(logs: Path) -> set[str]:
    path = logs / "latest" / "trades.csv"
    if not path.exists():
        return set()
    return {row["market"] for row in csv.DictReader(path.open()) if row["role"] == "hedge"}


async def until_hedged(logs: Path, markets: set[str], timeout_s: float) -> None:
    await until(lambda: markets <= hedged_markets(logs), timeout_s,
                lambda: f"hedged only {hedged_markets(logs)}")


async def until(condition, timeout_s: float, what=lambda: "condition not met") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, what()
        await asyncio.sleep(0.2)


# A venue of its own: on the shared one a SOL partial fill went unhedged (twice, under load;
# docs/TESTING.md, to investigate).
@pytest.mark.fresh_venue
@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_three_markets_each_hedged_on_its_own_symbol_and_a_refused_symbol_pauses_one(
        venues, tmp_path, monkeypatch):
    account = await register_bot(venues)
    venues.lighter_app[LIGHTER_STATE].faults.rate_window_s = RATE_WINDOW_S
    bot = await start_in_process(multi_config(tmp_path, account), account, monkeypatch)
    logs = tmp_path / "logs"
    hedge_faults = venues.hedge_app[HEDGE_STATE_KEY].faults
    try:
        await until_hedged(logs, set(MARKETS), timeout_s=90)
        # The hedge venue refuses BTC from now on: BTC pauses, ETH and SOL quote on.
        hedge_faults.reject_hedge_symbols = ["BTCUSDT"]
        await wait_for_log(logs, r"MARKET PAUSED BTC: hedge_failures", timeout_s=90)
        # Asked of the venue's own state (no request on the bot's account): ETH and SOL rest
        # quotes after the pause, BTC's are gone.
        lighter_account = venues.lighter_app[LIGHTER_STATE].accounts[account.account_index]
        for market in ("ETH", "SOL"):
            await until(lambda: lighter_account.live_orders(MARKETS[market][0]), timeout_s=60)
        await until(lambda: not lighter_account.live_orders(MARKETS["BTC"][0]), timeout_s=30)
        hedge_faults.reject_hedge_symbols = []      # what BTC owes is retried and hedged
        await wait_for_log(logs, r"\[HEDGE\] ack .*", timeout_s=10)
    finally:
        bot.stop()
        code = await bot.wait(90)
    assert code == 0

    summary = json.loads((logs / "latest" / "summary.json").read_text())
    assert summary["exit_reason"] == "signal"
    assert set(summary["markets"]) == set(MARKETS)
    assert summary["markets"]["BTC"]["paused"].startswith("hedge_failures")
    assert not summary["markets"]["ETH"]["paused"] and not summary["markets"]["SOL"]["paused"]
    for market, (market_id, symbol) in MARKETS.items():
        block = summary["markets"][market]
        lighter_pos, resting = await lighter_state(account, market_id)
        hedge_pos = await hedge_position(account, symbol)
        assert resting == 0, market
        assert block["lighter"]["fills"] >= 1 and block["hedge"]["orders"] >= 1, (market, block)
        # the model's takers fill SOL's 1-SOL quotes in pieces of 0.05, and the hedge venue's
        # SOL step is 1: a remainder under the step waits for the next fill
        assert abs(lighter_pos + hedge_pos) < HEDGE_STEP[market], (market, lighter_pos, hedge_pos)
        assert Decimal(block["position"]["lighter_base"]) == lighter_pos
        assert Decimal(block["position"]["hedge_base"]) == hedge_pos
    rows = list(csv.DictReader((logs / "latest" / "trades.csv").open()))
    assert {row["market"] for row in rows} == set(MARKETS)
    assert summary["reliability"]["double_hedges"] == 0
    assert summary["reliability"]["orders_left_open"] == 0
    # events.jsonl: each market's startup, fills and hedges under its symbol; BTC's pause.
    run = read_run_events(logs / "latest")
    assert {e.market for e in run.of(ev.STARTUP_RECONCILED)} == set(MARKETS)
    for market in MARKETS:
        fills = [e for e in run.of(ev.FILL) if e.market == market]
        assert len(fills) == summary["markets"][market]["lighter"]["fills"], market
    assert [e.market for e in run.of(ev.MARKET_PAUSED)] == ["BTC"]
    assert read_run(logs / "latest").market_pauses[0].text.startswith("BTC: hedge_failures")
