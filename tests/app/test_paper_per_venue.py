"""The bot end to end on each supported hedge venue: fills hedged, the two venues net to zero.

The venues are the shared pair of each hedge exchange (tests/shared_venues.py); the bot runs
in-process through `run_bot`, configured with the venue's ccxt id and credentials. After it stops, the positions are asked
of Lighter through lighter-sdk and of the hedge venue through ccxt's own class.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from decimal import Decimal

import pytest
import yaml
from lighter.signer_client import create_api_key

from hedge.sim.lighter import market_life
from tests.app.bot_process import (ROOT, SWEEP_SLIPPAGE_BPS, BotAccount, lighter_state,
                                   run_in_process, sweep_the_bid)
from tests.hedging.venue_cases import CASES
from tests.sim.ccxt_loopback import freeze_prices
from tests.sim.lighter_helpers import register
from tests.shared_venues import venue_pair

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def busy_market(monkeypatch):
    """More takers than the default, so a short run sees several fills."""
    monkeypatch.setattr(market_life, "TAKERS_PER_S", 10.0)


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_paper_run_hedges_every_fill_and_nets_to_zero(case, tmp_path, request, monkeypatch):
    async for venues in venue_pair(request, case.exchange_id):
        pins = freeze_prices(venues.prices)
        private, public, err = create_api_key()
        assert err is None
        index = 940_001 + CASES.index(case)
        await register(venues.lighter_url, index, 4, public)
        await case.register(venues.hedge_url)
        config = tmp_path / "bot.yaml"
        config.write_text(yaml.safe_dump({
            "mode": "paper", "duration_s": 8,
            "lighter": {"url": venues.lighter_url, "market": "ETH"},
            "hedge": {"exchange": case.exchange_id, "url": venues.hedge_url,
                      "symbol": case.symbol, "max_slippage_bps": SWEEP_SLIPPAGE_BPS},
            "strategy": {"order_size": "0.01", "max_position": "0.05",
                         "min_quote_lifetime_ms": 200},
            "risk": {"max_unhedged_base": "0.05"},
            "logging": {"level": "INFO", "dir": str(tmp_path / "logs")}}))
        for key, value in case.env().items():
            monkeypatch.setenv(key, value)
        account = BotAccount(venues.lighter_url, venues.hedge_url, index, private, "", "")
        sweep = asyncio.create_task(sweep_the_bid(venues, pins, index))
        assert await run_in_process(config, account, monkeypatch) == 0
        await sweep

        lighter_pos, resting = await lighter_state(account)
        hedge_pos = await case.ccxt_position(venues.hedge_url)
        summary = json.loads((tmp_path / "logs" / "latest" / "summary.json").read_text())
        assert resting == 0
        assert summary["lighter"]["fills"] >= 1, summary
        assert summary["hedge"]["failures"] == 0, summary
        assert lighter_pos != 0 or summary["hedge"]["orders"] >= 2
        # what the venues do not net is the carry the run reported: a partial fill below the
        # hedge venue's step (bybit's is 0.01, Lighter's 0.001) that no later fill grew
        carry = Decimal(summary["reliability"]["hedge_carry_base"])
        assert abs(lighter_pos + hedge_pos) == abs(carry), (lighter_pos, hedge_pos, carry)
        assert Decimal(summary["position"]["hedge_base"]) == hedge_pos
        assert hedge_pos == await case.venue_position(venues.hedge_url)
        log = (tmp_path / "logs" / "latest" / "bot.log").read_text()
        for secret in case.credentials.values():
            if secret != case.credentials.get("wallet_address"):
                assert secret not in log


# Where each local hedge venue answers a public call, to tell which one `run.py sim` serves.
PUBLIC_PROBES = {
    "binanceusdm": ("GET", "/fapi/v1/exchangeInfo", None, b'"ETHUSDT"'),
    "okx": ("GET", "/api/v5/public/instruments?instType=SWAP", None, b'"ETH-USDT-SWAP"'),
    "bybit": ("GET", "/v5/market/instruments-info?category=linear", None, b'"ETHUSDT"'),
    "hyperliquid": ("POST", "/info", b'{"type": "meta"}', b'"ETH"'),
}


@pytest.mark.parametrize("exchange", sorted(PUBLIC_PROBES))
def test_sim_serves_the_hedge_venue_named(exchange):
    proc = subprocess.Popen([sys.executable, "run.py", "sim", "--lighter-port", "0",
                             "--hedge-port", "0", "--hedge-exchange", exchange], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        hedge = re.fullmatch(r"hedge sim ready (http://127\.0\.0\.1:\d+)\n", lines[1])
        assert hedge, lines
        method, path, body, expected = PUBLIC_PROBES[exchange]
        request = urllib.request.Request(hedge.group(1) + path, data=body, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as resp:
            assert expected in resp.read()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("exchange", ["okx", "bybit", "hyperliquid"])
def test_the_paper_config_of_each_venue_runs(exchange, tmp_path):
    """`python run.py run --config config/paper-<venue>.yaml` as shipped (logs to tmp)."""
    config = yaml.safe_load((ROOT / "config" / f"paper-{exchange}.yaml").read_text())
    assert config["hedge"]["exchange"] == exchange and config["hedge"]["url"] == "sim"
    config["logging"] = {**config.get("logging", {}), "dir": str(tmp_path / "logs")}
    path = tmp_path / f"paper-{exchange}.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTER_", "HEDGE_"))}
    result = subprocess.run([sys.executable, "run.py", "run", "--config", str(path),
                             "--duration", "3"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=100)
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-2000:])
    summary = json.loads((tmp_path / "logs" / "latest" / "summary.json").read_text())
    assert summary["exit_reason"] == "duration", summary
    assert summary["hedge"]["failures"] == 0
    net = Decimal(summary["position"]["lighter_base"]) + Decimal(summary["position"]["hedge_base"])
    assert abs(net) < Decimal("0.001"), summary["position"]
