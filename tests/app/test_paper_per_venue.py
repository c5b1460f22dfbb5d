"""The bot end to end on each supported hedge venue: fills hedged, the two venues net to zero.

The venues run in the test's loop (so they outlive the bot); the bot is the real process,
configured with the venue's ccxt id and credentials. After it stops, the positions are asked
of Lighter through lighter-sdk and of the hedge venue through ccxt's own class.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal

import pytest
import yaml
from lighter.signer_client import create_api_key

from hedge.sim.lighter import market_life
from hedge.sim.runner import start_venues
from tests.app.bot_process import ROOT, BotAccount, lighter_state, wait_exit, wait_for_log
from tests.hedging.venue_cases import CASES
from tests.sim.lighter_helpers import register

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def busy_market(monkeypatch):
    """More takers than the default, so a short run sees several fills."""
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 10.0)


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_paper_run_hedges_every_fill_and_nets_to_zero(case, tmp_path):
    venues = await start_venues(seed=11, hedge_exchange=case.exchange_id)
    try:
        private, public, err = create_api_key()
        assert err is None
        index = 930_001 + CASES.index(case)
        await register(venues.lighter_url, index, 4, public)
        await case.register(venues.hedge_url)
        config = tmp_path / "bot.yaml"
        config.write_text(yaml.safe_dump({
            "mode": "paper", "duration_s": 0,
            "lighter": {"url": venues.lighter_url, "market": "ETH"},
            "hedge": {"exchange": case.exchange_id, "url": venues.hedge_url,
                      "symbol": case.symbol},
            "strategy": {"order_size": "0.01", "max_position": "0.05",
                         "min_quote_lifetime_ms": 200},
            "risk": {"max_unhedged_base": "0.05"},
            "logging": {"level": "INFO", "dir": str(tmp_path / "logs")}}))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTER_", "HEDGE_"))}
        env.update(LIGHTER_ACCOUNT_INDEX=str(index), LIGHTER_API_KEY_INDEX="4",
                   LIGHTER_API_PRIVATE_KEY=private, **case.env())
        bot = subprocess.Popen([sys.executable, "run.py", "run", "--config", str(config)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            await wait_for_log(tmp_path / "logs", r"\[HEDGE\] ack .* filled", timeout_s=60)
        finally:
            bot.send_signal(signal.SIGTERM)
        assert await wait_exit(bot, 40) == 0, bot.stderr.read()[-3000:]

        account = BotAccount(venues.lighter_url, venues.hedge_url, index, private, "", "")
        lighter_pos, resting = await lighter_state(account)
        hedge_pos = await case.ccxt_position(venues.hedge_url)
        summary = json.loads((tmp_path / "logs" / "latest" / "summary.json").read_text())
        assert resting == 0
        assert summary["lighter"]["fills"] >= 1, summary
        assert summary["hedge"]["failures"] == 0, summary
        assert lighter_pos != 0 or summary["hedge"]["orders"] >= 2
        assert lighter_pos + hedge_pos == 0, (lighter_pos, hedge_pos)
        assert Decimal(summary["position"]["hedge_base"]) == hedge_pos
        assert hedge_pos == await case.venue_position(venues.hedge_url)
        log = (tmp_path / "logs" / "latest" / "bot.log").read_text()
        for secret in case.credentials.values():
            if secret != case.credentials.get("wallet_address"):
                assert secret not in log
    finally:
        await venues.stop()
